import t from 'tap';
import { ErrorCodes } from '../../../protocol/index.js';
import { batchOf } from '../partitions/fixtures.js';
import { createTopics, harness } from './fixtures.js';

void t.test('a multi-partition produce appends each batch and answers per partition', async (t) => {
  const h = await harness(t, 4096);
  await createTopics(t, h, ['a', 2], ['b', 1]);
  const good = batchOf(3).bytes;
  const corrupt = batchOf(2).bytes.slice();
  corrupt[corrupt.byteLength - 1] = (corrupt[corrupt.byteLength - 1] ?? 0) ^ 1; // a record byte, inside the CRC
  const { partitions } = await h.handlers.produce({
    acks: 1,
    timeoutMs: 1000,
    partitions: [
      { topic: 'a', partition: 0, batch: good },
      { topic: 'a', partition: 1, batch: batchOf(1).bytes },
      { topic: 'a', partition: 0, batch: batchOf(2).bytes },
      { topic: 'missing', partition: 0, batch: batchOf(1).bytes },
      { topic: 'b', partition: 5, batch: batchOf(1).bytes },
      { topic: 'b', partition: 0, batch: corrupt },
      { topic: 'b', partition: 0, batch: batchOf(10, 0, 1000).bytes },
    ],
  });
  t.same(partitions.slice(0, 3), [
    { topic: 'a', partition: 0, baseOffset: 0 },
    { topic: 'a', partition: 1, baseOffset: 0 },
    { topic: 'a', partition: 0, baseOffset: 3 },
  ]);
  const errorCodes = partitions.slice(3).map((p) => [p.baseOffset, p.error?.code]);
  t.same(errorCodes, [
    [-1, ErrorCodes.UNKNOWN_TOPIC.code],
    [-1, ErrorCodes.UNKNOWN_PARTITION.code],
    [-1, ErrorCodes.CORRUPT_BATCH.code],
    [-1, ErrorCodes.MESSAGE_TOO_LARGE.code],
  ]);
  t.same([...h.recorded.errors].sort(), ['CORRUPT_BATCH', 'MESSAGE_TOO_LARGE', 'UNKNOWN_PARTITION', 'UNKNOWN_TOPIC']);
  t.equal(h.partitions.partition('a', 0).highWatermark, 5);
  t.equal(h.partitions.partition('b', 0).logEndOffset, 0, 'nothing of the refused batches appended');
  const produced = [...h.recorded.produced].sort((x, y) => x[1] - y[1]);
  t.same(produced, [
    ['a', 1, batchOf(1).bytes.byteLength],
    ['a', 2, batchOf(2).bytes.byteLength],
    ['a', 3, good.byteLength],
  ]);
});

void t.test('the appends of one request share a group commit', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['g', 1]);
  const events: string[] = [];
  h.partitions.partition('g', 0).watch((e) => events.push(e));
  await h.handlers.produce({
    acks: -1,
    timeoutMs: 1000,
    partitions: Array.from({ length: 5 }, () => ({ topic: 'g', partition: 0, batch: batchOf(1).bytes })),
  });
  t.same(events, ['data'], 'one high watermark advance for five batches');
  t.equal(h.partitions.partition('g', 0).highWatermark, 5);
});

void t.test('acks=0 still appends; produce is refused while stopping', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['z', 1]);
  const { partitions } = await h.handlers.produce({
    acks: 0,
    timeoutMs: 0,
    partitions: [{ topic: 'z', partition: 0, batch: batchOf(2).bytes }],
  });
  t.same(partitions, [{ topic: 'z', partition: 0, baseOffset: 0 }]);
  h.stopping.value = true;
  await t.rejects(h.handlers.produce({ acks: 1, timeoutMs: 0, partitions: [] }), { code: 'SHUTTING_DOWN' });
});
