import fc from 'fast-check';
import t from 'tap';
import { recordsCrc, type BatchToAppend } from '../../../broker/log/batch.js';
import { BATCH_ENTRY_HEADER_BYTES, decodeBatchEntry, encodeBatchEntry } from '../../../broker/log/batch-entry.js';
import { makeBatch } from './log-fixtures.js';

const batchArb: fc.Arbitrary<BatchToAppend> = fc
  .record({
    count: fc.integer({ min: 1, max: 0xffff_ffff }),
    firstTimestamp: fc.maxSafeInteger().map(Math.abs),
    maxTimestamp: fc.oneof(fc.maxSafeInteger(), fc.constant(0)),
    producerId: fc.oneof(fc.constant(-1), fc.maxSafeInteger()),
    producerEpoch: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
    baseSequence: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
    // Control bits (0 and 1) are never set on a data batch.
    attributes: fc.integer({ min: 0, max: 0x3fff }).map((a) => a << 2),
    records: fc.uint8Array({ maxLength: 300 }),
  })
  .map((fields) => ({ ...fields, crc: recordsCrc(fields.records) }));

void t.test('encode then decode gives the batch back, and re-encoding gives the same bytes', (t) => {
  fc.assert(
    fc.property(batchArb, (batch) => {
      const data = encodeBatchEntry(batch);
      t.equal(data.byteLength, BATCH_ENTRY_HEADER_BYTES + batch.records.byteLength);
      const decoded = decodeBatchEntry(data);
      t.same({ ...decoded, records: Array.from(decoded.records) }, { ...batch, records: Array.from(batch.records) });
      t.same(Buffer.from(encodeBatchEntry(decoded)), Buffer.from(data));
    }),
    { numRuns: 200 },
  );
  t.end();
});

void t.test('decode returns a view of the data for the records, even inside a larger buffer', (t) => {
  const batch = makeBatch(3, 50, 4);
  const data = encodeBatchEntry(batch);
  const framed = new Uint8Array(data.byteLength + 20);
  framed.set(data, 7);
  const decoded = decodeBatchEntry(framed.subarray(7, 7 + data.byteLength));
  t.equal(decoded.records.buffer, framed.buffer, 'no copy');
  t.same(Buffer.from(decoded.records), Buffer.from(batch.records));
  t.equal(decoded.count, 3);
  t.end();
});

void t.test('fields that do not fit and control bits are refused', (t) => {
  const ok = makeBatch(1, 10);
  for (const fields of [
    { attributes: 1 },
    { attributes: 2 },
    { attributes: 0x1_0000 },
    { count: 0 },
    { count: 2 ** 32 },
    { producerEpoch: 2 ** 31 },
    { baseSequence: -(2 ** 31) - 1 },
    { firstTimestamp: 1.5 },
    { producerId: 2 ** 53 },
  ]) {
    t.throws(() => encodeBatchEntry({ ...ok, ...fields }), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  }
  t.end();
});

void t.test('data of another shape does not decode', (t) => {
  const data = encodeBatchEntry(makeBatch(1, 10));
  t.throws(() => decodeBatchEntry(data.subarray(0, BATCH_ENTRY_HEADER_BYTES - 1)), {
    name: 'LogError',
    kind: 'CORRUPT_BATCH',
  });
  const otherVersion = Uint8Array.from(data);
  otherVersion[0] = 9;
  t.throws(() => decodeBatchEntry(otherVersion), { name: 'LogError', kind: 'CORRUPT_BATCH', message: /version 9/ });
  const zeroCount = Uint8Array.from(data);
  zeroCount.fill(0, 3, 7);
  t.throws(() => decodeBatchEntry(zeroCount), { name: 'LogError', kind: 'CORRUPT_BATCH' });
  t.end();
});
