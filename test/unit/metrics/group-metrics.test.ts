/** Group metrics: members and lag read from the source at scrape time, rebalances and commits counted. */
import { Registry } from 'prom-client';
import t from 'tap';
import { GroupMetrics, type GroupGaugeSource } from '../../../broker/metrics/group-metrics.js';

void t.test('gauges follow the source; counters count', async (t) => {
  const registry = new Registry();
  let groups: ReturnType<GroupGaugeSource> = [
    {
      group: { groupId: 'billing', members: new Map([['m1', null]]) },
      lag: [{ topic: 'orders', partition: 3, lag: 42 }],
    },
  ];
  const metrics = new GroupMetrics(registry, () => groups);
  metrics.rebalanced('billing');
  metrics.rebalanced('billing');
  metrics.committed('billing', 5);
  const text = await registry.metrics();
  t.match(text, 'brook_group_members{group="billing"} 1');
  t.match(text, 'brook_group_lag_records{group="billing",topic="orders",partition="3"} 42');
  t.match(text, 'brook_group_rebalances_total{group="billing"} 2');
  t.match(text, 'brook_group_commits_total{group="billing"} 5');
  groups = [];
  const later = await registry.metrics();
  t.notMatch(later, 'brook_group_members{group="billing"}', 'a group no longer coordinated here is gone');
  t.notMatch(later, 'brook_group_lag_records{group="billing"');
});
