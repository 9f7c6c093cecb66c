/**
 * The group coordinator's rules with a hand-driven clock: joins, incremental revoke-then-grant, leaves, session and
 * rebalance-timeout expiry, epoch fencing of heartbeats and commits, static members, admin commits, delete.
 */
import fc from 'fast-check';
import t from 'tap';
import { GroupCoordinator } from '../../../broker/groups/coordinator.js';
import { holders } from '../../../broker/groups/group-state.js';
import type { RequestOf, ResponseOf, TopicPartitions } from '../../../protocol/index.js';

type Heartbeat = RequestOf<'groupHeartbeat'>;

function coordinator(topics: [string, number][] = [['orders', 4]]): GroupCoordinator {
  let n = 0;
  const c = new GroupCoordinator({ nextMemberId: () => `m${String(++n)}`, heartbeatIntervalMs: 3000 });
  c.setTopics(new Map(topics));
  return c;
}

const join = (c: GroupCoordinator, nowMs = 0, extra: Partial<Heartbeat> = {}): ResponseOf<'groupHeartbeat'> =>
  c.heartbeat({ groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopics: ['orders'], ...extra }, nowMs);

const beat = (
  c: GroupCoordinator,
  memberId: string,
  memberEpoch: number,
  nowMs = 0,
  owned?: TopicPartitions[],
): ResponseOf<'groupHeartbeat'> =>
  c.heartbeat({ groupId: 'g', memberId, memberEpoch, ...(owned === undefined ? {} : { owned }) }, nowMs);

const parts = (a: ResponseOf<'groupHeartbeat'>['assignment']): number[] | null =>
  a === null ? null : a.flatMap((tp) => tp.partitions);

void t.test('the first member gets an id, epoch 1 and every partition', (t) => {
  const c = coordinator();
  const r = join(c);
  t.equal(r.memberId, 'm1');
  t.equal(r.memberEpoch, 1);
  t.equal(r.heartbeatIntervalMs, 3000);
  t.same(parts(r.assignment), [0, 1, 2, 3]);
  t.equal(beat(c, 'm1', 1).assignment, null, 'an unchanged assignment is not repeated');
  t.end();
});

void t.test('a second member gets partitions only after the first released them', (t) => {
  const c = coordinator();
  join(c);
  const second = join(c);
  t.equal(second.memberEpoch, 2, 'the joiner is at the new epoch');
  t.same(parts(second.assignment), [], 'nothing is free yet');
  const revoked = beat(c, 'm1', 1);
  t.equal(revoked.memberEpoch, 1, 'the first member keeps its epoch while it has partitions to release');
  const kept = parts(revoked.assignment) ?? [];
  t.equal(kept.length, 2, 'two partitions are revoked, two kept');
  t.same(parts(beat(c, 'm2', 2).assignment), null, 'still nothing for the joiner');
  const released = beat(c, 'm1', 1, 0, [{ topic: 'orders', partitions: kept }]);
  t.equal(released.memberEpoch, 2, 'released: the first member moves to the new epoch');
  const granted = parts(beat(c, 'm2', 2).assignment) ?? [];
  t.same([...granted, ...kept].sort(), [0, 1, 2, 3], 'the joiner now gets the rest');
  t.equal(c.describe('g')?.state, 'stable');
  t.end();
});

void t.test('a leaving member frees its partitions at once', (t) => {
  const c = coordinator();
  join(c);
  join(c);
  const kept = parts(beat(c, 'm1', 1).assignment) ?? [];
  beat(c, 'm1', 1, 0, [{ topic: 'orders', partitions: kept }]);
  beat(c, 'm2', 2);
  const left = c.heartbeat({ groupId: 'g', memberId: 'm2', memberEpoch: -1 }, 0);
  t.equal(left.memberEpoch, -1);
  const after = beat(c, 'm1', 2);
  t.equal(after.memberEpoch, 3);
  t.same(parts(after.assignment), [0, 1, 2, 3]);
  t.end();
});

void t.test('a silent member expires after its session timeout', (t) => {
  const c = coordinator();
  join(c, 0, { sessionTimeoutMs: 10_000 });
  join(c, 0);
  t.same(c.tick(9_999), [], 'not yet');
  beat(c, 'm2', 2, 9_999);
  t.same(c.tick(10_000), ['g'], 'm1 expires');
  t.same([...(c.group('g')?.members.keys() ?? [])], ['m2']);
  t.same(parts(beat(c, 'm2', 2, 10_001).assignment), [0, 1, 2, 3]);
  t.end();
});

