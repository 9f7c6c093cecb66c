import t from 'tap';
import { batchOf } from '../partitions/fixtures.js';
import { createTopics, harness } from './fixtures.js';

void t.test('metadata lists brokers and topics with leaders, replicas and offsets', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['m', 2]);
  await h.handlers.createTopics({
    topics: [{ name: 'c', partitions: 1, replicationFactor: 1, config: { 'retention.ms': '-1' } }],
  });
  await h.handlers.produce({
    acks: 1,
    timeoutMs: 0,
    partitions: [{ topic: 'm', partition: 1, batch: batchOf(4).bytes }],
  });

  const all = await h.handlers.metadata({});
  t.equal(all.clusterId, 'test-cluster');
  t.equal(all.controllerId, 1);
  t.same(all.brokers, [{ id: 1, host: 'localhost', port: 9400, wsPort: 9401 }]);
  t.same(
    all.topics.map((x) => x.name),
    ['c', 'm'],
  );
  const sizes = all.topics[1]?.partitions.map((p) => p.sizeBytes) ?? [];
  t.equal(sizes[0], 0, 'an empty partition holds no bytes');
  t.ok((sizes[1] ?? 0) > 0, `a partition with records holds bytes (${String(sizes[1])})`);
  t.same(all.topics[1], {
    name: 'm',
    partitions: [
      { partition: 0, leader: 1, replicas: [1], isr: [1], logStartOffset: 0, highWatermark: 0, sizeBytes: 0 },
      { partition: 1, leader: 1, replicas: [1], isr: [1], logStartOffset: 0, highWatermark: 4, sizeBytes: sizes[1] },
    ],
    config: { 'cleanup.policy': 'delete', 'retention.ms': '604800000', 'retention.bytes': '-1' },
  });
  t.same(all.topics[0]?.config, { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' });

  const some = await h.handlers.metadata({ topics: ['m', 'ghost', 'm'] });
  t.same(
    some.topics.map((x) => x.name),
    ['m', 'ghost'],
    'duplicates asked once',
  );
  t.match(some.topics[1], { name: 'ghost', error: { code: 4 }, partitions: [] });
});
