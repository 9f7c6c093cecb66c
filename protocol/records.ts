/**
 * The encoding of records inside a batch's `records` bytes. The producer encodes, the consumer decodes; the broker
 * stores and forwards the bytes untouched. Per record, in order (varints are unsigned LEB128, "zigzag" maps a
 * signed integer n to 2n or -2n-1):
 *
 *   timestampDelta  zigzag varint, record timestamp minus the batch's firstTimestamp (ms)
 *   keyLength       varint, byte length + 1, or 0 for a null key;   then the key bytes
 *   valueLength     varint, byte length + 1, or 0 for a null value; then the value bytes
 *   headerCount     varint; then per header: keyLength varint + UTF-8 key, valueLength varint (+1, 0 = null) + bytes
 *
 * A record's offset is the batch's baseOffset plus its position in the batch.
 */
import { crc32c } from './crc32c.js';
import { BrookError, ProtocolError } from './errors.js';
import type { FetchedBatch, ProduceBatch } from './messages.js';

/** A header: a UTF-8 key and a byte value (null allowed). Keys may repeat, as in Kafka. */
export type RecordHeader = readonly [key: string, value: Uint8Array | null];

/** A record to encode. */
export interface RecordToEncode {
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  headers?: readonly RecordHeader[];
}

/** A record decoded from a fetched batch. `key`/`value` are views into the batch bytes. */
export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: readonly RecordHeader[];
}

/** Largest timestamp a record may carry (ms): deltas stay exact in a double's 53-bit mantissa. */
export const MAX_TIMESTAMP_MS = 2 ** 52;

/** Bit 0 of a batch's attributes: a control batch (Raft no-op or marker) that consumers skip. */
export const CONTROL_BATCH = 1;

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Worst-case encoded size of one record, for batch size planning. */
export function recordSizeBound(record: RecordToEncode): number {
  let size = 10 + 10 + (record.key?.byteLength ?? 0) + 10 + (record.value?.byteLength ?? 0) + 5;
  for (const [k, v] of record.headers ?? NO_HEADERS) size += 10 + k.length * 3 + 10 + (v?.byteLength ?? 0);
  return size;
}

/** A CRC32C implementation: the protocol's JavaScript one, or a faster native one where the platform has it. */
export type Checksum = (data: Uint8Array) => number;

/** Accumulates records into one batch's bytes. */
export class RecordBatchBuilder {
  private buf: Uint8Array;
  private pos = 0;
  private n = 0;
  private firstTs = 0;
  private maxTs = 0;

  /**
   * @param initialBytes starting buffer size; it doubles as needed.
   * @param checksum CRC32C of the finished records (Node passes @node-rs/crc32's hardware one).
   */
  constructor(
    initialBytes = 16 * 1024,
    private readonly checksum: Checksum = crc32c,
  ) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Records added so far. */
  get count(): number {
    return this.n;
  }

  /** Encoded bytes so far. */
  get sizeBytes(): number {
    return this.pos;
  }

  /** Appends a record. */
  add(record: RecordToEncode): void {
    const ts = record.timestamp;
    if (!Number.isSafeInteger(ts) || ts < 0 || ts > MAX_TIMESTAMP_MS) {
      throw new RangeError(`record timestamp must be an integer in [0, 2^52] ms, got ${String(ts)}`);
    }
    if (this.n === 0) {
      this.firstTs = record.timestamp;
      this.maxTs = record.timestamp;
    } else if (record.timestamp > this.maxTs) {
      this.maxTs = record.timestamp;
    }
    this.ensure(recordSizeBound(record));
    this.writeVarint(zigzag(record.timestamp - this.firstTs));
    this.writeBytes(record.key);
    this.writeBytes(record.value);
    const headers = record.headers ?? NO_HEADERS;
    this.writeVarint(headers.length);
    for (const [k, v] of headers) {
      const keyBytes = utf8Encoder.encode(k);
      this.writeVarint(keyBytes.byteLength);
      this.buf.set(keyBytes, this.pos);
      this.pos += keyBytes.byteLength;
      this.writeBytes(v);
    }
    this.n++;
  }

