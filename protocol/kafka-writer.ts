/**
 * Writes Kafka's primitive types into a growing buffer. Large byte fields (a Fetch response's record batches) can be
 * appended by reference instead of copied: {@link KafkaWriter.chunks} then hands the socket the encoded parts and the
 * stored batch bytes side by side, so serving a fetch never copies or re-encodes the records.
 */
import { ProtocolError } from './errors.js';
import { uuidToBytes } from './kafka-uuid.js';

const utf8 = new TextEncoder();

/** Byte fields at least this long are referenced, not copied, by {@link KafkaWriter.bytesRef}. */
const REFERENCE_BYTES = 4096;

/** Writes Kafka's primitive types. */
export class KafkaWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  /** Finished parts before `buf[chunkStart, pos)`: copied bytes and referenced byte fields, in order. */
  private readonly done: Uint8Array[] = [];
  private chunkStart = 0;
  private doneBytes = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far, references included. */
  get length(): number {
    return this.doneBytes + this.pos - this.chunkStart;
  }

  /** The encoded message as parts to write in order (referenced byte fields are not copied). */
  chunks(): Uint8Array[] {
    const parts = this.done.slice();
    if (this.pos > this.chunkStart) parts.push(this.buf.subarray(this.chunkStart, this.pos));
    return parts;
  }

  /** The encoded message as one buffer (copies when a byte field was referenced). */
  toBytes(): Uint8Array {
    if (this.done.length === 0) return this.buf.subarray(0, this.pos);
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.chunks()) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    // Bytes before chunkStart were handed to `done` as views of the old buffer: they stay valid there.
    next.set(this.buf.subarray(this.chunkStart, this.pos), this.chunkStart);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  int8(n: number): void {
    this.ensure(1);
    this.view.setInt8(this.pos, n);
    this.pos += 1;
  }

  int16(n: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, n);
    this.pos += 2;
  }

  uint16(n: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, n);
    this.pos += 2;
  }

  int32(n: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, n);
    this.pos += 4;
  }

  uint32(n: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, n);
    this.pos += 4;
  }

  int64(n: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, n);
    this.pos += 8;
  }

  float64(n: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, n);
    this.pos += 8;
  }

  bool(b: boolean): void {
    this.int8(b ? 1 : 0);
  }

  uuid(uuid: string): void {
    this.ensure(16);
    uuidToBytes(uuid, this.buf, this.pos);
    this.pos += 16;
  }

  /** An unsigned LEB128 varint (Kafka's UNSIGNED_VARINT, at most 32 bits). */
  uvarint(n: number): void {
    this.ensure(5);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  /** A zigzag varint (Kafka's VARINT, 32 bits). */
  varint(n: number): void {
    this.uvarint(((n << 1) ^ (n >> 31)) >>> 0);
  }

  /** A zigzag varint of a safe integer (Kafka's VARLONG). */
  varlong(n: number): void {
    this.ensure(10);
    let v = n >= 0 ? n * 2 : -n * 2 - 1;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** A length prefix: compact (unsigned varint, length + 1, 0 = null) or classic (int16/int32, -1 = null). */
  private lengthPrefix(n: number, compact: boolean, wide: boolean): void {
    if (compact) this.uvarint(n + 1);
    else if (wide) this.int32(n);
    else this.int16(n);
  }

  /** A string or null; `compact` in flexible versions. */
  nullableString(s: string | null, compact: boolean): void {
    if (s === null) {
      this.lengthPrefix(-1, compact, false);
      return;
    }
    if (isShortAscii(s)) {
      this.lengthPrefix(s.length, compact, false);
      this.ensure(s.length);
      for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
      return;
    }
    const bytes = utf8.encode(s);
    if (!compact && bytes.byteLength > 0x7fff) throw new ProtocolError('string longer than 32767 bytes');
    this.lengthPrefix(bytes.byteLength, compact, false);
    this.raw(bytes);
  }

  string(s: string, compact: boolean): void {
    this.nullableString(s, compact);
  }

  /** Bytes or null, copied. */
  nullableBytes(b: Uint8Array | null, compact: boolean): void {
    if (b === null) {
      this.lengthPrefix(-1, compact, true);
      return;
    }
    this.lengthPrefix(b.byteLength, compact, true);
    this.raw(b);
  }

  bytes(b: Uint8Array, compact: boolean): void {
    this.nullableBytes(b, compact);
  }

  /** Bytes or null; long ones are referenced rather than copied (see {@link KafkaWriter.chunks}). */
  nullableBytesRef(b: Uint8Array | null, compact: boolean): void {
    if (b === null || b.byteLength < REFERENCE_BYTES) {
      this.nullableBytes(b, compact);
      return;
    }
    this.lengthPrefix(b.byteLength, compact, true);
    if (this.pos > this.chunkStart) this.done.push(this.buf.subarray(this.chunkStart, this.pos));
    this.done.push(b);
    this.doneBytes += this.pos - this.chunkStart + b.byteLength;
    this.chunkStart = this.pos;
  }

  /** An array's element count, or -1 for null. */
  arrayLength(n: number, compact: boolean): void {
    this.lengthPrefix(n, compact, true);
  }

  /** Bytes as they are, no length prefix. */
  raw(b: Uint8Array): void {
    this.ensure(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
  }

  /** Starts a tagged field: writes its tag and returns the mark to pass to {@link KafkaWriter.endTaggedField}. */
  beginTaggedField(tag: number): number {
    this.uvarint(tag);
    return this.pos;
  }

  /**
   * Ends the tagged field begun at `mark`: its size, an unsigned varint, must precede the data, so the data written
   * since `mark` moves right by the varint's length (tagged fields are small and rare).
   */
  endTaggedField(mark: number): void {
    if (mark < this.chunkStart) throw new ProtocolError('a tagged field cannot hold referenced bytes');
    const size = this.pos - mark;
    const sizeBytes = uvarintSize(size);
    this.ensure(sizeBytes);
    this.buf.copyWithin(mark + sizeBytes, mark, this.pos);
    const end = this.pos + sizeBytes;
    this.pos = mark;
    this.uvarint(size);
    this.pos = end;
  }
}

/** Bytes an unsigned varint of `n` takes. */
export function uvarintSize(n: number): number {
  let size = 1;
  for (let v = n; v >= 0x80; v >>>= 7) size++;
  return size;
}

function isShortAscii(s: string): boolean {
  if (s.length > 64) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}
