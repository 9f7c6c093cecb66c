import t from 'tap';
import { decodeRecordBatch, readRecordBatchHeader, type DecodedRecord } from '../../../protocol/index.js';
import { batchOf } from '../partitions/fixtures.js';
import { createTopics, harness } from './fixtures.js';

void t.test('fetch returns committed batches from the offset, with the partition bounds', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['f', 1]);
  await h.handlers.produce({
    acks: 1,
    timeoutMs: 0,
    partitions: [
      { topic: 'f', partition: 0, batch: batchOf(2, 10).bytes },
      { topic: 'f', partition: 0, batch: batchOf(2, 20).bytes },
    ],
  });
  const response = await h.handlers.fetch({ topic: 'f', partition: 0, offset: 1, maxBytes: 1 << 20, maxWaitMs: 0 });
  t.equal(response.highWatermark, 4);
  t.equal(response.logStartOffset, 0);
  const records: DecodedRecord[] = response.batches.flatMap((b) => decodeRecordBatch(b)).filter((r) => r.offset >= 1);
  t.same(
    records.map((r) => [r.offset, r.timestamp]),
    [
      [1, 11],
      [2, 20],
      [3, 21],
    ],
  );
  t.equal(h.recorded.fetched.length, 1);
  t.equal(h.recorded.fetched[0]?.[1], 4, 'records counted as sent, whole batches');

  const one = await h.handlers.fetch({ topic: 'f', partition: 0, offset: 0, maxBytes: 1, maxWaitMs: 0 });
  t.equal(one.batches.length, 1, 'at least one batch above maxBytes');
});

void t.test('fetch returns at most maxFetchBytes of the broker, whatever maxBytes asks', async (t) => {
  const h = await harness(t); // maxFetchBytes 64 KiB
  await createTopics(t, h, ['big', 1]);
  for (let i = 0; i < 20; i++) {
    await h.handlers.produce({
      acks: 1,
      timeoutMs: 0,
      partitions: [{ topic: 'big', partition: 0, batch: batchOf(10, 1_000, 1_000).bytes }],
    });
  }
  const response = await h.handlers.fetch({ topic: 'big', partition: 0, offset: 0, maxBytes: 1e12, maxWaitMs: 0 });
  const bytes = response.batches.reduce((sum, b) => sum + b.byteLength, 0);
  t.ok(response.batches.length > 1, 'several batches fit');
  t.ok(bytes <= 64 * 1024, `at most 64 KiB of records (got ${String(bytes)})`);
  t.ok(
    response.highWatermark > readRecordBatchHeader(response.batches.at(-1) ?? new Uint8Array(61)).baseOffset + 10,
    'the rest is left for later',
  );
});

void t.test('fetch errors: unknown topic or partition, offset out of range', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['f', 1]);
  await t.rejects(h.handlers.fetch({ topic: 'x', partition: 0, offset: 0, maxBytes: 10, maxWaitMs: 0 }), {
    code: 'UNKNOWN_TOPIC',
  });
  await t.rejects(h.handlers.fetch({ topic: 'f', partition: 1, offset: 0, maxBytes: 10, maxWaitMs: 0 }), {
    code: 'UNKNOWN_PARTITION',
  });
  await t.rejects(h.handlers.fetch({ topic: 'f', partition: 0, offset: 1, maxBytes: 10, maxWaitMs: 0 }), {
    code: 'OFFSET_OUT_OF_RANGE',
  });
});

void t.test('fetch at the high watermark long-polls until data arrives', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['lp', 1]);
  const fetching = h.handlers.fetch({ topic: 'lp', partition: 0, offset: 0, maxBytes: 1 << 20, maxWaitMs: 30_000 });
  t.equal(h.partitions.partition('lp', 0).waitingRequests, 1);
  await h.handlers.produce({
    acks: 1,
    timeoutMs: 0,
    partitions: [{ topic: 'lp', partition: 0, batch: batchOf(3).bytes }],
  });
  const response = await fetching;
  t.equal(response.batches.length, 1);
  t.equal(response.highWatermark, 3);
  t.equal(h.timer.armed, 0, 'the wait timer was cleared');
});

void t.test('fetch long-poll returns empty at its deadline', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['lp', 1]);
  const fetching = h.handlers.fetch({ topic: 'lp', partition: 0, offset: 0, maxBytes: 1 << 20, maxWaitMs: 500 });
  h.timer.advance(499);
  t.equal(h.partitions.partition('lp', 0).waitingRequests, 1);
  h.timer.advance(1);
  t.same(await fetching, { highWatermark: 0, logStartOffset: 0, batches: [] });
  t.same(h.recorded.fetched, [], 'empty fetches count nothing');
});

void t.test(
  'a long poll on a deleted topic fails with UNKNOWN_TOPIC; on a stopping broker it returns empty',
  async (t) => {
    const h = await harness(t);
    await createTopics(t, h, ['del', 1], ['stop', 1]);
    const onDeleted = h.handlers.fetch({ topic: 'del', partition: 0, offset: 0, maxBytes: 10, maxWaitMs: 30_000 });
    await h.handlers.deleteTopics({ names: ['del'] });
    await t.rejects(onDeleted, { code: 'UNKNOWN_TOPIC' });

    const onStopping = h.handlers.fetch({ topic: 'stop', partition: 0, offset: 0, maxBytes: 10, maxWaitMs: 30_000 });
    h.partitions.wakeWaiters();
    t.same((await onStopping).batches, []);
  },
);
