/**
 * Kafka's four codecs inside RecordBatch v2: batches compressed with each codec validate and decode to the records
 * put in; snappy reads both xerial's framing (Java clients) and one raw block (librdkafka); kafkajs's gzip batches
 * decode; corrupt or oversized compressed records are INVALID_RECORD.
 */
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { compressSync as snappyRaw } from 'snappy';
import { decodeBatchRecords, encodeBatch, validateBatch } from '../../../broker/kafka/batches.js';
import { compressRecords, decompressRecords } from '../../../broker/kafka/compression.js';
import {
  Compression,
  RECORD_BATCH_OVERHEAD,
  buildRecordBatch,
  compressionOf,
  encodeRecordBatch,
  readRecordBatchHeader,
} from '../../../protocol/kafka-record-batch.js';
import { BrookError } from '../../../protocol/errors.js';
import type { RecordToEncode } from '../../../protocol/records.js';
import { CompressionTypes, Long, Record, RecordBatch } from './kafkajs.js';

const enc = new TextEncoder();
const T0 = 1_700_000_000_000;
const records: RecordToEncode[] = Array.from({ length: 300 }, (_, i) => ({
  key: i % 3 === 0 ? null : enc.encode(`key-${String(i % 10)}`),
  value: enc.encode(`value ${String(i)} `.repeat(1 + (i % 7))),
  timestamp: T0 + i,
  headers: i % 2 === 0 ? [['n', enc.encode(String(i))]] : [],
}));

function values(decoded: Awaited<ReturnType<typeof decodeBatchRecords>>): string[] {
  return decoded.map((r) => new TextDecoder().decode(r.value ?? new Uint8Array()));
}
const expected = records.map((r) => new TextDecoder().decode(r.value ?? new Uint8Array()));

for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
  void t.test(`${codec}: a batch validates and decodes to its records`, async (t) => {
    const batch = await encodeBatch(records, codec, { producerId: 5, producerEpoch: 0, baseSequence: 0 });
    const header = await validateBatch(batch);
    t.equal(compressionOf(header.attributes), codec);
    if (codec !== 'none') t.ok(batch.byteLength < uncompressedSection(records).byteLength, 'smaller than the records');
    const decoded = await decodeBatchRecords(batch);
    t.strictSame(values(decoded), expected);
    t.equal(decoded[299]?.offset, 299);
    t.strictSame(
      decoded[4]?.headers.map(([k]) => k),
      ['n'],
    );
  });
}

void t.test(
  'snappy: raw blocks (librdkafka) and xerial framing over several 32 KiB blocks (Java) both read',
  async (t) => {
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) % 251);
    t.strictSame(Buffer.from(await decompressRecords('snappy', snappyRaw(Buffer.from(big)))), Buffer.from(big));
    const framed = await compressRecords('snappy', big);
    t.equal(Buffer.from(framed.subarray(0, 8)).toString('latin1'), '\x82SNAPPY\0', 'xerial magic');
    t.strictSame(Buffer.from(await decompressRecords('snappy', framed)), Buffer.from(big));
  },
);

void t.test("kafkajs's gzip batch decodes", async (t) => {
  const batch = await RecordBatch({
    compression: CompressionTypes.GZIP,
    firstOffset: Long.fromValue(0),
    firstTimestamp: T0,
    maxTimestamp: T0 + 1,
    lastOffsetDelta: 1,
    records: [
      Record({ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from('a'), headers: { h: 'v' } }),
      Record({ offsetDelta: 1, timestampDelta: 1, key: Buffer.from('k'), value: Buffer.from('b') }),
    ],
  });
  const decoded = await decodeBatchRecords(new Uint8Array(batch.buffer));
  t.strictSame(values(decoded), ['a', 'b']);
  t.equal(decoded[1]?.timestamp, T0 + 1);
});

async function failure(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (err) {
    return err instanceof BrookError ? err.code : `threw ${String(err)}`;
  }
}

/** The records section of `rs` uncompressed. */
function uncompressedSection(rs: readonly RecordToEncode[]): Uint8Array {
  return encodeRecordBatch(rs).bytes.subarray(RECORD_BATCH_OVERHEAD);
}

/** A batch whose records section is `section`, said to be compressed with `codec`, with a valid CRC. */
function batchWith(codec: keyof typeof Compression, section: Uint8Array, count = 1): Uint8Array {
  const header = readRecordBatchHeader(encodeRecordBatch(records.slice(0, count)).bytes);
  return buildRecordBatch({ ...header, attributes: Compression[codec], records: section });
}

void t.test('garbage in a compressed batch is INVALID_RECORD for every codec', async (t) => {
  const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    t.equal(await failure(() => validateBatch(batchWith(codec, garbage))), 'INVALID_RECORD', codec);
  }
});

void t.test('compressed records that frame wrongly are INVALID_RECORD', async (t) => {
  const section = await compressRecords('gzip', uncompressedSection(records.slice(0, 3)));
  t.equal(await failure(() => validateBatch(batchWith('gzip', section, 3))), 'accepted', 'control: 3 records, count 3');
  t.equal(await failure(() => validateBatch(batchWith('gzip', section, 2))), 'INVALID_RECORD', 'count 2');
});

void t.test('decompression is capped: a gzip bomb is refused, not inflated', async (t) => {
  const bomb = gzipSync(new Uint8Array(8 * 1024 * 1024));
  t.ok(bomb.byteLength < 20_000, 'a small batch');
  t.equal(await failure(() => validateBatch(batchWith('gzip', bomb), 1024 * 1024)), 'INVALID_RECORD');
  const snappyBomb = await compressRecords('snappy', new Uint8Array(4 * 1024 * 1024));
  t.equal(await failure(() => validateBatch(batchWith('snappy', snappyBomb), 1024 * 1024)), 'INVALID_RECORD');
  const zstdBomb = await compressRecords('zstd', new Uint8Array(2e6));
  t.equal(await failure(() => decompressRecords('zstd', zstdBomb, 1e6)), 'INVALID_RECORD', 'zstd: checked after');
});

void t.test('codes 5-7 in attributes are not a codec', (t) => {
  t.throws(() => compressionOf(5), { code: 'INVALID_RECORD' });
  t.equal(RECORD_BATCH_OVERHEAD, 61);
  t.end();
});
