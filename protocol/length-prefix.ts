/**
 * Splits a TCP byte stream into frames by their 4-byte big-endian length prefix. Pure: fed chunks, returns frame
 * payloads. A declared length above `maxFrameBytes` is refused before any of the frame is buffered.
 */
import { BrookError } from './errors.js';
import { LENGTH_PREFIX_BYTES } from './frame.js';

export class LengthPrefixSplitter {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  /** @param maxFrameBytes largest frame payload accepted (bytes, excluding the prefix). */
  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns every frame it completes, in order. Returned frames may be views of the chunk.
   * Throws FRAME_TOO_LARGE (and the stream must then be closed) when a prefix announces an oversized frame.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    if (this.buffered === 0) {
      // Fast path: frames wholly inside this chunk are returned as views, without copying.
      let pos = 0;
      while (chunk.byteLength - pos >= LENGTH_PREFIX_BYTES) {
        const length = this.readLength(chunk, pos);
        if (chunk.byteLength - pos - LENGTH_PREFIX_BYTES < length) break;
        frames.push(chunk.subarray(pos + LENGTH_PREFIX_BYTES, pos + LENGTH_PREFIX_BYTES + length));
        pos += LENGTH_PREFIX_BYTES + length;
      }
      if (pos < chunk.byteLength) this.keep(chunk.subarray(pos));
      return frames;
    }
    this.keep(chunk);
    for (;;) {
      if (this.buffered < LENGTH_PREFIX_BYTES) return frames;
      const head = this.take(LENGTH_PREFIX_BYTES, false);
      const length = this.readLength(head, 0);
      if (this.buffered < LENGTH_PREFIX_BYTES + length) return frames;
      this.take(LENGTH_PREFIX_BYTES, true);
      frames.push(this.take(length, true));
      if (this.buffered > 0 && this.chunks.length === 1) {
        const rest = this.chunks[0];
        this.chunks = [];
        this.buffered = 0;
        if (rest !== undefined) for (const frame of this.push(rest)) frames.push(frame);
        return frames;
      }
    }
  }

  private readLength(bytes: Uint8Array, pos: number): number {
    const length = new DataView(bytes.buffer, bytes.byteOffset + pos, LENGTH_PREFIX_BYTES).getUint32(0);
    if (length > this.maxFrameBytes) {
      throw new BrookError(
        'FRAME_TOO_LARGE',
        `frame of ${String(length)} bytes exceeds maxFrameBytes ${String(this.maxFrameBytes)}`,
      );
    }
    return length;
  }

  private keep(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
  }

  /** Returns the first `n` buffered bytes (a view when they lie in one chunk), removing them if `consume`. */
  private take(n: number, consume: boolean): Uint8Array {
    const first = this.chunks[0];
    if (first !== undefined && first.byteLength >= n) {
      const out = first.subarray(0, n);
      if (consume) {
        if (first.byteLength === n) this.chunks.shift();
        else this.chunks[0] = first.subarray(n);
        this.buffered -= n;
      }
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    let used = 0;
    for (const c of this.chunks) {
      const part = Math.min(c.byteLength, n - filled);
      out.set(c.subarray(0, part), filled);
      filled += part;
      if (part < c.byteLength) {
        if (consume) this.chunks[used] = c.subarray(part);
        break;
      }
      used++;
      if (filled === n) break;
    }
    if (consume) {
      this.chunks.splice(0, used);
      this.buffered -= n;
    }
    return out;
  }
}
