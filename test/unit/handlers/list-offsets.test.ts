import t from 'tap';
import { batchOf } from '../partitions/fixtures.js';
import { createTopics, harness } from './fixtures.js';

void t.test('listOffsets: earliest, latest, by timestamp (rule 10)', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['o', 1]);
  const ask = (at: 'earliest' | 'latest' | number) => h.handlers.listOffsets({ topic: 'o', partition: 0, at });
  t.same(await ask('earliest'), { offset: 0, timestamp: null });
  t.same(await ask('latest'), { offset: 0, timestamp: null });
  t.same(await ask(5), { offset: 0, timestamp: null }, 'empty partition: the high watermark');

  await h.handlers.produce({
    acks: 1,
    timeoutMs: 0,
    partitions: [
      { topic: 'o', partition: 0, batch: batchOf(3, 1_000).bytes }, // max 1002
      { topic: 'o', partition: 0, batch: batchOf(3, 2_000).bytes }, // max 2002
    ],
  });
  t.same(await ask('earliest'), { offset: 0, timestamp: null });
  t.same(await ask('latest'), { offset: 6, timestamp: null });
  t.same(await ask(0), { offset: 0, timestamp: 1_002 });
  t.same(await ask(1_500), { offset: 3, timestamp: 2_002 });
  t.same(await ask(2_002), { offset: 3, timestamp: 2_002 });
  t.same(await ask(2_003), { offset: 6, timestamp: null });
  await t.rejects(h.handlers.listOffsets({ topic: 'nope', partition: 0, at: 'latest' }), { code: 'UNKNOWN_TOPIC' });
  await t.rejects(h.handlers.listOffsets({ topic: 'o', partition: 3, at: 'latest' }), { code: 'UNKNOWN_PARTITION' });
});
