/**
 * Kafka's record encoding (RecordBatch v2, magic 2), the records section of every batch Brook stores: the producer
 * encodes, the consumer decodes, the broker only walks the framing. Per record (varints are zigzag LEB128, Kafka's
 * VARINT and VARLONG):
 *
 *   length          varint, bytes of the rest of the record
 *   attributes      int8, unused (0)
 *   timestampDelta  varlong, record timestamp minus the batch's baseTimestamp (ms)
 *   offsetDelta     varint, the record's position in the batch (0, 1, 2, ...)
 *   keyLength       varint, -1 for a null key; then the key bytes
 *   valueLength     varint, -1 for a null value (a tombstone); then the value bytes
 *   headerCount     varint; then per header: keyLength varint + UTF-8 key, valueLength varint (-1 = null) + bytes
 *
 * A record's offset is the batch's baseOffset plus its offsetDelta. The batch header around these bytes is
 * kafka-record-batch.ts.
 */
import { BrookError, ProtocolError } from './errors.js';
import { KafkaReader } from './kafka-reader.js';

/** A header: a UTF-8 key and a byte value (null allowed). Keys may repeat, as in Kafka. */
export type RecordHeader = readonly [key: string, value: Uint8Array | null];

/** A record to encode. */
export interface RecordToEncode {
  key: Uint8Array | null;
  /** The value bytes, or null for a tombstone. */
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

/**
 * Largest timestamp a record may carry (ms): a delta between two of them, zigzagged, stays a safe integer (a reader
 * refuses a varlong beyond 2^53 rather than rounding it).
 */
export const MAX_TIMESTAMP_MS = 2 ** 52 - 1;

/** A CRC32C implementation: the protocol's JavaScript one, or a faster native one where the platform has it. */
export type Checksum = (data: Uint8Array) => number;

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Worst-case encoded size of one record (header keys at 3 bytes per UTF-16 unit), for buffer planning. */
export function recordSizeBound(record: RecordToEncode): number {
  let size = 5 + 1 + 10 + 5 + 5 + (record.key?.byteLength ?? 0) + 5 + (record.value?.byteLength ?? 0) + 5;
  for (const [k, v] of record.headers ?? NO_HEADERS) size += 5 + k.length * 3 + 5 + (v?.byteLength ?? 0);
  return size;
}

/**
 * Encodes `record` into `buf` at `pos` as the record at `offsetDelta`, stamped `timestampDelta` after the batch's
 * base timestamp, and returns the position after it. `buf` must have {@link recordSizeBound} bytes free at `pos`.
 */
export function encodeRecord(
  buf: Uint8Array,
  pos: number,
  record: RecordToEncode,
  offsetDelta: number,
  timestampDelta: number,
): number {
  const headers = record.headers ?? NO_HEADERS;
  const headerKeys = headers.length === 0 ? [] : headers.map(([k]) => utf8Encoder.encode(k));
  let bodyBytes =
    1 +
    zigzagSize(timestampDelta) +
    zigzagSize(offsetDelta) +
    bytesFieldSize(record.key) +
    bytesFieldSize(record.value) +
    zigzagSize(headers.length);
  headers.forEach(([, v], h) => {
    bodyBytes += bytesFieldSize(headerKeys[h] ?? null) + bytesFieldSize(v);
  });
  let at = writeZigzag(buf, pos, bodyBytes);
  buf[at++] = 0; // attributes
  at = writeZigzag(buf, at, timestampDelta);
  at = writeZigzag(buf, at, offsetDelta);
  at = writeBytesField(buf, at, record.key);
  at = writeBytesField(buf, at, record.value);
  at = writeZigzag(buf, at, headers.length);
  headers.forEach(([, v], h) => {
    at = writeBytesField(buf, at, headerKeys[h] ?? null);
    at = writeBytesField(buf, at, v);
  });
  return at;
}

function zigzagSize(n: number): number {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  let size = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    size++;
  }
  return size;
}

function bytesFieldSize(bytes: Uint8Array | null): number {
  return bytes === null ? 1 : zigzagSize(bytes.byteLength) + bytes.byteLength;
}

