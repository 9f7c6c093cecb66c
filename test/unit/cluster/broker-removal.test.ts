// What `brook broker remove` may do, decided before anything is proposed (broker/cluster/broker-removal.ts), and the
// replica placement a forced removal moves to (placement.ts replaceReplica).
import t from 'tap';
import { BrookError } from '../../../protocol/index.js';
import { planBrokerRemoval, type RemovalView } from '../../../broker/cluster/broker-removal.js';
import { replaceReplica } from '../../../broker/cluster/placement.js';
import type { TopicRecord } from '../../../broker/topics/topic-registry.js';

function topic(name: string, replicas: number[][], moving?: Record<number, number[]>): TopicRecord {
  return {
    name,
    partitions: replicas.length,
    replicationFactor: replicas[0]?.length ?? 1,
    replicas,
    config: {},
    createdMs: 0,
    ...(moving === undefined ? {} : { moving }),
  };
}

const base: RemovalView = {
  id: 4,
  force: false,
  brokerIds: [1, 2, 3, 4],
  voters: [1, 2, 3, 4],
  removed: false,
  isLive: () => true,
  topics: [],
};

function refusal(view: RemovalView): string | undefined {
  try {
    planBrokerRemoval(view);
    return undefined;
  } catch (err) {
    return err instanceof BrookError ? `${err.code}: ${err.message}` : String(err);
  }
}

void t.test('a broker that hosts nothing is removed without moves', (t) => {
  t.same(planBrokerRemoval(base), []);
  t.end();
});

void t.test('an unknown broker is refused as such', (t) => {
  t.match(refusal({ ...base, id: 9 }), /^UNKNOWN_BROKER: broker 9 is not a broker of the cluster \[1,2,3,4\]/);
  t.end();
});

void t.test('the last voter is never removed', (t) => {
  t.match(refusal({ ...base, id: 1, brokerIds: [1], voters: [1] }), /^WOULD_LOSE_QUORUM: broker 1 is the last/);
  t.end();
});

void t.test('a removal that leaves the voters without a live majority is refused (Raft thesis §4.1)', (t) => {
  // Voters 1-4, broker 4 vanished and broker 3 is down too: 1 and 2 are a majority of {1,2,3} - allowed.
  const twoDown = { ...base, isLive: (id: number) => id <= 2 };
  t.same(planBrokerRemoval(twoDown), [], '2 of the 3 voters left are live');
  // Voters 1-5 with 3, 4 and 5 down: removing 5 leaves {1,2,3,4} with 2 live, not a majority of 4.
  const threeDown = {
    ...base,
    id: 5,
    brokerIds: [1, 2, 3, 4, 5],
    voters: [1, 2, 3, 4, 5],
    isLive: (id: number) => id <= 2,
  };
  t.match(
    refusal(threeDown),
    /^WOULD_LOSE_QUORUM: removing broker 5 would leave metadata voters \[1,2,3,4\] with 2 live/,
  );
  t.end();
});

void t.test('a broker that hosts replicas is refused without force, naming the partitions', (t) => {
  const topics = [
    topic('orders', [
      [4, 1],
      [2, 3],
      [1, 2],
    ]),
    topic('moving', [[1, 2]], { 0: [1, 2, 4] }),
  ];
  t.match(
    refusal({ ...base, topics }),
    /^BROKER_HAS_REPLICAS: broker 4 still hosts replicas of orders-0, moving-0: move them off first/,
    'a replica, and a replica a move is still leaving, both count',
  );
  const many = [
    topic(
      'many',
      Array.from({ length: 15 }, () => [4]),
    ),
  ];
  t.match(refusal({ ...base, topics: many }), /many-9 and 5 more partitions/);
  t.end();
});

void t.test('with force, only the removed replica moves, to a live broker, in its place', (t) => {
  const topics = [
    topic('orders', [
      [4, 1],
      [2, 3],
      [1, 4],
    ]),
  ];
  const moves = planBrokerRemoval({ ...base, force: true, topics, isLive: (id) => id !== 4 });
  t.same(
    moves.map((m) => m.partition),
    [0, 2],
    'partition 1 does not host broker 4 and stays',
  );
  for (const move of moves) {
    t.notOk(move.replicas.includes(4), 'broker 4 is gone');
    t.equal(move.replicas.length, 2, 'the replication factor is kept');
  }
  t.equal(moves[0]?.replicas[1], 1, 'the kept replica keeps its place');
  t.end();
});

void t.test('with force and no broker to take the replica, the replica set shrinks', (t) => {
  const topics = [topic('orders', [[1, 2, 3, 4]]), topic('alone', [[4]])];
  const moves = planBrokerRemoval({ ...base, force: true, topics });
  t.same(moves, [{ topic: 'orders', partition: 0, replicas: [1, 2, 3] }], 'alone-0 had its only copy there: unmoved');
  t.end();
});

void t.test('a repeated removal only finishes the voter change', (t) => {
  const topics = [topic('moving', [[1, 2]], { 0: [1, 2, 4] })];
  t.same(planBrokerRemoval({ ...base, brokerIds: [1, 2, 3], removed: true, topics }), []);
  t.end();
});

void t.test('replaceReplica prefers live brokers and never picks one holding the partition', (t) => {
  const all = [1, 2, 3, 4, 5];
  t.same(
    replaceReplica('t', 0, [1, 2], 9, all, () => true),
    [1, 2],
    'a broker not in the set changes nothing',
  );
  for (let p = 0; p < 50; p++) {
    const replaced = replaceReplica('t', p, [1, 2, 3], 2, all, (id) => id !== 5);
    t.equal(replaced[1], 4, 'the one live broker not holding it takes the place of broker 2');
  }
  t.same(
    replaceReplica('t', 0, [1, 2], 2, [1, 2, 3], (id) => id !== 3),
    [1],
    'no live broker left: shrinks',
  );
  t.end();
});
