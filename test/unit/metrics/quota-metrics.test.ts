import { Registry } from 'prom-client';
import t from 'tap';
import { QuotaMetrics } from '../../../broker/metrics/quota-metrics.js';
import { metricSum } from '../../helpers/http.js';

void t.test('throttles are counted, with their time, by quota and principal', async (t) => {
  const registry = new Registry();
  const metrics = new QuotaMetrics(registry);
  metrics.record('produce', 'User:alice', 120);
  metrics.record('produce', 'User:alice', 80);
  metrics.record('fetch', 'User:bob', 5);
  const body = await registry.metrics();
  const alice = { quota: 'produce', principal: 'User:alice' };
  t.equal(metricSum(body, 'brook_quota_throttled_total', alice), 2);
  t.equal(metricSum(body, 'brook_quota_throttle_ms_total', alice), 200);
  t.equal(metricSum(body, 'brook_quota_throttled_total', { quota: 'fetch', principal: 'User:bob' }), 1);
  t.equal(metricSum(body, 'brook_quota_throttled_total', { quota: 'partitionCreation' }), 0, 'no series of its own');
});
