import t from 'tap';
import { assignReplicas } from '../../../broker/cluster/placement.js';

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