void t.test('a member that does not release revoked partitions within its rebalance timeout is expired', (t) => {
  const c = coordinator();
  join(c, 0, { rebalanceTimeoutMs: 5_000 });
  join(c, 0);
  beat(c, 'm1', 1, 1_000); // revocation starts: deadline 6 000
  beat(c, 'm1', 1, 4_000); // heartbeats but never reports the release
  t.same(c.tick(5_999), []);
  t.same(c.tick(6_000), ['g']);
  t.notOk(c.group('g')?.members.has('m1'));
  t.end();
});

void t.test('heartbeats and commits are fenced by member epoch', (t) => {
  const c = coordinator();
  join(c);
  t.throws(() => beat(c, 'm1', 5), { code: 'FENCED_MEMBER_EPOCH' });
  t.throws(() => beat(c, 'nobody', 1), { code: 'UNKNOWN_MEMBER_ID' });
  join(c); // epoch 2
  const kept = parts(beat(c, 'm1', 1).assignment) ?? [];
  beat(c, 'm1', 1, 0, [{ topic: 'orders', partitions: kept }]); // m1 now at 2, previous 1
  const revokedPartition = [0, 1, 2, 3].find((p) => !kept.includes(p)) ?? -1;
  const commit = (memberId: string, memberEpoch: number, partition: number): number | undefined =>
    c.checkCommit({ groupId: 'g', memberId, memberEpoch, offsets: [{ topic: 'orders', partition, offset: 1 }] })
      .results[0]?.error?.code;
  t.equal(commit('m1', 2, revokedPartition), undefined, 'the current epoch commits anything');
  t.equal(commit('m1', 1, kept[0] ?? -1), undefined, 'the previous epoch commits a partition still held');
  t.equal(commit('m1', 1, revokedPartition), 29, 'but not one given up');
  t.equal(commit('m1', 3, kept[0] ?? -1), 29, 'a future epoch is fenced');
  t.equal(commit('zombie', 1, 0), 28, 'an unknown member');
  const unknown = c.checkCommit({
    groupId: 'g',
    memberId: 'm1',
    memberEpoch: 2,
    offsets: [
      { topic: 'nope', partition: 0, offset: 1 },
      { topic: 'orders', partition: 9, offset: 1 },
    ],
  });
  t.same(
    unknown.results.map((r) => r.error?.code),
    [4, 5],
    'unknown topic and partition',
  );
  t.end();
});

void t.test('admin commits only while the group is empty; delete only an empty group', (t) => {
  const c = coordinator();
  const admin = () =>
    c.checkCommit({
      groupId: 'g',
      memberId: '',
      memberEpoch: -1,
      offsets: [{ topic: 'orders', partition: 0, offset: 5 }],
    });
  const check = admin();
  t.same(check.results, [{ topic: 'orders', partition: 0 }], 'a group that does not exist takes an admin commit');
  c.applyCommit('g', check.accepted);
  t.same(c.fetchOffsets({ groupId: 'g' }).offsets, [{ topic: 'orders', partition: 0, offset: 5, metadata: '' }]);
  join(c);
  t.equal(admin().results[0]?.error?.code, 30, 'GROUP_NOT_EMPTY');
  t.throws(
    () => {
      c.deleteGroup('g');
    },
    { code: 'GROUP_NOT_EMPTY' },
  );
  c.heartbeat({ groupId: 'g', memberId: 'm1', memberEpoch: -1 }, 0);
  t.equal(admin().results[0]?.error, undefined);
  c.deleteGroup('g');
  t.throws(
    () => {
      c.deleteGroup('g');
    },
    { code: 'UNKNOWN_GROUP' },
  );
  t.same(c.fetchOffsets({ groupId: 'g', partitions: [{ topic: 'orders', partitions: [0] }] }).offsets, [
    { topic: 'orders', partition: 0, offset: -1, metadata: '' },
  ]);
  t.end();
});

