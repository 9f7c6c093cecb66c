/**
 * A bounds-checked cursor over Kafka wire bytes: the primitives of Kafka's protocol guide (big-endian integers,
 * unsigned and zigzag varints, classic and compact strings, bytes and array lengths, UUIDs). Every read past the end
 * throws a {@link ProtocolError}, never a RangeError from the DataView, so a decoder fed truncated or hostile bytes
 * fails with the protocol's one error type.
 */
import { ProtocolError } from './errors.js';
import { uuidFromBytes } from './kafka-uuid.js';

const utf8 = new TextDecoder('utf-8');

/** Reads Kafka's primitive types from `buf[start, end)`. */
export class KafkaReader {
  /** Next byte to read, as an index into `buf`. */
  pos: number;
  /** One past the last readable byte. */
  readonly end: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.byteLength,
  ) {
    this.pos = start;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Claims `n` bytes and returns where they start; throws if fewer remain. */
  take(n: number): number {
    const at = this.pos;
    if (n < 0 || n > this.end - at) throw new ProtocolError(`truncated: ${String(n)} bytes needed at ${String(at)}`);
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.view.getInt8(this.take(1));
  }

  int16(): number {
    return this.view.getInt16(this.take(2));
  }

  uint16(): number {
    return this.view.getUint16(this.take(2));
  }

  int32(): number {
    return this.view.getInt32(this.take(4));
  }

  uint32(): number {
    return this.view.getUint32(this.take(4));
  }

  int64(): bigint {
    return this.view.getBigInt64(this.take(8));
  }

  float64(): number {
    return this.view.getFloat64(this.take(8));
  }

  bool(): boolean {
    return this.view.getUint8(this.take(1)) !== 0;
  }

  /** A UUID in Kafka's text form (URL-safe base64 without padding, 22 characters). */
  uuid(): string {
    const at = this.take(16);
    return uuidFromBytes(this.buf.subarray(at, at + 16));
  }

  /** An unsigned LEB128 varint of at most 32 bits (Kafka's UNSIGNED_VARINT). */
  uvarint(): number {
    // Local cursor and 32-bit shifts: this runs several times per record, so it avoids take() and `2 ** n`.
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new ProtocolError(`truncated: varint at ${String(pos)}`);
      const b = buf[pos++] ?? 0;
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    if (pos >= end) throw new ProtocolError(`truncated: varint at ${String(pos)}`);
    const last = buf[pos++] ?? 0;
    if (last > 0x0f) throw new ProtocolError('unsigned varint larger than 32 bits');
    this.pos = pos;
    return (result | (last << 28)) >>> 0;
  }

  /** A zigzag varint of at most 32 bits (Kafka's VARINT). */
  varint(): number {
    const n = this.uvarint();
    return (n >>> 1) ^ -(n & 1);
  }

  /**
   * A zigzag varint of at most 64 bits (Kafka's VARLONG), as a number: record timestamp deltas, which stay far below
   * 2^53 in any batch a client writes; a larger one is refused rather than rounded.
   */
  varlong(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new ProtocolError(`truncated: varlong at ${String(pos)}`);
      const b = buf[pos++] ?? 0;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw new ProtocolError('varlong beyond 2^53');
        this.pos = pos;
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      scale *= 128;
    }
    throw new ProtocolError('varlong longer than 10 bytes');
  }

  /** A length prefix: compact (unsigned varint, length + 1, 0 = null) or classic (int16/int32, -1 = null). */
  private length(compact: boolean, wide: boolean): number {
    if (compact) return this.uvarint() - 1;
    const n = wide ? this.int32() : this.int16();
    return n < -1 ? -2 : n;
  }

  /** A string or null; `compact` in flexible versions. */
  nullableString(compact: boolean): string | null {
    const n = this.length(compact, false);
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError('negative string length');
    const at = this.take(n);
    return decodeUtf8(this.buf, at, at + n);
  }

  /** A string that must not be null. */
  string(compact: boolean): string {
    const s = this.nullableString(compact);
    if (s === null) throw new ProtocolError('null where a string is required');
    return s;
  }

  /** Bytes or null, as a view into the buffer (no copy). */
  nullableBytes(compact: boolean): Uint8Array | null {
    const n = this.length(compact, true);
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError('negative bytes length');
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }

  /** Bytes that must not be null, as a view into the buffer. */
  bytes(compact: boolean): Uint8Array {
    const b = this.nullableBytes(compact);
    if (b === null) throw new ProtocolError('null where bytes are required');
    return b;
  }

  /**
   * An array's element count, or -1 for null. Each element takes at least one byte, so a count larger than the bytes
   * left is refused here: a hostile count cannot make the decoder allocate or loop without bound.
   */
  arrayLength(compact: boolean): number {
    const n = this.length(compact, true);
    if (n < -1) throw new ProtocolError('negative array length');
    if (n > this.end - this.pos) throw new ProtocolError(`array of ${String(n)} cannot fit in the bytes left`);
    return n;
  }

  /** An array's element count where null is not allowed. */
  nonNullArrayLength(compact: boolean): number {
    const n = this.arrayLength(compact);
    if (n === -1) throw new ProtocolError('null where an array is required');
    return n;
  }

  /** Moves past `n` bytes. */
  skip(n: number): void {
    this.take(n);
  }

  /** Moves past a tagged-field section whose fields this version does not know (all of them, for some structs). */
  skipTaggedFields(): void {
    for (let n = this.uvarint(); n > 0; n--) {
      this.uvarint(); // tag
      this.skip(this.uvarint());
    }
  }

  /** Checks that a tagged field whose data began at `start` took the `size` bytes its header announced. */
  endTaggedField(start: number, size: number): void {
    if (this.pos !== start + size) throw new ProtocolError('tagged field length does not match its data');
  }
}

/** UTF-8 text of `buf[start, end)`; short ASCII, the usual topic or client id, skips the TextDecoder call. */
function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start > 32) return utf8.decode(buf.subarray(start, end));
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i] ?? 0;
    if (c >= 0x80) return utf8.decode(buf.subarray(start, end));
    s += String.fromCharCode(c);
  }
  return s;
}
