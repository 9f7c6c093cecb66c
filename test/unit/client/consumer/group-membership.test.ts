import t from 'tap';
import { BrookError } from '../../../../protocol/index.js';
import {
  ErrorAction,
  GroupMembership,
  MemberState,
  groupByTopic,
  type MembershipConfig,
} from '../../../../client/consumer/group-membership.js';

const config: MembershipConfig = {
  groupId: 'billing',
  memberId: 'c-1',
  groupInstanceId: undefined,
  clientId: 'test',
  subscription: { topics: ['orders'] },
  assignor: 'sticky',
  sessionTimeoutMs: 45_000,
  rebalanceTimeoutMs: 60_000,
  offsetReset: 'earliest',
  maxPollIntervalMs: 300_000,
};

const tp = (partition: number, topic = 'orders') => ({ topic, partition });

function joined(extra: Partial<MembershipConfig> = {}, assignment = [0, 1]) {
  const m = new GroupMembership({ ...config, ...extra });
  m.join(0);
  m.heartbeat(0);
  m.onResponse(
    {
      memberId: 'm-1',
      memberEpoch: 1,
      heartbeatIntervalMs: 500,
      assignment: [{ topic: 'orders', partitions: assignment }],
    },
    10,
  );
  return m;
}

void t.test('a join carries epoch 0, the subscription and settings; nothing is due while it is in flight', (t) => {
  const m = new GroupMembership({ ...config, groupInstanceId: 'host-a' });
  t.equal(m.delayMs(0), Infinity, 'nothing before join()');
  m.join(100);
  t.equal(m.delayMs(100), 0);
  t.same(m.heartbeat(100), {
    groupId: 'billing',
    memberId: 'c-1',
    groupInstanceId: 'host-a',
    memberEpoch: 0,
    subscribedTopics: ['orders'],
    clientId: 'test',
    assignor: 'sticky',
    sessionTimeoutMs: 45_000,
    rebalanceTimeoutMs: 60_000,
    owned: [],
  });
  t.equal(m.heartbeat(100), undefined, 'one heartbeat in flight at a time');
  t.equal(m.delayMs(5_000), Infinity);
  t.end();
});

void t.test('a pattern subscription is sent as subscribedPattern', (t) => {
  const m = new GroupMembership({ ...config, subscription: { pattern: '^orders-.*$' } });
  m.join(0);
  t.match(m.heartbeat(0), { subscribedPattern: '^orders-.*$' });
  t.notOk('subscribedTopics' in (m.heartbeat(0) ?? {}));
  t.end();
});

void t.test('grants are reported at once, then heartbeats follow the interval and omit unchanged fields', (t) => {
  const m = joined();
  t.equal(m.state, MemberState.MEMBER);
  t.equal(m.memberId, 'm-1');
  t.equal(m.memberEpoch, 1);
  t.same(m.reconcile(), { revoke: [], grant: [tp(0), tp(1)] });
  t.equal(m.delayMs(10), 500, 'nothing to report until the grant is done');
  m.acquired([tp(0), tp(1)], m.incarnation, 20);
  t.equal(m.delayMs(20), 0, 'owned changed: heartbeat at once');
  t.same(m.heartbeat(20), {
    groupId: 'billing',
    memberId: 'm-1',
    memberEpoch: 1,
    owned: [{ topic: 'orders', partitions: [0, 1] }],
  });
  m.onResponse({ memberId: 'm-1', memberEpoch: 1, heartbeatIntervalMs: 500, assignment: null }, 30);
  t.equal(m.reconcile(), undefined, 'null assignment: unchanged');
  t.equal(m.delayMs(30), 500);
  t.equal(m.heartbeat(529), undefined);
  t.same(m.heartbeat(530), { groupId: 'billing', memberId: 'm-1', memberEpoch: 1 });
  t.end();
});

void t.test('revocations come before grants, and a release is reported at once', (t) => {
  const m = joined();
  m.acquired([tp(0), tp(1)], m.incarnation, 20);
  m.heartbeat(20);
  m.onResponse(
    {
      memberId: 'm-1',
      memberEpoch: 2,
      heartbeatIntervalMs: 500,
      assignment: [{ topic: 'orders', partitions: [1, 2] }],
    },
    30,
  );
  t.equal(m.memberEpoch, 2);
  t.same(m.reconcile(), { revoke: [tp(0)], grant: [] }, 'revoke first');
  m.released([tp(0)], m.incarnation, 40);
  t.same(m.reconcile(), { revoke: [], grant: [tp(2)] });
  t.same(m.heartbeat(40)?.owned, [{ topic: 'orders', partitions: [1] }], 'the release goes out at once');
  t.end();
});

