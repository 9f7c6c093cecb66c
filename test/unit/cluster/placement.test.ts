import t from 'tap';
import { BrookError } from '../../../protocol/index.js';
import { assignLiveReplicas, assignReplicas, majorityOf } from '../../../broker/cluster/placement.js';

void t.test('each partition gets distinct replicas, deterministically', (t) => {
  const a = assignReplicas('topic', 50, 3, [1, 2, 3, 4, 5]);
  t.same(a, assignReplicas('topic', 50, 3, [5, 4, 3, 2, 1]), 'independent of broker order');
  for (const replicas of a) t.equal(new Set(replicas).size, 3);
  t.end();
});

void t.test('adding a broker moves only the partitions it now wins', (t) => {
  const before = assignReplicas('t', 200, 1, [1, 2, 3]);
  const after = assignReplicas('t', 200, 1, [1, 2, 3, 4]);
  let moved = 0;
  for (let p = 0; p < 200; p++) {
    if (before[p]?.[0] !== after[p]?.[0]) {
      moved++;
      t.equal(after[p]?.[0], 4, `partition ${String(p)} moved to the new broker`);
    }
  }
  t.ok(moved > 20 && moved < 100, `about a quarter moved (${String(moved)})`);
  t.end();
});

void t.test('a replication factor above the broker count is refused', (t) => {
  t.throws(() => assignReplicas('t', 1, 2, [1]), RangeError);
  t.same(assignReplicas('t', 2, 1, [7]), [[7], [7]]);
  t.end();
});

void t.test('live placement: dead brokers get no replica, and live ones keep their rendezvous rank', (t) => {
  const all = assignReplicas('t', 100, 2, [1, 2, 3]);
  const live = assignLiveReplicas('t', 100, 2, [1, 2, 3], (id) => id !== 3);
  for (let p = 0; p < 100; p++) {
    t.notOk(live[p]?.includes(3), `partition ${String(p)} avoids the dead broker`);
    if (all[p]?.includes(3) !== true) t.same(live[p], all[p], `partition ${String(p)} is placed as with broker 3 up`);
  }
  t.end();
});

void t.test('live placement with fewer live brokers than the replication factor is refused, naming them', (t) => {
  t.throws(() => assignLiveReplicas('orders', 6, 3, [1, 2, 3], (id) => id !== 3), {
    constructor: BrookError,
    code: 'INVALID_REPLICATION_FACTOR',
    message:
      /replication factor 3 of 'orders' needs 3 live brokers, but only 2 of 3 are live \(live: \[1,2\], not reachable: \[3\]\)/,
  });
  t.end();
});

void t.test('live placement with minLive: live brokers first, dead ones only to fill the replication factor', (t) => {
  const isLive = (id: number): boolean => id !== 3;
  const placed = assignLiveReplicas('__offsets', 50, 3, [1, 2, 3], isLive, 2);
  const all = assignReplicas('__offsets', 50, 3, [1, 2, 3]);
  for (let p = 0; p < 50; p++) {
    t.same(placed[p]?.slice(0, 2).sort(), [1, 2], `partition ${String(p)}: both live brokers, leader first`);
    t.equal(placed[p]?.[2], 3, 'the dead broker only fills the last slot');
    t.equal(placed[p]?.[0], all[p]?.find(isLive), 'the preferred leader is the highest-ranked live broker');
  }
  t.throws(() => assignLiveReplicas('__offsets', 1, 3, [1, 2, 3], (id) => id === 1, 2), {
    code: 'INVALID_REPLICATION_FACTOR',
    message: /needs 2 live brokers, but only 1 of 3 are live/,
  });
  t.end();
});

void t.test('majorityOf', (t) => {
  t.same([1, 2, 3, 4, 5].map(majorityOf), [1, 2, 2, 3, 3]);
  t.end();
});
