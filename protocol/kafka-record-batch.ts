/**
 * Kafka's RecordBatch v2 (magic 2), the bytes a partition stores: parse and validate one, patch the two fields the
 * broker owns (baseOffset and partitionLeaderEpoch, both outside the CRC), decode its records, encode one. Layout
 * (big-endian; the CRC32C covers attributes to the end):
 *
 *   0 baseOffset int64 | 8 batchLength int32 (bytes after this field) | 12 partitionLeaderEpoch int32 | 16 magic int8
 *   17 crc uint32 | 21 attributes int16 | 23 lastOffsetDelta int32 | 27 baseTimestamp int64 | 35 maxTimestamp int64
 *   43 producerId int64 | 51 producerEpoch int16 | 53 baseSequence int32 | 57 recordCount int32 | 61 records
 *
 * A record: length varint, attributes int8, timestampDelta varlong, offsetDelta varint, key (varint length, -1 =
 * null), value (likewise), header count varint, per header a key (varint length + UTF-8) and a value (varint length,
 * -1 = null). Compression (attributes bits 0-2) covers the records only; it needs Node and lives in broker/kafka/.
 */
import { BrookError, ProtocolError } from './errors.js';
import { crc32c } from './crc32c.js';
import { KafkaReader } from './kafka-reader.js';
import { KafkaWriter } from './kafka-writer.js';
import type { Checksum, DecodedRecord, RecordHeader, RecordToEncode } from './records.js';

/** Bytes before the records. */
export const RECORD_BATCH_OVERHEAD = 61;
/** Where the CRC-covered bytes start (attributes). */
const CRC_START = 21;

/** Attribute bits of a batch. */
export const BatchAttributes = {
  /** Bits 0-2: the compression codec, one of {@link Compression}. */
  COMPRESSION_MASK: 0x07,
  /** Bit 3: timestamps are the broker's log-append time rather than the producer's create time. */
  LOG_APPEND_TIME: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  HAS_DELETE_HORIZON: 0x40,
} as const;

/** Kafka's compression codecs, as attributes bits 0-2 number them. */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
/** A compression codec's name. */
export type CompressionName = keyof typeof Compression;