void t.test('a change made while a heartbeat is in flight is sent right after its answer', (t) => {
  const m = joined();
  t.ok(m.heartbeat(510), 'in flight, owned unchanged (nothing acquired yet)');
  m.acquired([tp(0), tp(1)], m.incarnation, 515);
  t.equal(m.delayMs(515), Infinity);
  m.onResponse({ memberId: 'm-1', memberEpoch: 1, heartbeatIntervalMs: 500, assignment: null }, 520);
  t.equal(m.delayMs(520), 0);
  t.same(m.heartbeat(520)?.owned, [{ topic: 'orders', partitions: [0, 1] }]);
  t.end();
});

void t.test('fencing loses every partition without a commit and rejoins at epoch 0 with the same id', (t) => {
  const m = joined();
  m.acquired([tp(0), tp(1)], m.incarnation, 20);
  const before = m.incarnation;
  m.heartbeat(20);
  t.equal(m.onError(new BrookError('FENCED_MEMBER_EPOCH'), 30), ErrorAction.REJOIN);
  t.same(m.takeLost(), [tp(0), tp(1)]);
  t.same(m.takeLost(), [], 'reported once');
  t.not(m.incarnation, before);
  t.same(m.owned(), []);
  t.equal(m.state, MemberState.JOINING);
  const rejoin = m.heartbeat(30);
  t.match(rejoin, { memberId: 'm-1', memberEpoch: 0, subscribedTopics: ['orders'], owned: [] });
  // A grant finished for the old incarnation is not claimed.
  m.acquired([tp(0)], before, 31);
  t.same(m.owned(), []);
  t.end();
});

void t.test('UNKNOWN_MEMBER_ID rejoins at epoch 0 with the same id; a static member keeps its instance id', (t) => {
  const m = joined({ groupInstanceId: 'host-a' });
  t.ok(m.heartbeat(600));
  t.equal(m.onError(new BrookError('UNKNOWN_MEMBER_ID'), 600), ErrorAction.REJOIN);
  t.match(m.heartbeat(600), { memberId: 'm-1', memberEpoch: 0, groupInstanceId: 'host-a' });
  t.end();
});

void t.test('a join retried after its answer was lost is the same member (its own id), not a second one', (t) => {
  const m = new GroupMembership(config);
  m.join(0);
  t.match(m.heartbeat(0), { memberId: 'c-1', memberEpoch: 0 });
  t.equal(m.onError(new BrookError('REQUEST_TIMED_OUT'), 10), ErrorAction.REDISCOVER);
  t.match(m.heartbeat(10), { memberId: 'c-1', memberEpoch: 0 }, 'the retry joins under the same id');
  t.end();
});

