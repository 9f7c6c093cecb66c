// Cluster ids (broker/cluster/cluster-id.ts): random, and how a peer's id is checked while one side has not learned
// its cluster's yet.
import t from 'tap';
import { clusterIdsAgree, newClusterId, UNKNOWN_CLUSTER_ID } from '../../../broker/cluster/cluster-id.js';

void t.test('a new cluster id is 128 random bits, base64url', (t) => {
  const ids = new Set(Array.from({ length: 1000 }, () => newClusterId()));
  t.equal(ids.size, 1000, 'no two alike');
  for (const id of ids) t.match(id, /^[A-Za-z0-9_-]{22}$/);
  t.end();
});

void t.test('peers agree when their ids match or one side does not know its id yet', (t) => {
  t.ok(clusterIdsAgree('a', 'a'));
  t.notOk(clusterIdsAgree('a', 'b'), 'a broker of another cluster is refused');
  t.ok(clusterIdsAgree(UNKNOWN_CLUSTER_ID, 'b'), 'a broker that has not learned the id yet accepts');
  t.ok(clusterIdsAgree('a', UNKNOWN_CLUSTER_ID), 'a peer that has not learned it yet is accepted');
  t.end();
});