/** The fixed fields of a batch. Offsets and ids are numbers: Kafka's stay far below 2^53. */
export interface RecordBatchHeader {
  baseOffset: number;
  /** Bytes after the batchLength field: the batch is batchLength + 12 bytes long. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** The compression codec named by `attributes`, or throws INVALID_RECORD for codes 5-7. */
export function compressionOf(attributes: number): CompressionName {
  const code = attributes & BatchAttributes.COMPRESSION_MASK;
  const names = Object.keys(Compression) as CompressionName[];
  const name = names.find((n) => Compression[n] === code);
  if (name === undefined) throw new BrookError('INVALID_RECORD', `unknown compression codec ${String(code)}`);
  return name;
}

/** Reads the header of the batch at `bytes[at]`; throws INVALID_RECORD if fewer than 61 bytes are there. */
export function readRecordBatchHeader(bytes: Uint8Array, at = 0): RecordBatchHeader {
  if (bytes.byteLength - at < RECORD_BATCH_OVERHEAD) {
    throw new BrookError('INVALID_RECORD', `record batch truncated: ${String(bytes.byteLength - at)} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, RECORD_BATCH_OVERHEAD);
  return {
    baseOffset: safe(view.getBigInt64(0), 'baseOffset'),
    batchLength: view.getInt32(8),
    partitionLeaderEpoch: view.getInt32(12),
    magic: view.getInt8(16),
    crc: view.getUint32(17),
    attributes: view.getInt16(21),
    lastOffsetDelta: view.getInt32(23),
    baseTimestamp: safe(view.getBigInt64(27), 'baseTimestamp'),
    maxTimestamp: safe(view.getBigInt64(35), 'maxTimestamp'),
    producerId: safe(view.getBigInt64(43), 'producerId'),
    producerEpoch: view.getInt16(51),
    baseSequence: view.getInt32(53),
    recordCount: view.getInt32(57),
  };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

function safe(n: bigint, field: string): number {
  if (n > MAX_SAFE || n < MIN_SAFE) {
    throw new BrookError('INVALID_RECORD', `${field} ${n.toString()} is beyond 2^53`);
  }
  return Number(n);
}

/**
 * The batches in `bytes` (a Produce request's or a Fetch response's records), as [start, end) spans. Throws
 * INVALID_RECORD if a batch's length runs past the end or is too small to hold its header.
 */
export function recordBatchSpans(bytes: Uint8Array): Array<[start: number, end: number]> {
  const spans: Array<[number, number]> = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.byteLength;) {
    if (bytes.byteLength - at < 12) throw new BrookError('INVALID_RECORD', 'record batch truncated in its length');
    const size = view.getInt32(at + 8) + 12;
    if (size < RECORD_BATCH_OVERHEAD || at + size > bytes.byteLength) {
      throw new BrookError('INVALID_RECORD', `record batch length ${String(size)} does not fit the bytes`);
    }
    spans.push([at, at + size]);
    at += size;
  }
  return spans;
}

/**
 * Checks one whole batch as a broker must before storing it: its length matches the bytes, magic is 2, the CRC32C of
 * attributes..end matches, the record count is positive with lastOffsetDelta = count - 1, and, when uncompressed,
 * the records are exactly `recordCount` well-framed records with offset deltas 0, 1, 2, ... (compressed records are
 * checked with {@link checkRecords} after decompressing them). Throws CORRUPT_BATCH for a CRC mismatch and
 * INVALID_RECORD for anything else; returns the header.
 */
export function validateRecordBatch(batch: Uint8Array, checksum: Checksum = crc32c): RecordBatchHeader {
  // Length, magic and CRC come first, read raw: a corrupted field is then a CRC mismatch, whatever it holds.
  if (batch.byteLength < RECORD_BATCH_OVERHEAD) {
    throw new BrookError('INVALID_RECORD', `record batch truncated: ${String(batch.byteLength)} bytes`);
  }
  const view = new DataView(batch.buffer, batch.byteOffset, RECORD_BATCH_OVERHEAD);
  const batchLength = view.getInt32(8) + 12;
  if (batchLength !== batch.byteLength) {
    throw new BrookError('INVALID_RECORD', `batch length ${String(batchLength)} but ${String(batch.byteLength)} bytes`);
  }
  const magic = view.getInt8(16);
  if (magic !== 2) throw new BrookError('INVALID_RECORD', `magic ${String(magic)}: only 2 is supported`);
  const crc = checksum(batch.subarray(CRC_START));
  const expected = view.getUint32(17);
  if (crc !== expected) {
    throw new BrookError('CORRUPT_BATCH', `record batch CRC ${hex(crc)} but the batch says ${hex(expected)}`);
  }
  const header = readRecordBatchHeader(batch);
  if (header.recordCount <= 0 || header.lastOffsetDelta !== header.recordCount - 1) {
    throw new BrookError(
      'INVALID_RECORD',
      `lastOffsetDelta ${String(header.lastOffsetDelta)} with ${String(header.recordCount)} records`,
    );
  }
  if (compressionOf(header.attributes) === 'none') checkRecords(batch.subarray(RECORD_BATCH_OVERHEAD), header);
  return header;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Checks that `records` (uncompressed) are exactly `header.recordCount` records, each one's fields inside its length,
 * with offset deltas 0, 1, 2, ... Walks lengths and skips contents: no record is built.
 */
export function checkRecords(records: Uint8Array, header: RecordBatchHeader): void {
  eachRecord(records, header, null);
}

/** Decodes the (uncompressed) `records` of a batch with `header`; keys, values and header values are views. */
export function decodeKafkaRecords(records: Uint8Array, header: RecordBatchHeader): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  eachRecord(records, header, (r) => {
    out.push(r);
  });
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/**
 * Walks the records, calling `visit` with each one (offsets absolute), or only checking them when `visit` is null
 * (then no view or record object is made: a produce is checked this way); throws INVALID_RECORD on any framing fault.
 */
function eachRecord(
  records: Uint8Array,
  header: RecordBatchHeader,
  visit: ((record: DecodedRecord) => void) | null,
): void {
  const r = new KafkaReader(records);
  try {
    for (let i = 0; i < header.recordCount; i++) {
      const length = r.varint();
      const start = r.pos;
      if (length < 0 || length > r.remaining) throw new ProtocolError(`record ${String(i)} length ${String(length)}`);
      r.int8(); // record attributes: unused in v2
      const timestampDelta = r.varlong();
      const offsetDelta = r.varint();
      if (offsetDelta !== i) throw new ProtocolError(`record ${String(i)} has offset delta ${String(offsetDelta)}`);
      if (visit === null) {
        skipVarintBytes(r); // key
        skipVarintBytes(r); // value
        const headerCount = r.varint();
        if (headerCount < 0) throw new ProtocolError('negative header count');
        for (let h = 0; h < headerCount; h++) {
          skipVarintBytes(r);
          skipVarintBytes(r);
        }
      } else {
        const key = varintBytes(r);
        const value = varintBytes(r);
        const headerCount = r.varint();
        if (headerCount < 0) throw new ProtocolError('negative header count');
        const headers = headerCount === 0 ? NO_HEADERS : readHeaders(r, headerCount);
        visit({ offset: header.baseOffset + i, timestamp: header.baseTimestamp + timestampDelta, key, value, headers });
      }
      if (r.pos !== start + length) throw new ProtocolError(`record ${String(i)} does not end where its length says`);
    }
    if (r.remaining !== 0) throw new ProtocolError(`${String(r.remaining)} bytes follow the last record`);
  } catch (err: unknown) {
    if (!(err instanceof ProtocolError)) throw err;
    throw new BrookError('INVALID_RECORD', `records of the batch at ${String(header.baseOffset)}: ${err.message}`);
  }
}

function skipVarintBytes(r: KafkaReader): void {
  const n = r.varint();
  if (n < -1) throw new ProtocolError('negative length');
  if (n > 0) r.skip(n);
}

function varintBytes(r: KafkaReader): Uint8Array | null {
  const n = r.varint();
  if (n < -1) throw new ProtocolError('negative length');
  if (n === -1) return null;
  const at = r.take(n);
  return r.buf.subarray(at, at + n);
}

function readHeaders(r: KafkaReader, count: number): RecordHeader[] {
  const headers: RecordHeader[] = [];
  for (let h = 0; h < count; h++) {
    const key = varintBytes(r);
    if (key === null) throw new ProtocolError('null header key');
    let text: string;
    try {
      text = utf8.decode(key);
    } catch {
      throw new ProtocolError('header key is not UTF-8');
    }
    headers.push([text, varintBytes(r)]);
  }
  return headers;
}

/** Sets a stored batch's baseOffset in place (outside the CRC: the batch stays valid). */
export function setBaseOffset(batch: Uint8Array, baseOffset: number): void {
  new DataView(batch.buffer, batch.byteOffset, 8).setBigInt64(0, BigInt(baseOffset));
}

/** Sets a stored batch's partitionLeaderEpoch in place (outside the CRC). */
export function setPartitionLeaderEpoch(batch: Uint8Array, epoch: number): void {
  new DataView(batch.buffer, batch.byteOffset + 12, 4).setInt32(0, epoch);
}

/**
 * Encodes records as a batch's records section (before any compression). Offsets deltas are positions; timestamp
 * deltas are from `baseTimestamp`.
 */
export function encodeKafkaRecords(records: readonly RecordToEncode[], baseTimestamp: number): Uint8Array {
  const w = new KafkaWriter(records.length * 32 + 64);
  records.forEach((record, i) => {
    // A record's length precedes it: encode the body apart, then copy it after its length.
    const b = new KafkaWriter(64);
    b.int8(0);
    b.varlong(record.timestamp - baseTimestamp);
    b.varint(i);
    writeVarintBytes(b, record.key);
    writeVarintBytes(b, record.value);
    const headers = record.headers ?? NO_HEADERS;
    b.varint(headers.length);
    for (const [key, value] of headers) {
      writeVarintBytes(b, utf8Encoder.encode(key));
      writeVarintBytes(b, value);
    }
    const bytes = b.toBytes();
    w.varint(bytes.byteLength);
    w.raw(bytes);
  });
  return w.toBytes();
}

const utf8Encoder = new TextEncoder();

function writeVarintBytes(w: KafkaWriter, bytes: Uint8Array | null): void {
  if (bytes === null) {
    w.varint(-1);
    return;
  }
  w.varint(bytes.byteLength);
  w.raw(bytes);
}

/** The fields of a batch to build; the CRC and lengths are computed. */
export interface RecordBatchToBuild {
  baseOffset: number;
  partitionLeaderEpoch: number;
  /** Including the compression codec of `records` in bits 0-2. */
  attributes: number;
  recordCount: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** The records section: {@link encodeKafkaRecords}'s output, compressed as `attributes` says. */
  records: Uint8Array;
}

/** Builds a whole batch (header, CRC32C and records). */
export function buildRecordBatch(batch: RecordBatchToBuild, checksum: Checksum = crc32c): Uint8Array {
  const out = new Uint8Array(RECORD_BATCH_OVERHEAD + batch.records.byteLength);
  const view = new DataView(out.buffer);
  view.setBigInt64(0, BigInt(batch.baseOffset));
  view.setInt32(8, out.byteLength - 12);
  view.setInt32(12, batch.partitionLeaderEpoch);
  view.setInt8(16, 2);
  view.setInt16(21, batch.attributes);
  view.setInt32(23, batch.recordCount - 1);
  view.setBigInt64(27, BigInt(batch.baseTimestamp));
  view.setBigInt64(35, BigInt(batch.maxTimestamp));
  view.setBigInt64(43, BigInt(batch.producerId));
  view.setInt16(51, batch.producerEpoch);
  view.setInt32(53, batch.baseSequence);
  view.setInt32(57, batch.recordCount);
  out.set(batch.records, RECORD_BATCH_OVERHEAD);
  view.setUint32(17, checksum(out.subarray(CRC_START)));
  return out;
}

/**
 * The fields of a batch holding `records` (base offset 0, as a producer sends it), with their uncompressed records
 * section: pass it to {@link buildRecordBatch} as is, or with the section compressed and the codec in `attributes`.
 */
export function recordBatchFor(
  records: readonly RecordToEncode[],
  producer: { producerId: number; producerEpoch: number; baseSequence: number } = NO_PRODUCER,
): RecordBatchToBuild {
  const first = records[0];
  if (first === undefined) throw new RangeError('a record batch holds at least one record');
  return {
    baseOffset: 0,
    partitionLeaderEpoch: -1,
    attributes: 0,
    recordCount: records.length,
    baseTimestamp: first.timestamp,
    maxTimestamp: records.reduce((max, r) => Math.max(max, r.timestamp), first.timestamp),
    ...producer,
    records: encodeKafkaRecords(records, first.timestamp),
  };
}

/** Encodes `records` as one uncompressed batch. */
export function encodeRecordBatch(
  records: readonly RecordToEncode[],
  producer?: { producerId: number; producerEpoch: number; baseSequence: number },
  checksum: Checksum = crc32c,
): Uint8Array {
  return buildRecordBatch(recordBatchFor(records, producer), checksum);
}

const NO_PRODUCER = { producerId: -1, producerEpoch: -1, baseSequence: -1 };