void t.test('coordinator errors rediscover, keep what is owned and resend the full heartbeat', (t) => {
  for (const code of ['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'NETWORK_ERROR', 'SHUTTING_DOWN'] as const) {
    const m = joined();
    m.acquired([tp(0), tp(1)], m.incarnation, 20);
    m.heartbeat(20);
    t.equal(m.onError(new BrookError(code), 25), ErrorAction.REDISCOVER, code);
    t.same(m.owned(), [tp(0), tp(1)], `${code}: partitions kept`);
    t.same(m.takeLost(), []);
    m.retryAt(125);
    t.equal(m.delayMs(25), 100, 'backoff set by the driver');
    t.match(m.heartbeat(125), {
      memberEpoch: 1,
      subscribedTopics: ['orders'],
      owned: [{ topic: 'orders', partitions: [0, 1] }],
    });
  }
  t.end();
});

void t.test('a non-retriable heartbeat error fails the membership and loses its partitions', (t) => {
  const m = joined();
  m.acquired([tp(0)], m.incarnation, 20);
  m.heartbeat(20);
  t.equal(m.onError(new BrookError('UNAUTHORIZED'), 30), ErrorAction.FAIL);
  t.equal(m.state, MemberState.FAILED);
  t.equal(m.error?.code, 'UNAUTHORIZED');
  t.same(m.takeLost(), [tp(0)]);
  t.equal(m.delayMs(30), Infinity);
  t.end();
});

void t.test('a commit fenced by the coordinator rejoins like a heartbeat would', (t) => {
  const m = joined();
  m.acquired([tp(0)], m.incarnation, 20);
  t.equal(m.onError(new BrookError('FENCED_MEMBER_EPOCH'), 30, true), ErrorAction.REJOIN);
  t.same(m.takeLost(), [tp(0)]);
  t.equal(m.onError(new BrookError('INVALID_REQUEST'), 30, true), ErrorAction.FAIL);
  t.not(m.state, MemberState.FAILED, 'a refused commit alone does not end the membership');
  t.end();
});

void t.test('answers to a heartbeat sent before a commit found the member fenced are ignored', (t) => {
  const m = joined();
  m.acquired([tp(0)], m.incarnation, 20);
  t.ok(m.heartbeat(20), 'heartbeat in flight');
  t.equal(m.onError(new BrookError('FENCED_MEMBER_EPOCH'), 25, true), ErrorAction.REJOIN, 'the commit is fenced');
  t.same(m.takeLost(), [tp(0)]);
  m.onResponse(
    { memberId: 'm-1', memberEpoch: 1, heartbeatIntervalMs: 500, assignment: [{ topic: 'orders', partitions: [0] }] },
    30,
  );
  t.equal(m.state, MemberState.JOINING, 'the stale answer does not make it a member again');
  t.equal(m.reconcile(), undefined);
  t.match(m.heartbeat(30), { memberEpoch: 0, subscribedTopics: ['orders'] }, 'the rejoin goes out at once');
  m.onResponse({ memberId: 'm-1', memberEpoch: 3, heartbeatIntervalMs: 500, assignment: [] }, 40);
  t.equal(m.memberEpoch, 3);

  const n = joined();
  n.heartbeat(10 + 500);
  n.onError(new BrookError('FENCED_MEMBER_EPOCH'), 515, true);
  n.takeLost();
  t.equal(n.onError(new BrookError('FENCED_MEMBER_EPOCH'), 520), ErrorAction.RETRY, 'a stale fencing is not a new one');
  t.match(n.heartbeat(520), { memberEpoch: 0 });
  t.end();
});

void t.test('leave sends epoch -1 at once; a static member leaving temporarily sends -2', (t) => {
  const m = joined();
  t.ok(m.heartbeat(510));
  m.leave(515, true);
  t.equal(m.reconcile(), undefined, 'nothing reconciled while leaving');
  t.equal(m.delayMs(515), Infinity, 'after the heartbeat in flight');
  m.onResponse({ memberId: 'm-1', memberEpoch: 1, heartbeatIntervalMs: 500, assignment: null }, 520);
  t.same(m.heartbeat(520), { groupId: 'billing', memberId: 'm-1', memberEpoch: -1 }, 'dynamic: -1 even if temporary');
  m.onResponse({ memberId: 'm-1', memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }, 40);
  t.equal(m.state, MemberState.LEFT);
  t.equal(m.delayMs(40), Infinity);

  const s = joined({ groupInstanceId: 'host-a' });
  s.leave(20, true);
  t.same(s.heartbeat(20), { groupId: 'billing', memberId: 'm-1', groupInstanceId: 'host-a', memberEpoch: -2 });
  t.end();
});

void t.test('leave while the join is in flight waits for the member id, then leaves under it', (t) => {
  const m = new GroupMembership(config);
  m.join(0);
  m.heartbeat(0);
  m.leave(5, false);
  m.onResponse({ memberId: 'm-9', memberEpoch: 1, heartbeatIntervalMs: 500, assignment: [] }, 10);
  t.same(m.heartbeat(10), { groupId: 'billing', memberId: 'm-9', memberEpoch: -1 });
  t.equal(m.onError(new BrookError('NETWORK_ERROR'), 20), ErrorAction.RETRY);
  t.equal(m.state, MemberState.LEFT, 'a failed leave is not retried: the session expiry covers it');

  const never = new GroupMembership(config);
  never.join(0);
  never.leave(1, false);
  t.equal(never.state, MemberState.LEFT, 'never sent: nothing to leave');
  t.end();
});

void t.test('past maxPollIntervalMs the member leaves and loses its partitions; the next ask rejoins', (t) => {
  const m = joined({ maxPollIntervalMs: 1_000 });
  m.acquired([tp(0), tp(1)], m.incarnation, 20);
  t.same(m.checkPoll(20, undefined), { left: false, checkInMs: 1_000 }, 'waiting for a record counts as asking');
  t.same(m.checkPoll(500, 100), { left: false, checkInMs: 600 }, 'checked again when the interval would end');
  t.same(m.checkPoll(1_099, 100), { left: false, checkInMs: 1 });
  t.equal(m.polled(1_099), false, 'asking within the interval changes nothing');
  t.same(m.checkPoll(1_100, 100), { left: true }, 'the interval has passed');
  t.equal(m.state, MemberState.LEAVING);
  t.same(m.takeLost(), [tp(0), tp(1)], 'dropped without a commit');
  t.same(m.owned(), []);
  t.same(m.checkPoll(5_000, 100), { left: false, checkInMs: Infinity }, 'no more checks while away');
  m.heartbeat(1_100);
  m.onResponse({ memberId: 'm-1', memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }, 1_110);
  t.equal(m.state, MemberState.LEFT);
  t.equal(m.polled(2_000), true, 'the application asks again: rejoin');
  t.match(m.heartbeat(2_000), { memberEpoch: 0, subscribedTopics: ['orders'], owned: [] });
  t.equal(m.polled(2_001), false, 'only once');
  t.end();
});

void t.test('a static member past maxPollIntervalMs leaves for good (epoch -1), not for a restart', (t) => {
  const m = joined({ groupInstanceId: 'host-a', maxPollIntervalMs: 1_000 });
  t.same(m.checkPoll(2_000, 0), { left: true });
  t.match(m.heartbeat(2_000), { memberEpoch: -1 });
  t.end();
});

void t.test('granted partitions start at the committed offset, else per offsetReset', (t) => {
  const m = joined({}, [0, 1, 2]);
  const { starts, errors } = m.starts(
    [tp(0), tp(1), tp(2)],
    [
      { topic: 'orders', partition: 0, offset: 7 },
      { topic: 'orders', partition: 1, offset: -1 },
    ],
  );
  t.same(starts, [
    { topic: 'orders', partition: 0, start: { offset: 7 } },
    { topic: 'orders', partition: 1, start: 'earliest' },
    { topic: 'orders', partition: 2, start: 'earliest' },
  ]);
  t.same(errors, []);
  t.same(joined({ offsetReset: 'latest' }).starts([tp(0)], []).starts, [
    { topic: 'orders', partition: 0, start: 'latest' },
  ]);
  t.end();
});

void t.test("offsetReset 'none': a partition without a committed offset starts nowhere, with an error", (t) => {
  const m = joined({ offsetReset: 'none' });
  const { starts, errors } = m.starts([tp(0), tp(1)], [{ topic: 'orders', partition: 0, offset: 3 }]);
  t.same(starts, [
    { topic: 'orders', partition: 0, start: { offset: 3 } },
    { topic: 'orders', partition: 1, start: null },
  ]);
  t.equal(errors.length, 1);
  t.equal(errors[0]?.code, 'OFFSET_OUT_OF_RANGE');
  t.match(errors[0]?.message, /orders\/1.*seek\(\)/);
  t.end();
});

void t.test('a commit carries only owned positions that moved since their last commit', (t) => {
  const m = joined({}, [0, 1, 2]);
  m.starts([tp(0), tp(1)], [{ topic: 'orders', partition: 0, offset: 5 }]);
  m.acquired([tp(0), tp(1)], m.incarnation, 20);
  const at = (partition: number, offset: number) => ({ topic: 'orders', partition, offset });
  t.same(m.toCommit([at(0, 5), at(1, 2), at(2, 9)]), [at(1, 2)], 'partition 0 is where it was committed; 2 not owned');
  m.committed(at(1, 2), m.incarnation);
  t.same(m.toCommit([at(0, 5), at(1, 2)]), [], 'nothing moved');
  t.same(m.toCommit([at(0, 6), at(1, 2)]), [at(0, 6)]);

  const before = m.incarnation;
  m.onError(new BrookError('FENCED_MEMBER_EPOCH'), 30);
  m.committed(at(0, 6), before);
  m.join(40);
  m.heartbeat(40);
  m.onResponse({ memberId: 'm-1', memberEpoch: 2, heartbeatIntervalMs: 500, assignment: null }, 50);
  m.acquired([tp(0)], m.incarnation, 50);
  t.same(
    m.toCommit([at(0, 6)]),
    [at(0, 6)],
    'fencing forgets what was committed, and a late answer does not restore it',
  );
  t.end();
});

void t.test('a released partition forgets its commit: a later grant starts from what the coordinator says', (t) => {
  const m = joined();
  m.starts([tp(0)], [{ topic: 'orders', partition: 0, offset: 4 }]);
  m.acquired([tp(0)], m.incarnation, 20);
  m.released([tp(0)], m.incarnation, 30);
  m.acquired([tp(0)], m.incarnation, 40);
  t.same(m.toCommit([{ topic: 'orders', partition: 0, offset: 4 }]), [{ topic: 'orders', partition: 0, offset: 4 }]);
  t.end();
});

void t.test('groupByTopic sorts topics and partitions', (t) => {
  t.same(groupByTopic([tp(3, 'b'), tp(1, 'a'), tp(0, 'b')]), [
    { topic: 'a', partitions: [1] },
    { topic: 'b', partitions: [0, 3] },
  ]);
  t.end();
});