void t.test('static members: leave -2 keeps the slot, the same instance takes it over without a rebalance', (t) => {
  const c = coordinator();
  const first = join(c, 0, { groupInstanceId: 'host-1', sessionTimeoutMs: 10_000 });
  join(c, 0, { groupInstanceId: 'host-2' });
  const kept = parts(beat(c, 'm1', 1).assignment) ?? [];
  beat(c, 'm1', 1, 0, [{ topic: 'orders', partitions: kept }]);
  beat(c, 'm2', 2);
  const epochBefore = c.group('g')?.groupEpoch;
  t.equal(c.heartbeat({ groupId: 'g', memberId: first.memberId, memberEpoch: -2 }, 1_000).memberEpoch, -2);
  t.ok(c.group('g')?.members.has('m1'), 'the member stays while its instance restarts');
  const back = join(c, 2_000, { groupInstanceId: 'host-1', sessionTimeoutMs: 10_000 });
  t.equal(back.memberId, 'm3');
  t.equal(back.memberEpoch, 2);
  t.same(parts(back.assignment), kept, 'the same partitions');
  t.equal(c.group('g')?.groupEpoch, epochBefore, 'no rebalance');
  t.notOk(c.group('g')?.members.has('m1'));
  // A static member gone for good expires with its session.
  c.heartbeat({ groupId: 'g', memberId: 'm3', memberEpoch: -2 }, 3_000);
  beat(c, 'm2', 2, 12_000);
  t.same(c.tick(12_999), [], 'its session runs from the leave');
  t.same(c.tick(13_000), ['g']);
  t.same([...(c.group('g')?.members.keys() ?? [])], ['m2']);
  t.end();
});

void t.test('pattern subscriptions follow topics as they are created', (t) => {
  const c = coordinator([['audit.a', 1]]);
  const r = c.heartbeat({ groupId: 'g', memberId: '', memberEpoch: 0, subscribedPattern: 'audit\\..*' }, 0);
  t.same(r.assignment, [{ topic: 'audit.a', partitions: [0] }]);
  t.same(
    c.setTopics(
      new Map([
        ['audit.a', 1],
        ['audit.b', 2],
        ['other', 3],
      ]),
    ),
    ['g'],
  );
  const after = beat(c, 'm1', 1);
  t.equal(after.memberEpoch, 2);
  t.same(after.assignment, [
    { topic: 'audit.a', partitions: [0] },
    { topic: 'audit.b', partitions: [0, 1] },
  ]);
  t.throws(() => c.heartbeat({ groupId: 'h', memberId: '', memberEpoch: 0, subscribedPattern: '(' }, 0), {
    code: 'INVALID_REQUEST',
  });
  t.throws(() => c.heartbeat({ groupId: 'h', memberId: '', memberEpoch: 0 }, 0), { code: 'INVALID_REQUEST' });
  // What a JavaScript RegExp without flags accepts, the coordinator accepts (an escaped '-' is an error under 'u').
  const escaped = c.heartbeat({ groupId: 'e', memberId: '', memberEpoch: 0, subscribedPattern: 'audit\\-?\\.a' }, 0);
  t.same(escaped.assignment, [{ topic: 'audit.a', partitions: [0] }], 'a pattern with an identity escape');
  t.end();
});

/** One step of a random history: a join, a leave, an expiry, or a heartbeat that reports (or not) what it owns. */
const step = fc.oneof(
  fc.record({ kind: fc.constant('join' as const) }),
  fc.record({ kind: fc.constant('leave' as const), who: fc.nat(9) }),
  fc.record({ kind: fc.constant('beat' as const), who: fc.nat(9), report: fc.boolean() }),
  fc.record({ kind: fc.constant('expire' as const) }),
);