function writeZigzag(buf: Uint8Array, pos: number, n: number): number {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  let at = pos;
  while (v >= 0x80) {
    buf[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[at++] = v;
  return at;
}

function writeBytesField(buf: Uint8Array, pos: number, bytes: Uint8Array | null): number {
  if (bytes === null) return writeZigzag(buf, pos, -1);
  const at = writeZigzag(buf, pos, bytes.byteLength);
  buf.set(bytes, at);
  return at + bytes.byteLength;
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

/** Where a batch's records sit: its first offset, its base timestamp and how many records it counts. */
export interface RecordsPlacement {
  readonly baseOffset: number;
  readonly baseTimestamp: number;
  readonly count: number;
}

/**
 * Decodes the (uncompressed) `records` section of a batch placed at `at`, appending the records with offset >=
 * `fromOffset` to `out`. Throws INVALID_RECORD (a {@link BrookError}) if the bytes are not exactly `at.count`
 * well-framed records with offset deltas 0, 1, 2, ...; records made before the error stay in `out`.
 */
export function decodeRecordsWith<R>(
  records: Uint8Array,
  at: RecordsPlacement,
  fromOffset: number,
  make: RecordFactory<R>,
  out: R[],
): void {
  walkRecords(records, at, (offset, timestamp, key, value, headers) => {
    if (offset >= fromOffset) out.push(make(offset, timestamp, key, value, headers));
  });
}

/** {@link decodeRecordsWith} into plain {@link DecodedRecord}s, every record of the batch. */
export function decodeRecords(records: Uint8Array, at: RecordsPlacement): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  decodeRecordsWith(records, at, 0, toDecodedRecord, out);
  return out;
}

/**
 * Checks that (uncompressed) `records` are exactly `count` records, each one's fields inside its length, with
 * offset deltas 0, 1, 2, ... Walks lengths and skips contents: nothing is built and header keys are not checked to
 * be UTF-8. Throws INVALID_RECORD saying what is wrong: a broker storing such a batch would hand every consumer a
 * batch it cannot decode.
 */
export function checkRecords(records: Uint8Array, count: number): void {
  walkRecords(records, { baseOffset: 0, baseTimestamp: 0, count }, null);
}

/** Walks the records, calling `visit` with each one, or only checking the framing when `visit` is null. */
function walkRecords(records: Uint8Array, at: RecordsPlacement, visit: RecordFactory<void> | null): void {
  const r = new KafkaReader(records);
  try {
    for (let i = 0; i < at.count; i++) {
      const length = r.varint();
      const start = r.pos;
      if (length < 0 || length > r.remaining) throw new ProtocolError(`record ${String(i)} length ${String(length)}`);
      r.skip(1); // attributes: unused in v2
      const timestampDelta = r.varlong();
      const offsetDelta = r.varint();
      if (offsetDelta !== i) throw new ProtocolError(`record ${String(i)} has offset delta ${String(offsetDelta)}`);
      if (visit === null) {
        skipBytesField(r); // key
        skipBytesField(r); // value
        const headerCount = r.varint();
        if (headerCount < 0) throw new ProtocolError('negative header count');
        for (let h = 0; h < headerCount; h++) {
          skipBytesField(r);
          skipBytesField(r);
        }
      } else {
        const key = bytesField(r);
        const value = bytesField(r);
        const headerCount = r.varint();
        if (headerCount < 0) throw new ProtocolError('negative header count');
        const headers = headerCount === 0 ? NO_HEADERS : readHeaders(r, headerCount);
        visit(at.baseOffset + i, at.baseTimestamp + timestampDelta, key, value, headers);
      }
      if (r.pos !== start + length) throw new ProtocolError(`record ${String(i)} does not end where its length says`);
    }
    if (r.remaining !== 0) {
      throw new ProtocolError(`${String(r.remaining)} bytes follow the ${String(at.count)} records the batch counts`);
    }
  } catch (err: unknown) {
    if (!(err instanceof ProtocolError)) throw err;
    throw new BrookError('INVALID_RECORD', `records of the batch at ${String(at.baseOffset)}: ${err.message}`);
  }
}

function skipBytesField(r: KafkaReader): void {
  const n = r.varint();
  if (n < -1) throw new ProtocolError('negative length');
  if (n > 0) r.skip(n);
}

function bytesField(r: KafkaReader): Uint8Array | null {
  const n = r.varint();
  if (n < -1) throw new ProtocolError('negative length');
  if (n === -1) return null;
  const at = r.take(n);
  return r.buf.subarray(at, at + n);
}

function readHeaders(r: KafkaReader, count: number): RecordHeader[] {
  const headers: RecordHeader[] = [];
  for (let h = 0; h < count; h++) {
    const key = bytesField(r);
    if (key === null) throw new ProtocolError('null header key');
    let text: string;
    try {
      text = utf8Decoder.decode(key);
    } catch {
      throw new ProtocolError('header key is not UTF-8');
    }
    headers.push([text, bytesField(r)]);
  }
  return headers;
}
