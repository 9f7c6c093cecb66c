/**
 * RecordBatch v2: Brook's encoder gives kafkajs's bytes; kafkajs's batches (plain and gzip) parse, validate and
 * decode; the broker's in-place patches keep the CRC valid; truncated, corrupted and mis-framed batches fail with a
 * BrookError (INVALID_RECORD, or CORRUPT_BATCH for the CRC), never another throw.
 */
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { BrookError } from '../../../protocol/errors.js';
import {
  RECORD_BATCH_OVERHEAD,
  buildRecordBatch,
  compressionOf,
  encodeRecordBatch as encodeBatchOf,
  readRecordBatchHeader,
  recordBatchSpans,
  setBaseOffset,
  setPartitionLeaderEpoch,
  validateRecordBatch,
} from '../../../protocol/kafka-record-batch.js';
import {
  decodeRecords,
  encodeRecord,
  recordSizeBound,
  type DecodedRecord,
  type ProducerFields,
  type RecordBatchHeader,
  type RecordToEncode,
} from '../../../protocol/index.js';
import { CompressionTypes, Long, Record, RecordBatch, type KafkajsRecord } from './kafkajs.js';

const enc = new TextEncoder();
const T0 = 1_700_000_000_000;

const records: RecordToEncode[] = [
  { key: enc.encode('k1'), value: enc.encode('v1'), timestamp: T0, headers: [['h', enc.encode('x')]] },
  { key: null, value: enc.encode('second'), timestamp: T0 + 5 },
  {
    key: enc.encode('k3'),
    value: null,
    timestamp: T0 - 3,
    headers: [
      ['a', enc.encode('y')],
      ['ü', enc.encode('')],
    ],
  },
];
/** kafkajs 2.2.4 cannot encode a null header value; Brook's encoder and decoder can. */
const withNullHeader: RecordToEncode[] = [{ key: null, value: null, timestamp: T0, headers: [['n', null]] }];

function asKafkajs(rs: readonly RecordToEncode[]): KafkajsRecord[] {
  return rs.map((r, i) => ({
    offsetDelta: i,
    timestampDelta: r.timestamp - T0,
    key: r.key === null ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    headers: Object.fromEntries((r.headers ?? []).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array())])),
  }));
}

async function kafkajsBatch(rs: readonly RecordToEncode[], compression = CompressionTypes.None): Promise<Uint8Array> {
  const batch = await RecordBatch({
    compression,
    firstOffset: Long.fromValue(0),
    firstTimestamp: T0,
    maxTimestamp: Math.max(...rs.map((r) => r.timestamp)),
    partitionLeaderEpoch: -1,
    lastOffsetDelta: rs.length - 1,
    producerId: Long.fromValue(4242),
    producerEpoch: 3,
    firstSequence: 17,
    records: asKafkajs(rs).map(Record),
  });
  return new Uint8Array(batch.buffer);
}

/** The bytes of one uncompressed batch of `rs`. */
function encodeRecordBatch(rs: readonly RecordToEncode[], producer?: ProducerFields): Uint8Array {
  return encodeBatchOf(rs, producer).bytes;
}

/** The records of an uncompressed records section under `header`. */
function decodeKafkaRecords(section: Uint8Array, header: RecordBatchHeader): DecodedRecord[] {
  return decodeRecords(section, {
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    count: header.recordCount,
  });
}

/** A records section of `rs` with timestamp deltas from `baseTimestamp`. */
function encodeKafkaRecords(rs: readonly RecordToEncode[], baseTimestamp: number): Uint8Array {
  const buf = new Uint8Array(rs.reduce((n, r) => n + recordSizeBound(r), 0));
  let pos = 0;
  rs.forEach((r, i) => {
    pos = encodeRecord(buf, pos, r, i, r.timestamp - baseTimestamp);
  });
  return buf.slice(0, pos);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function plain(rs: ReturnType<typeof decodeKafkaRecords>): unknown {
  return rs.map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : hex(r.key),
    value: r.value === null ? null : hex(r.value),
    headers: r.headers.map(([k, v]) => [k, v === null ? null : hex(v)]),
  }));
}

const expected = plain(
  records.map((r, i) => ({ offset: i, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers ?? [] })),
);

void t.test("Brook's encoder writes kafkajs's bytes", async (t) => {
  const theirs = await kafkajsBatch(records);
  const ours = encodeRecordBatch(records, { producerId: 4242, producerEpoch: 3, baseSequence: 17 });
  t.equal(hex(ours), hex(theirs), 'byte-identical RecordBatch v2');
});

void t.test("kafkajs's batches parse, validate and decode", async (t) => {
  const batch = await kafkajsBatch(records);
  const header = validateRecordBatch(batch);
  t.match(header, {
    magic: 2,
    recordCount: 3,
    lastOffsetDelta: 2,
    producerId: 4242,
    producerEpoch: 3,
    baseSequence: 17,
  });
  t.equal(header.baseTimestamp, T0);
  t.equal(header.maxTimestamp, T0 + 5);
  t.strictSame(plain(decodeKafkaRecords(batch.subarray(RECORD_BATCH_OVERHEAD), header)), expected);
});

void t.test("kafkajs's gzip batches validate, and their records decode once gunzipped", async (t) => {
  const many = Array.from({ length: 200 }, (_, i) => ({
    key: null,
    value: enc.encode(`value ${String(i)}`),
    timestamp: T0 + i,
  }));
  const batch = await kafkajsBatch(many, CompressionTypes.GZIP);
  const header = validateRecordBatch(batch);
  t.equal(compressionOf(header.attributes), 'gzip');
  const raw = gunzipSync(batch.subarray(RECORD_BATCH_OVERHEAD));
  const decoded = decodeKafkaRecords(new Uint8Array(raw), header);
  t.equal(decoded.length, 200);
  t.equal(new TextDecoder().decode(decoded[199]?.value ?? new Uint8Array()), 'value 199');
  t.equal(decoded[199]?.timestamp, T0 + 199);
});

