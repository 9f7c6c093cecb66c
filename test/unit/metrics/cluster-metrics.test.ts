import t from 'tap';
import { Registry } from 'prom-client';
import { ClusterMetrics, type ReplicaGaugeSource } from '../../../broker/metrics/cluster-metrics.js';

function replica(partition: number, fields: Partial<ReplicaGaugeSource>): ReplicaGaugeSource {
  return {
    topic: 'orders',
    partition,
    isLeader: false,
    leaderId: 2,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    followerLag: () => [],
    ...fields,
  };
}

void t.test('partition replica and ISR gauges come from the leader only', async (t) => {
  const registry = new Registry();
  const replicas = [
    replica(0, { isLeader: true, leaderId: 1, isr: [1, 3], followerLag: () => [{ id: 2, lagEntries: 7 }] }),
    replica(1, {}),
    replica(2, { leaderId: -1 }),
  ];
  new ClusterMetrics({ replicas: () => replicas, livePeers: () => 1, unhostedOfflinePartitions: () => 2 }).registerIn(
    registry,
  );
  const text = await registry.metrics();
  t.match(text, 'brook_partition_replicas{topic="orders",partition="0"} 3');
  t.match(text, 'brook_partition_in_sync_replicas{topic="orders",partition="0"} 2');
  t.notMatch(text, 'partition="1"} ', 'nothing for a partition followed here');
  t.match(text, 'brook_under_replicated_partitions 1');
  t.match(text, 'brook_offline_partitions 3', 'one hosted here without a leader, two hosted by no live broker');
  t.match(text, 'brook_partition_leader_count 1');
  t.match(text, 'brook_replication_lag_entries{topic="orders",partition="0",follower="2"} 7');
});
