import t from 'tap';
import { ErrorCodes } from '../../../protocol/index.js';
import { storedLogNames } from '../../helpers/shard-files.js';
import { harness } from './fixtures.js';

void t.test('createTopics answers per topic', async (t) => {
  const h = await harness(t);
  const { results } = await h.handlers.createTopics({
    topics: [
      { name: 'ok', partitions: 2, replicationFactor: 1, config: { 'retention.ms': '1000' } },
      { name: 'ok', partitions: 1, replicationFactor: 1, config: {} },
      { name: 'rf', partitions: 1, replicationFactor: 3, config: {} },
      { name: 'compact', partitions: 1, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } },
      { name: 'typo', partitions: 1, replicationFactor: 1, config: { 'retention.msec': '1' } },
    ],
  });
  t.same(results[0], { name: 'ok' });
  t.match(results[1], { name: 'ok', error: { code: 6 } }, 'TOPIC_EXISTS');
  t.match(results[2], {
    name: 'rf',
    error: {
      code: ErrorCodes.INVALID_REPLICATION_FACTOR.code,
      message: 'replication factor 3 exceeds the 1 available broker(s)',
    },
  });
  t.match(results[3], { name: 'compact', error: { code: 7 } });
  t.match(results[4], { name: 'typo', error: { code: 7, message: /unknown topic config key/ } });
  t.same(h.recorded.errors, ['TOPIC_EXISTS', 'INVALID_REPLICATION_FACTOR', 'INVALID_TOPIC', 'INVALID_TOPIC']);
  t.same(
    h.topics.list().map((r) => r.name),
    ['ok'],
  );
  t.equal([...h.partitions.all()].length, 2);
  t.equal(h.topics.get('ok')?.createdMs, 42);
});

void t.test('deleteTopics answers per topic and forgets the topic everywhere', async (t) => {
  const h = await harness(t);
  await h.handlers.createTopics({ topics: [{ name: 'd', partitions: 1, replicationFactor: 1, config: {} }] });
  const { results } = await h.handlers.deleteTopics({ names: ['d', 'missing'] });
  t.same(results[0], { name: 'd' });
  t.match(results[1], { name: 'missing', error: { code: 4 } });
  t.equal(h.topics.get('d'), undefined);
  t.throws(() => h.partitions.partition('d', 0), { code: 'UNKNOWN_TOPIC' });
  t.same(h.recorded.deletedTopics, ['d']);
  await h.partitions.closeAll();
  t.same(storedLogNames(h.dataDir), [], 'its log is deleted');
});

void t.test('admin requests are refused while the broker stops', async (t) => {
  const h = await harness(t);
  h.stopping.value = true;
  await t.rejects(h.handlers.createTopics({ topics: [] }), { code: 'SHUTTING_DOWN' });
  await t.rejects(h.handlers.deleteTopics({ names: [] }), { code: 'SHUTTING_DOWN' });
});

void t.test('createTopics refuses partitions past --max-partitions, internal topics excepted', async (t) => {
  const h = await harness(t, 1 << 20, 5);
  const { results } = await h.handlers.createTopics({
    topics: [
      { name: 'three', partitions: 3, replicationFactor: 1, config: {} },
      { name: 'three-more', partitions: 3, replicationFactor: 1, config: {} },
      { name: 'two', partitions: 2, replicationFactor: 1, config: {} },
    ],
  });
  t.same(results[0], { name: 'three' });
  t.match(
    results[1],
    { name: 'three-more', error: { code: 37, message: /holds 3 partitions.*--max-partitions 5/ } },
    'LIMIT_EXCEEDED: 3 + 3 > 5',
  );
  t.same(results[2], { name: 'two' }, 'exactly at the limit is allowed');
  t.same(h.recorded.errors, ['LIMIT_EXCEEDED']);
  const offsets = await h.handlers.createTopics({
    topics: [{ name: '__offsets', partitions: 1, replicationFactor: 1, config: {} }],
  });
  t.same(offsets.results, [{ name: '__offsets' }], 'the groups topic is created even at the limit');
});