void t.test('a null header value round-trips', (t) => {
  const batch = encodeRecordBatch(withNullHeader);
  const decoded = decodeKafkaRecords(batch.subarray(RECORD_BATCH_OVERHEAD), validateRecordBatch(batch));
  t.strictSame(decoded[0]?.headers, [['n', null]]);
  t.end();
});

void t.test('baseOffset and partitionLeaderEpoch are patched in place, outside the CRC', (t) => {
  const batch = encodeRecordBatch(records);
  setBaseOffset(batch, 2 ** 40 + 7);
  setPartitionLeaderEpoch(batch, 12);
  const header = validateRecordBatch(batch);
  t.equal(header.baseOffset, 2 ** 40 + 7);
  t.equal(header.partitionLeaderEpoch, 12);
  t.equal(decodeKafkaRecords(batch.subarray(RECORD_BATCH_OVERHEAD), header)[2]?.offset, 2 ** 40 + 9);
  t.end();
});

void t.test('spans split concatenated batches (a Fetch response holds several)', (t) => {
  const a = encodeRecordBatch(records);
  const b = encodeRecordBatch(records.slice(0, 1));
  const both = new Uint8Array([...a, ...b]);
  t.strictSame(recordBatchSpans(both), [
    [0, a.byteLength],
    [a.byteLength, a.byteLength + b.byteLength],
  ]);
  t.throws(() => recordBatchSpans(both.subarray(0, both.byteLength - 1)), { code: 'INVALID_RECORD' });
  t.end();
});

function failure(batch: Uint8Array): string {
  try {
    const header = validateRecordBatch(batch);
    decodeKafkaRecords(batch.subarray(RECORD_BATCH_OVERHEAD), header);
    return 'accepted';
  } catch (err) {
    return err instanceof BrookError ? err.code : `threw ${String(err)}`;
  }
}

void t.test('every truncation is INVALID_RECORD, every flipped bit in the CRC range is CORRUPT_BATCH', (t) => {
  const batch = encodeRecordBatch(records);
  const truncations = new Set<string>();
  for (let n = 0; n < batch.byteLength; n++) truncations.add(failure(batch.slice(0, n)));
  t.strictSame([...truncations], ['INVALID_RECORD']);
  const flips = new Set<string>();
  for (let i = 17; i < batch.byteLength; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = batch.slice();
      bad[i] = (bad[i] ?? 0) ^ (1 << bit);
      flips.add(failure(bad));
    }
  }
  t.strictSame([...flips], ['CORRUPT_BATCH']);
  t.end();
});

/** A batch whose records section is `section` with a valid CRC, so validation gets past the checksum. */
function withRecords(section: Uint8Array, count: number, magic = 2): Uint8Array {
  const batch = buildRecordBatch({
    baseOffset: 0,
    partitionLeaderEpoch: 0,
    attributes: 0,
    recordCount: count,
    baseTimestamp: T0,
    maxTimestamp: T0,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    records: section,
  });
  batch[16] = magic;
  return batch;
}

void t.test('mis-framed batches with a valid CRC are INVALID_RECORD', (t) => {
  const section = encodeKafkaRecords(records, T0);
  t.equal(failure(withRecords(section, 3)), 'accepted', 'the control case is valid');
  t.equal(failure(withRecords(section, 3, 1)), 'INVALID_RECORD', 'magic 1');
  t.equal(failure(withRecords(section, 2)), 'INVALID_RECORD', 'more records than counted');
  t.equal(failure(withRecords(section, 4)), 'INVALID_RECORD', 'fewer records than counted');
  t.equal(failure(withRecords(section, 0)), 'INVALID_RECORD', 'no records');
  t.equal(failure(withRecords(new Uint8Array([...section, 0]), 3)), 'INVALID_RECORD', 'trailing byte');
  const lengthened = section.slice();
  lengthened[0] = (lengthened[0] ?? 0) + 2; // the first record's length varint claims one byte more
  t.equal(failure(withRecords(lengthened, 3)), 'INVALID_RECORD', 'record length disagrees with its fields');
  const reordered = encodeKafkaRecords(records.slice(1), T0);
  const first = encodeKafkaRecords(records.slice(0, 1), T0);
  t.equal(
    failure(withRecords(new Uint8Array([...reordered, ...first]), 3)),
    'INVALID_RECORD',
    'offset deltas out of order',
  );
  const bad = encodeRecordBatch(records);
  new DataView(bad.buffer).setInt32(8, bad.byteLength); // batchLength one too long... by 12
  t.equal(failure(bad), 'INVALID_RECORD', 'batchLength disagrees with the bytes');
  t.end();
});

void t.test('random bytes after a valid header never throw anything but a BrookError', (t) => {
  let state = 99;
  const wrong: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const section = Uint8Array.from({ length: i % 90 }, () => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state >>> 24;
    });
    const outcome = failure(withRecords(section, 1 + (i % 4)));
    if (outcome.startsWith('threw')) wrong.push(outcome);
  }
  t.strictSame(wrong, []);
  t.end();
});

void t.test('header fields beyond 2^53 are refused rather than rounded', (t) => {
  const batch = encodeRecordBatch(records);
  new DataView(batch.buffer).setBigInt64(0, 2n ** 60n);
  t.throws(() => readRecordBatchHeader(batch), { code: 'INVALID_RECORD' });
  t.end();
});
