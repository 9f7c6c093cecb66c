import t from 'tap';
import { decodeRecordBatch, type DecodedRecord } from '../../../../protocol/index.js';
import { RecordAccumulator, type ProducerBatch } from '../../../../client/producer/accumulator.js';

const value = (n: number): Uint8Array => new Uint8Array(n).fill(7);
/** Settlers tagged `n` (the tests identify records by tag). */
const s = (n: number) => ({ resolve: () => undefined, reject: () => undefined, tag: n });
const record = (bytes: number, timestamp = 1000) => ({ key: null, value: value(bytes), timestamp });

function decoded(batch: ProducerBatch<number>): DecodedRecord[] {
  return decodeRecordBatch(batch.batch.bytes);
}

void t.test('a batch waits lingerMs, then drains', (t) => {
  const acc = new RecordAccumulator<number>({ batchBytes: 10_000, lingerMs: 5, maxInFlight: 1 });
  t.notOk(acc.append('t', 0, record(10), 50, s(1), 100));
  acc.append('t', 0, record(10), 50, s(2), 102);
  t.same(acc.drain(104, false), [], 'not yet lingered');
  t.equal(acc.nextWakeMs(104), 105, 'wake when the first record has lingered 5 ms');
  const [batch, ...rest] = acc.drain(105, false);
  t.equal(rest.length, 0);
  t.ok(batch);
  if (batch === undefined) return;
  t.equal(batch.batch.count, 2);
  t.same(batch.tags, [1, 2]);
  t.equal(batch.createdMs, 100);
  t.equal(batch.memoryBytes, 100);
  t.equal(decoded(batch).length, 2);
  t.equal(acc.pendingRecords, 2);
  acc.complete(batch);
  t.equal(acc.pendingRecords, 0);
  t.equal(acc.nextWakeMs(200), undefined, 'nothing waits on time');
  t.end();
});

void t.test('flushing drains without lingering', (t) => {
  const acc = new RecordAccumulator<number>({ batchBytes: 10_000, lingerMs: 1000, maxInFlight: 1 });
  acc.append('t', 0, record(10), 40, s(1), 100);
  acc.append('t', 1, record(10), 40, s(2), 100);
  t.equal(acc.drain(100, true).length, 2);
  t.end();
});

void t.test('a batch closes when the next record would pass batchBytes', (t) => {
  const closed: string[] = [];
  const acc = new RecordAccumulator<number>({
    // Each record encodes to 109 bytes after the 61-byte batch header; the caller's size bound (110) is what decides
    // whether it fits: 61 + 3 x 110 = 391.
    batchBytes: 391,
    lingerMs: 1000,
    maxInFlight: 10,
    onBatchClosed: (topic, partition) => closed.push(`${topic}/${String(partition)}`),
  });
  let full = false;
  for (let i = 0; i < 3; i++) full = acc.append('t', 0, record(100), 110, s(i), 0) || full;
  t.notOk(full, 'three records fit in 391 bytes');
  t.ok(acc.append('t', 0, record(100), 110, s(3), 0), 'the fourth closes the batch');
  t.same(closed, ['t/0']);
  const ready = acc.drain(0, false);
  t.equal(ready.length, 1, 'only the full batch is ready; the new one lingers');
  t.equal(ready[0]?.batch.count, 3);
  // 61 header bytes, then per record: length, attributes, deltas, null key, value length (2), 100 bytes, headers.
  t.equal(ready[0]?.batch.bytes.byteLength, 61 + 3 * 109);
  t.end();
});

void t.test('a record reaching batchBytes by itself closes its batch at once', (t) => {
  const acc = new RecordAccumulator<number>({ batchBytes: 100, lingerMs: 1000, maxInFlight: 1 });
  t.ok(acc.append('t', 0, record(500), 520, s(1), 0));
  const ready = acc.drain(0, false);
  t.equal(ready[0]?.batch.count, 1);
  t.end();
});

void t.test('in-flight limit per partition; other partitions are not blocked', (t) => {
  const acc = new RecordAccumulator<number>({ batchBytes: 50, lingerMs: 0, maxInFlight: 1 });
  for (let i = 0; i < 3; i++) acc.append('t', 0, record(45), 50, s(i), 0);
  acc.append('t', 1, record(45), 50, s(9), 0);
  const first = acc.drain(0, false);
  t.same(
    first.map((b) => [b.partition, b.tags[0]]),
    [
      [0, 0],
      [1, 9],
    ],
  );
  t.same(acc.drain(0, false), [], 'partition 0 has one out');
  const p0 = first[0];
  if (p0 === undefined) return;
  acc.complete(p0);
  t.same(
    acc.drain(0, false).map((b) => b.tags[0]),
    [1],
  );
  t.end();
});

void t.test('requeued batches go back in order and the partition sends one at a time while retrying', (t) => {
  const acc = new RecordAccumulator<number>({ batchBytes: 50, lingerMs: 0, maxInFlight: 3 });
  for (let i = 0; i < 4; i++) acc.append('t', 0, record(45), 50, s(i), 0);
  const out = acc.drain(0, false);
  t.same(
    out.map((b) => b.tags[0]),
    [0, 1, 2],
    'three out (limit 3)',
  );
  const [b0, b1, b2] = out;
  if (b0 === undefined || b1 === undefined || b2 === undefined) return;
  // Responses arrive in order: b0 fails, b1 fails, b2 succeeded.
  acc.requeue(b0, 100);
  acc.requeue(b1, 100);
  acc.complete(b2);
  t.same(acc.drain(50, false), [], 'retries wait for their backoff and block later batches');
  t.equal(acc.nextWakeMs(50), 100);
  const retry1 = acc.drain(100, false);
  t.same(
    retry1.map((b) => b.tags[0]),
    [0],
    'oldest first, one at a time',
  );
  t.equal(retry1[0]?.attempts, 1);
  t.same(acc.drain(100, false), []);
  const r0 = retry1[0];
  if (r0 === undefined) return;
  acc.complete(r0);
  t.same(
    acc.drain(100, false).map((b) => b.tags[0]),
    [1],
  );
  t.same(acc.drain(100, false), [], 'still one at a time until the last retried batch completes');
  acc.complete(b1);
  t.same(
    acc.drain(100, false).map((b) => b.tags[0]),
    [3],
    'then batch 3',
  );
  t.end();
});

void t.test('takeAll hands back queued and open batches', (t) => {
  const acc = new RecordAccumulator<number>({ batchBytes: 50, lingerMs: 1000, maxInFlight: 1 });
  acc.append('t', 0, record(45), 50, s(0), 0);
  acc.append('t', 0, record(45), 50, s(1), 0);
  const all = acc.takeAll();
  t.same(
    all.map((b) => b.tags),
    [[0], [1]],
  );
  t.equal(acc.pendingRecords, 0);
  t.end();
});