void t.test(
  'property: a partition never has two holders, and once everyone reports, each has exactly one owner',
  (t) => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const c = coordinator([
          ['orders', 5],
          ['audit', 2],
        ]);
        let now = 0;
        const epochs = new Map<string, number>();
        const owned = new Map<string, TopicPartitions[]>();
        const apply = (memberId: string, r: ResponseOf<'groupHeartbeat'>): void => {
          epochs.set(memberId, r.memberEpoch);
          // The client obeys: it owns exactly what it was last told (and reports it when asked).
          if (r.assignment !== null) owned.set(memberId, r.assignment);
        };
        const beatAll = (report: boolean): void => {
          for (const [id, epoch] of [...epochs]) {
            const o = owned.get(id);
            apply(id, beat(c, id, epoch, now, report ? (o ?? []) : undefined));
          }
        };
        for (const s of steps) {
          now += 1_000;
          const ids = [...epochs.keys()];
          if (s.kind === 'join') {
            const r = join(c, now, { subscribedTopics: ids.length % 2 === 0 ? ['orders', 'audit'] : ['orders'] });
            apply(r.memberId, r);
          } else if (s.kind === 'leave' && ids.length > 0) {
            const id = ids[s.who % ids.length] ?? '';
            c.heartbeat({ groupId: 'g', memberId: id, memberEpoch: -1 }, now);
            epochs.delete(id);
            owned.delete(id);
          } else if (s.kind === 'beat' && ids.length > 0) {
            const id = ids[s.who % ids.length] ?? '';
            apply(id, beat(c, id, epochs.get(id) ?? 0, now, s.report ? (owned.get(id) ?? []) : undefined));
          } else if (s.kind === 'expire' && ids.length > 0) {
            now += 100_000;
            const id = ids[0] ?? '';
            for (const other of ids.slice(1)) {
              apply(other, beat(c, other, epochs.get(other) ?? 0, now - 1, owned.get(other) ?? []));
            }
            c.tick(now);
            epochs.delete(id);
            owned.delete(id);
          }
          const group = c.group('g');
          if (group === null) continue;
          // No partition is assigned to two members, nor assigned to one while another still has to release it.
          const seen = new Set<string>();
          for (const m of group.members.values()) {
            for (const key of [...m.assigned, ...m.revoking]) {
              if (seen.has(key)) return false;
              seen.add(key);
            }
          }
        }
        // Two rounds where everyone reports: revocations complete, then grants.
        beatAll(true);
        beatAll(true);
        beatAll(true);
        const group = c.group('g');
        if (group === null || group.members.size === 0) return true;
        const held = holders(group);
        const subscribed = [...group.members.values()].some((m) => m.subscribedTopics.includes('audit')) ? 7 : 5;
        return held.size === subscribed && c.describe('g')?.state === 'stable';
      }),
      { numRuns: 200 },
    );
    t.end();
  },
);

void t.test('a member with a short session is told to heartbeat often enough to keep it', (t) => {
  const c = coordinator();
  t.equal(join(c, 0, { sessionTimeoutMs: 2_000 }).heartbeatIntervalMs, 666, 'a third of its 2 s session');
  t.equal(join(c, 0, { sessionTimeoutMs: 45_000 }).heartbeatIntervalMs, 3000, 'the broker interval otherwise');
  t.end();
});

void t.test('a group loaded after its topics changed rebalances onto them', (t) => {
  const c = coordinator([['orders', 2]]);
  join(c, 0, { subscribedPattern: 'orders.*' });
  const group = c.group('g');
  if (group === null) throw new Error('no group');
  const epoch = group.groupEpoch;
  t.notOk(coordinator([['orders', 2]]).restore(group, 500), 'unchanged topics: no rebalance');
  // A new coordinator loads the group while a topic the pattern matches was created meanwhile.
  const next = coordinator([
    ['orders', 2],
    ['orders-b', 2],
  ]);
  t.ok(next.restore(group, 1_000), 'restore says the group rebalanced');
  t.ok((next.group('g')?.groupEpoch ?? 0) > epoch, 'a new group epoch');
  const answer = beat(next, 'm1', epoch, 1_000);
  t.same(answer.assignment?.find((tp) => tp.topic === 'orders-b')?.partitions, [0, 1], 'the new topic is assigned');
  t.end();
});

void t.test('a static member that crashed is replaced by its restarted instance at once, without a rebalance', (t) => {
  const c = coordinator();
  join(c, 0, { groupInstanceId: 'host-1' });
  join(c, 0, { groupInstanceId: 'host-2' });
  const kept = parts(beat(c, 'm1', 1).assignment) ?? [];
  beat(c, 'm1', 1, 0, [{ topic: 'orders', partitions: kept }]);
  beat(c, 'm2', 2);
  const epochBefore = c.group('g')?.groupEpoch;
  // m1's process dies without a leave; its replacement joins with the same instance id long before m1 expires.
  const back = join(c, 1_000, { groupInstanceId: 'host-1' });
  t.same(parts(back.assignment), kept, 'the same partitions');
  t.equal(c.group('g')?.groupEpoch, epochBefore, 'no rebalance');
  t.throws(() => beat(c, 'm1', 2, 1_000), { code: 'UNKNOWN_MEMBER_ID' }, 'the old member id is gone');
  const zombie = c.checkCommit({
    groupId: 'g',
    memberId: 'm1',
    memberEpoch: 2,
    offsets: [{ topic: 'orders', partition: kept[0] ?? 0, offset: 9 }],
  });
  t.equal(zombie.results[0]?.error?.code, 28, "the old process's commits are refused");
  t.end();
});
