/**
 * Kafka's RecordBatch v2 (magic 2), the bytes a partition stores: parse and validate one, patch the two fields the
 * broker owns (baseOffset and partitionLeaderEpoch, both outside the CRC), decode its records, encode one. Layout
 * (big-endian; the CRC32C covers attributes to the end):
 *
 *   0 baseOffset int64 | 8 batchLength int32 (bytes after this field) | 12 partitionLeaderEpoch int32 | 16 magic int8
 *   17 crc uint32 | 21 attributes int16 | 23 lastOffsetDelta int32 | 27 baseTimestamp int64 | 35 maxTimestamp int64
 *   43 producerId int64 | 51 producerEpoch int16 | 53 baseSequence int32 | 57 recordCount int32 | 61 records
 *
 * The records section is records.ts. Compression (attributes bits 0-2) covers the records section only; the codecs
 * need the platform and live in broker/kafka/compression.ts and the client's platform files.
 */
import { BrookError } from './errors.js';
import { crc32c } from './crc32c.js';
import {
  MAX_TIMESTAMP_MS,
  checkRecords,
  decodeRecords,
  encodeRecord,
  recordSizeBound,
  type Checksum,
  type DecodedRecord,
  type RecordToEncode,
} from './records.js';

/** Bytes before the records. */
export const RECORD_BATCH_OVERHEAD = 61;
/** Where the CRC-covered bytes start (attributes). */
export const CRC_START = 21;

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
  if (compressionOf(header.attributes) === 'none')
    checkRecords(batch.subarray(RECORD_BATCH_OVERHEAD), header.recordCount);
  return header;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Decodes every record of an uncompressed batch (offsets from its baseOffset); throws INVALID_RECORD. */