  /** Finishes the batch (with its CRC32C) and resets the builder for reuse. */
  build(producer: { producerId: number; producerEpoch: number; baseSequence: number } = NO_PRODUCER): ProduceBatch {
    const records = this.buf.slice(0, this.pos);
    const batch: ProduceBatch = {
      count: this.n,
      firstTimestamp: this.firstTs,
      maxTimestamp: this.maxTs,
      crc: this.checksum(records),
      producerId: producer.producerId,
      producerEpoch: producer.producerEpoch,
      baseSequence: producer.baseSequence,
      attributes: 0,
      records,
    };
    this.pos = 0;
    this.n = 0;
    return batch;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.byteLength) return;
    let size = Math.max(this.buf.byteLength * 2, 64);
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private writeBytes(bytes: Uint8Array | null): void {
    if (bytes === null) {
      this.writeVarint(0);
      return;
    }
    this.writeVarint(bytes.byteLength + 1);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  private writeVarint(value: number): void {
    const buf = this.buf;
    let v = value;
    while (v >= 0x80) {
      buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.pos++] = v;
  }
}

const NO_PRODUCER = { producerId: -1, producerEpoch: -1, baseSequence: -1 };

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/**
 * Builds one decoded record; `key`, `value` and header values are views into the batch bytes. Lets a consumer build
 * its own record objects without an intermediate {@link DecodedRecord} per record.
 */
export type RecordFactory<R> = (
  offset: number,
  timestamp: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[],
) => R;

const toDecodedRecord: RecordFactory<DecodedRecord> = (offset, timestamp, key, value, headers) => ({
  offset,
  timestamp,
  key,
  value,
  headers,
});

/**
 * Decodes the records of `batch` with offset >= `fromOffset` and appends them to `out`. Throws a
 * {@link ProtocolError} if the bytes do not hold `batch.count` well-formed records.
 */
export function decodeRecords(batch: FetchedBatch, fromOffset: number, out: DecodedRecord[]): void {
  decodeRecordsWith(batch, fromOffset, toDecodedRecord, out);
}

/**
 * {@link decodeRecords} with records built by `make` (called in offset order, only for offsets >= `fromOffset`).
 * Throws the same {@link ProtocolError}s; records made before the error stay in `out`.
 */
export function decodeRecordsWith<R>(batch: FetchedBatch, fromOffset: number, make: RecordFactory<R>, out: R[]): void {
  const reader = new RecordReader(batch.records);
  for (let i = 0; i < batch.count; i++) {
    const timestamp = batch.firstTimestamp + unzigzag(reader.varint());
    const key = reader.bytesOrNull();
    const value = reader.bytesOrNull();
    const headerCount = reader.varint();
    const headers = headerCount > 0 ? reader.headers(headerCount) : NO_HEADERS;
    const offset = batch.baseOffset + i;
    if (offset >= fromOffset) out.push(make(offset, timestamp, key, value, headers));
  }
  if (reader.pos !== reader.end) throw new ProtocolError('record batch has trailing bytes');
}

/**
 * Checks that `records` is exactly `count` records (section 8.2 of protocol.md): each one's fields in place, the
 * last ending at the last byte. Lengths are walked and the bytes they cover skipped, so it costs a few varint reads
 * per record and decodes nothing (header keys are not checked to be UTF-8). Throws a BrookError INVALID_RECORD
 * saying what is wrong: a broker storing such a batch would hand every consumer a batch it cannot decode.
 */
export function checkRecordFraming(records: Uint8Array, count: number): void {
  const reader = new RecordReader(records);
  try {
    for (let i = 0; i < count; i++) {
      reader.varint(); // timestampDelta
      reader.skipBytesOrNull(); // key
      reader.skipBytesOrNull(); // value
      const headerCount = reader.varint();
      for (let h = 0; h < headerCount; h++) {
        reader.skip(reader.varint()); // header key
        reader.skipBytesOrNull(); // header value
      }
    }
  } catch (err: unknown) {
    if (!(err instanceof ProtocolError)) throw err;
    throw new BrookError('INVALID_RECORD', `records end before the ${String(count)} the batch counts: ${err.message}`);
  }
  if (reader.pos !== reader.end) {
    throw new BrookError(
      'INVALID_RECORD',
      `${String(reader.end - reader.pos)} bytes follow the ${String(count)} records the batch counts`,
    );
  }
}

/** A cursor over one batch's records bytes. A class, not closures over `pos`: field access is faster per record. */
class RecordReader {
  pos = 0;
  readonly end: number;

  constructor(private readonly buf: Uint8Array) {
    this.end = buf.byteLength;
  }

  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let result = 0;
    let scale = 1;
    for (;;) {
      if (pos >= end) throw new ProtocolError('record batch truncated');
      const b = buf[pos++] ?? 0;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
      scale *= 0x80;
      if (scale > 2 ** 56) throw new ProtocolError('varint too long');
    }
  }

  bytesOrNull(): Uint8Array | null {
    const len = this.varint();
    if (len === 0) return null;
    const pos = this.pos;
    this.skip(len - 1);
    return this.buf.subarray(pos, this.pos);
  }

  /** Moves past `length` bytes. */
  skip(length: number): void {
    if (this.pos + length > this.end) throw new ProtocolError('record batch truncated');
    this.pos += length;
  }

  /** Moves past a nullable byte string (its length varint, +1, 0 = null, then its bytes). */
  skipBytesOrNull(): void {
    const len = this.varint();
    if (len > 0) this.skip(len - 1);
  }

  headers(count: number): RecordHeader[] {
    const list: RecordHeader[] = [];
    for (let h = 0; h < count; h++) {
      const keyLength = this.varint();
      const pos = this.pos;
      this.skip(keyLength);
      let headerKey: string;
      try {
        headerKey = utf8Decoder.decode(this.buf.subarray(pos, this.pos));
      } catch {
        throw new ProtocolError('header key is not UTF-8');
      }
      list.push([headerKey, this.bytesOrNull()]);
    }
    return list;
  }
}
