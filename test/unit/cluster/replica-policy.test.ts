import t from 'tap';
import { ISR_LAG_MS, ReplicaPolicy, type ReplicaStatus } from '../../../broker/cluster/replica-policy.js';
import { NO_NODE, Role } from '../../../broker/raft/index.js';

/** A leader (broker 1) of voters 1, 2, 3 at commit 10, with the given followers' match indexes. */
function leader(
  match: Partial<Record<number, number>> = {},
  extra: Partial<ReplicaStatus['raft']> = {},
): ReplicaStatus {
  const progress = [1, 2, 3].map((id) => ({ id, match: match[id] ?? 10, next: 11, state: 0, recentActive: true }));
  return {
    raft: {
      id: 1,
      role: Role.Leader,
      leader: 1,
      commit: 10,
      lastIndex: 10,
      leadTransferee: NO_NODE,
      progress,
      ...extra,
    },
    voters: [1, 2, 3],
    configCommitted: true,
    quiesced: false,
  } as ReplicaStatus;
}

const allLive = () => true;
const except =
  (...dead: number[]) =>
  (id: number) =>
    !dead.includes(id);

void t.test('the ISR is the leader and the live followers that hold everything committed', (t) => {
  const policy = new ReplicaPolicy();
  t.same(policy.isr(leader(), allLive, 0), [1, 2, 3]);
  t.same(policy.isr(leader({ 3: 9 }), allLive, 0), [1, 2], 'never seen caught up: out at once');
  t.same(policy.isr(leader(), except(2), 0), [1, 3], 'a dead follower is out at once');
  t.end();
});

void t.test('a follower that falls behind stays in sync for the lag window after its last sample', (t) => {
  const policy = new ReplicaPolicy();
  policy.sample(leader(), allLive, 1_000);
  const behind = leader({ 3: 9 });
  t.same(policy.isr(behind, allLive, 1_000 + ISR_LAG_MS - 1), [1, 2, 3], '1 ms before the window ends');
  t.same(policy.isr(behind, allLive, 1_000 + ISR_LAG_MS), [1, 2], 'out once the window has passed');
  policy.sample(behind, allLive, 5_000);
  t.same(policy.isr(behind, allLive, 1_000 + ISR_LAG_MS), [1, 2], 'a sample while behind does not move the clock');
  t.end();
});

void t.test('asking for the ISR does not write: only a sample moves the lag clock', (t) => {
  const policy = new ReplicaPolicy();
  policy.sample(leader(), allLive, 0);
  t.same(policy.isr(leader(), allLive, 50_000), [1, 2, 3], 'caught up at the read');
  t.same(policy.isr(leader({ 2: 9 }), allLive, 50_001), [1, 3], 'the read at 50 000 did not count as a sample');
  t.end();
});

void t.test('a follower sampled dead must hold everything committed again to be back in', (t) => {
  const policy = new ReplicaPolicy();
  policy.sample(leader(), allLive, 0);
  policy.sample(leader(), except(2), 100);
  t.same(policy.isr(leader({ 2: 9 }), allLive, 200), [1, 3], 'alive again but behind: out');
  t.same(policy.isr(leader(), allLive, 200), [1, 2, 3], 'caught up: in');
  t.end();
});

void t.test("a quiesced group's followers hold the whole log: the sample counts them caught up", (t) => {
  const policy = new ReplicaPolicy();
  policy.sample({ ...leader({ 2: 0, 3: 0 }), quiesced: true }, allLive, 0);
  t.same(policy.isr(leader({ 2: 9, 3: 9 }), allLive, ISR_LAG_MS - 1), [1, 2, 3]);
  t.end();
});

void t.test('on a follower the ISR is the leader it knows, and nothing is decided', (t) => {
  const policy = new ReplicaPolicy();
  const follower = leader({}, { id: 2, role: Role.Follower, leader: 1 });
  t.same(policy.isr(follower, allLive, 0), [1]);
  t.same(policy.isr(leader({}, { id: 2, role: Role.Follower, leader: NO_NODE }), allLive, 0), [], 'no leader known');
  t.equal(policy.handover(follower, allLive, [2, 1, 3], false), undefined);
  t.same(policy.membershipStep(follower, allLive, [1, 2]), { kind: 'wait' });
  t.end();
});

void t.test('preferred leader: hand over to the first replica when it is live and holds the whole log', (t) => {
  const policy = new ReplicaPolicy();
  const replicas = [2, 1, 3];
  t.equal(policy.handover(leader(), allLive, replicas, false), 2);
  t.equal(policy.handover(leader(), allLive, [1, 2, 3], false), undefined, 'the leader is the preferred one');
  t.equal(policy.handover(leader(), except(2), replicas, false), undefined, 'preferred replica dead');
  t.equal(policy.handover(leader({ 2: 9 }), allLive, replicas, false), undefined, 'preferred replica behind');
  t.equal(
    policy.handover(leader({}, { leadTransferee: 3 }), allLive, replicas, false),
    undefined,
    'transfer under way',
  );
  t.equal(policy.handover(leader(), allLive, replicas, true), undefined, 'a moving partition follows its steps');
  t.equal(policy.handover(leader(), allLive, [], false), undefined, 'no replicas known');
  t.end();
});

void t.test('membership steps (Raft thesis §4.1): add first, remove once caught up, hand over before leaving', (t) => {
  const policy = new ReplicaPolicy();
  t.same(policy.membershipStep(leader(), allLive, [1, 2, 3, 4]), { kind: 'add', id: 4 });
  t.same(policy.membershipStep(leader(), allLive, [1, 2]), { kind: 'remove', id: 3 });
  t.same(policy.membershipStep(leader({ 2: 9 }), allLive, [1, 2]), { kind: 'wait' }, 'target replica behind');
  t.same(policy.membershipStep(leader(), except(2), [1, 2]), { kind: 'wait' }, 'target replica dead');
  t.same(policy.membershipStep(leader(), allLive, [2, 3]), { kind: 'transfer', to: 2 }, 'the leader itself goes last');
  t.same(
    policy.membershipStep(leader({}, { leadTransferee: 2 }), allLive, [2, 3]),
    { kind: 'wait' },
    'a hand-over under way is not started again',
  );
  t.same(policy.membershipStep({ ...leader(), configCommitted: false }, allLive, [1, 2]), { kind: 'wait' });
  t.same(policy.membershipStep(leader(), allLive, [1, 2, 3]), { kind: 'done' });
  t.end();
});

void t.test('only the preferred replica of a brand-new partition, not joining, stands for election at once', (t) => {
  t.equal(ReplicaPolicy.standsAtOnce(1, [1, 2, 3], 0, false), true);
  t.equal(ReplicaPolicy.standsAtOnce(2, [1, 2, 3], 0, false), false, 'not the preferred replica');
  t.equal(ReplicaPolicy.standsAtOnce(1, [1, 2, 3], 5, false), false, 'a log to recover: elections decide');
  t.equal(ReplicaPolicy.standsAtOnce(1, [1, 2, 3], 0, true), false, 'joining an existing group');
  t.end();
});