export function decodeRecordBatch(batch: Uint8Array): DecodedRecord[] {
  const header = readRecordBatchHeader(batch);
  if (compressionOf(header.attributes) !== 'none') {
    throw new BrookError('INVALID_RECORD', 'decodeRecordBatch takes uncompressed batches only');
  }
  return decodeRecords(batch.subarray(RECORD_BATCH_OVERHEAD), {
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    count: header.recordCount,
  });
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
 * The producerId in the header of `batch`, or -1 when the bytes are too short to hold one (such a batch is refused
 * when it is validated): lets an access check read it before the batch is.
 */
export function producerIdOf(batch: Uint8Array): number {
  if (batch.byteLength < RECORD_BATCH_OVERHEAD) return -1;
  return safe(new DataView(batch.buffer, batch.byteOffset, RECORD_BATCH_OVERHEAD).getBigInt64(43), 'producerId');
}

/**
 * A whole batch with the header fields a log and a producer read often. `bytes` is the RecordBatch v2 itself; the
 * fields repeat what its header says (the log indexes them as columns).
 */
export interface RecordBatch {
  /** The batch: header, CRC32C and records section, as the producer encoded it. */
  readonly bytes: Uint8Array;
  /** Records in the batch (>= 1); the batch takes this many offsets. */
  readonly count: number;
  /** The batch's base timestamp, epoch milliseconds (its first record's, as Brook's producer writes it). */
  readonly firstTimestamp: number;
  /** Largest record timestamp, epoch milliseconds (drives time retention and offsets by time). */
  readonly maxTimestamp: number;
  /** The header's CRC32C of attributes..end, an unsigned 32-bit integer. */
  readonly crc: number;
  /** Idempotent producer id, or -1. */
  readonly producerId: number;
  /** Idempotent producer epoch, or -1. */
  readonly producerEpoch: number;
  /** Sequence number of the first record for idempotence, or -1. */
  readonly baseSequence: number;
  /** The batch's attribute bits (compression in bits 0-2, control in bit 5, ...). */
  readonly attributes: number;
}

/** The {@link RecordBatch} view of batch bytes (the header read, nothing checked beyond its size). */
export function recordBatchOf(bytes: Uint8Array): RecordBatch {
  const header = readRecordBatchHeader(bytes);
  return {
    bytes,
    count: header.recordCount,
    firstTimestamp: header.baseTimestamp,
    maxTimestamp: header.maxTimestamp,
    crc: header.crc,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    attributes: header.attributes,
  };
}

/** The idempotent producer fields of a batch; all -1 for a producer without idempotence. */
export interface ProducerFields {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

const NO_PRODUCER: ProducerFields = { producerId: -1, producerEpoch: -1, baseSequence: -1 };

/** The fields of a batch to build; the CRC and lengths are computed. */
export interface RecordBatchToBuild extends ProducerFields {
  readonly baseOffset: number;
  readonly partitionLeaderEpoch: number;
  /** Including the compression codec of `records` in bits 0-2. */
  readonly attributes: number;
  readonly recordCount: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  /** The records section (records.ts), compressed as `attributes` says. */
  readonly records: Uint8Array;
}

/** Builds a whole batch (header, CRC32C and records). */
export function buildRecordBatch(batch: RecordBatchToBuild, checksum: Checksum = crc32c): Uint8Array {
  const out = new Uint8Array(RECORD_BATCH_OVERHEAD + batch.records.byteLength);
  out.set(batch.records, RECORD_BATCH_OVERHEAD);
  writeHeader(out, batch, checksum);
  return out;
}

/** Writes the header of `batch` into `out` (whose records section is in place after it) and then its CRC. */
function writeHeader(out: Uint8Array, batch: Omit<RecordBatchToBuild, 'records'>, checksum: Checksum): void {
  const view = new DataView(out.buffer, out.byteOffset, RECORD_BATCH_OVERHEAD);
  view.setBigInt64(0, BigInt(batch.baseOffset));
  view.setInt32(8, out.byteLength - 12);
  view.setInt32(12, batch.partitionLeaderEpoch);
  view.setInt8(16, 2);
  view.setInt16(21, batch.attributes);
  view.setInt32(23, batch.recordCount - 1);
  view.setBigInt64(27, BigInt(batch.baseTimestamp));
  view.setBigInt64(35, BigInt(batch.maxTimestamp));
  writeProducer(view, batch);
  view.setInt32(57, batch.recordCount);
  view.setUint32(17, checksum(out.subarray(CRC_START)));
}

function writeProducer(view: DataView, producer: ProducerFields): void {
  view.setBigInt64(43, BigInt(producer.producerId));
  view.setInt16(51, producer.producerEpoch);
  view.setInt32(53, producer.baseSequence);
}

/**
 * `batch` with new producer fields (an idempotent producer stamps its batches when it first sends them): a copy of
 * the bytes with the fields and the CRC32C rewritten (they are inside the CRC). The records are untouched.
 */
export function withProducer(batch: RecordBatch, producer: ProducerFields, checksum: Checksum = crc32c): RecordBatch {
  const bytes = batch.bytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, RECORD_BATCH_OVERHEAD);
  writeProducer(view, producer);
  const crc = checksum(bytes.subarray(CRC_START));
  view.setUint32(17, crc);
  return { ...batch, ...producer, bytes, crc };
}

/**
 * `batch` (uncompressed) with its records section replaced by `section`, the same records compressed with `codec`:
 * the header's fields are kept, the codec goes into attributes bits 0-2, lengths and CRC are recomputed.
 */
export function withCompressedRecords(
  batch: RecordBatch,
  codec: CompressionName,
  section: Uint8Array,
  checksum: Checksum = crc32c,
): RecordBatch {
  const header = readRecordBatchHeader(batch.bytes);
  const bytes = buildRecordBatch(
    {
      ...header,
      attributes: (header.attributes & ~BatchAttributes.COMPRESSION_MASK) | Compression[codec],
      records: section,
    },
    checksum,
  );
  return recordBatchOf(bytes);
}

/**
 * Accumulates records into one uncompressed batch, encoding each as it comes into a buffer that already leaves room
 * for the header: {@link build} then costs one copy and one CRC.
 */
export class RecordBatchBuilder {
  private buf: Uint8Array;
  private pos = RECORD_BATCH_OVERHEAD;
  private n = 0;
  private firstTs = 0;
  private maxTs = 0;

  /**
   * @param initialBytes starting buffer size; it doubles as needed.
   * @param checksum CRC32C (Node passes @node-rs/crc32's hardware one).
   */
  constructor(
    initialBytes = 16 * 1024,
    private readonly checksum: Checksum = crc32c,
  ) {
    this.buf = new Uint8Array(Math.max(initialBytes, RECORD_BATCH_OVERHEAD + 64));
  }

  /** Records added so far. */
  get count(): number {
    return this.n;
  }

  /** Bytes of the batch so far, header included. */
  get sizeBytes(): number {
    return this.pos;
  }

  /** Appends a record; throws a RangeError for a timestamp outside [0, 2^52 - 1]. */
  add(record: RecordToEncode): void {
    const ts = record.timestamp;
    if (!Number.isSafeInteger(ts) || ts < 0 || ts > MAX_TIMESTAMP_MS) {
      throw new RangeError(`record timestamp must be an integer in [0, 2^52 - 1] ms, got ${String(ts)}`);
    }
    if (this.n === 0) {
      this.firstTs = ts;
      this.maxTs = ts;
    } else if (ts > this.maxTs) {
      this.maxTs = ts;
    }
    this.ensure(recordSizeBound(record));
    this.pos = encodeRecord(this.buf, this.pos, record, this.n, ts - this.firstTs);
    this.n++;
  }

  /**
   * Finishes the batch (base offset 0 and leader epoch -1, as a producer sends it; `attributes` without a codec) and
   * resets the builder for reuse. Throws a RangeError when no record was added.
   */
  build(producer: ProducerFields = NO_PRODUCER, attributes = 0): RecordBatch {
    if (this.n === 0) throw new RangeError('a record batch holds at least one record');
    const bytes = this.buf.slice(0, this.pos);
    const fields = {
      baseOffset: 0,
      partitionLeaderEpoch: -1,
      attributes,
      recordCount: this.n,
      baseTimestamp: this.firstTs,
      maxTimestamp: this.maxTs,
      ...producer,
    };
    writeHeader(bytes, fields, this.checksum);
    const batch = recordBatchOf(bytes);
    this.pos = RECORD_BATCH_OVERHEAD;
    this.n = 0;
    return batch;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

/** Encodes `records` as one uncompressed batch (see {@link RecordBatchBuilder.build}). */
export function encodeRecordBatch(
  records: readonly RecordToEncode[],
  producer: ProducerFields = NO_PRODUCER,
  checksum: Checksum = crc32c,
  attributes = 0,
): RecordBatch {
  const builder = new RecordBatchBuilder(
    RECORD_BATCH_OVERHEAD + records.reduce((n, r) => n + recordSizeBound(r), 0),
    checksum,
  );
  for (const record of records) builder.add(record);
  return builder.build(producer, attributes);
}
