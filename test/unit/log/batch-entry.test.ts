/**
 * A Raft Normal entry's data is the batch itself (a RecordBatch v2): encoding hands over its bytes, decoding reads the
 * header back without copying, control batches are refused, and data of another shape is CORRUPT_BATCH.
 */
import fc from 'fast-check';
import t from 'tap';
import { decodeBatchEntry, encodeBatchEntry } from '../../../broker/log/batch-entry.js';
import { CONTROL_BATCH, CONTROL_CONFIG } from '../../../broker/log/control.js';
import { RecordBatchBuilder } from '../../../protocol/index.js';
import { makeBatch } from './log-fixtures.js';

void t.test('encode then decode gives the batch back, with the same bytes', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 0, max: 2000 }),
      fc.record({
        firstTimestamp: fc.integer({ min: 0, max: 2 ** 50 }),
        producerId: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 50 })),
        producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
        baseSequence: fc.integer({ min: -1, max: 0x7fff_ffff }),
        // Control bits are never set on a data batch; the checkpoint bits (8, 9) may be.
        attributes: fc.constantFrom(0, 0x100, 0x200, 0x300),
      }),
      (count, bytes, fields) => {
        const batch = makeBatch(count, bytes, 1, fields);
        const data = encodeBatchEntry(batch);
        t.equal(data, batch.bytes, 'the bytes themselves');
        t.same(decodeBatchEntry(data), batch);
      },
    ),
    { numRuns: 200 },
  );
  t.end();
});

void t.test('decode returns a view of the data, even inside a larger buffer', (t) => {
  const batch = makeBatch(3, 150, 4);
  const framed = new Uint8Array(batch.bytes.byteLength + 20);
  framed.set(batch.bytes, 7);
  const decoded = decodeBatchEntry(framed.subarray(7, 7 + batch.bytes.byteLength));
  t.equal(decoded.bytes.buffer, framed.buffer, 'no copy');
  t.same(Buffer.from(decoded.bytes), Buffer.from(batch.bytes));
  t.equal(decoded.count, 3);
  t.end();
});

void t.test('control batches are refused', (t) => {
  for (const attributes of [CONTROL_BATCH, CONTROL_CONFIG]) {
    const builder = new RecordBatchBuilder();
    builder.add({ key: null, value: null, timestamp: 1 });
    t.throws(() => encodeBatchEntry(builder.build(undefined, attributes)), {
      name: 'LogError',
      kind: 'INVALID_ARGUMENT',
    });
  }
  t.end();
});

void t.test('data of another shape does not decode', (t) => {
  const data = encodeBatchEntry(makeBatch(1, 100));
  t.throws(() => decodeBatchEntry(data.subarray(0, 60)), { name: 'LogError', kind: 'CORRUPT_BATCH' }, 'short');
  t.throws(() => decodeBatchEntry(data.subarray(0, data.byteLength - 1)), {
    name: 'LogError',
    kind: 'CORRUPT_BATCH',
    message: /length/,
  });
  const zeroCount = Uint8Array.from(data);
  zeroCount.fill(0, 57, 61);
  t.throws(() => decodeBatchEntry(zeroCount), { name: 'LogError', kind: 'CORRUPT_BATCH' }, 'no records');
  t.end();
});
