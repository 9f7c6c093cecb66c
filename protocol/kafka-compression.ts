/**
 * Kafka's four record compression codecs (a batch's attributes bits 0-2), as the records section of a RecordBatch v2
 * carries them, over the primitives a platform supplies (node:zlib and native packages on Node, CompressionStream in
 * browsers; protocol/ itself reaches neither):
 *
 * - gzip: a gzip stream.
 * - snappy: Java clients write xerial's framing (a 16-byte header, then blocks of int32 length + raw snappy, each of at
 *   most 32 KiB of input); librdkafka writes one raw snappy block and reads both. We write xerial's framing, as
 *   Java does, and read both.
 * - lz4: the standard LZ4 frame format (KIP-57), which every client since Kafka 0.10 writes.
 * - zstd: a zstd frame (KIP-110), with or without the content size (Java's streaming writer leaves it out).
 *
 * Decompression is capped: records that would inflate past `maxBytes` are refused (INVALID_RECORD) instead of
 * filling memory.
 */
import { BrookError } from './errors.js';
import type { CompressionName } from './kafka-record-batch.js';

/** A codec's two directions on whole buffers; `maxBytes` caps the output where the codec can stop early. */
export interface CodecPrimitive {
  compress(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  decompress(data: Uint8Array, maxBytes: number): Uint8Array | Promise<Uint8Array>;
}

/** What a platform can do; a codec left out is refused with a clear error. `snappy` works on raw blocks. */
export type CompressionPrimitives = Partial<Record<Exclude<CompressionName, 'none'>, CodecPrimitive>>;

/** Compression of records sections with every codec a platform has. */
export interface RecordCompression {
  /** Compresses a batch's records section with `codec` ('none' returns it as is). */
  readonly compress: (codec: CompressionName, records: Uint8Array) => Promise<Uint8Array>;
  /**
   * Decompresses a batch's records section written with `codec`. Throws INVALID_RECORD if the bytes are not valid for
   * the codec or inflate past `maxBytes`, INVALID_RECORD too if the platform lacks the codec.
   */
  readonly decompress: (codec: CompressionName, records: Uint8Array, maxBytes?: number) => Promise<Uint8Array>;
}

/** The default cap on one batch's decompressed records (Kafka's default max.message.bytes is about 1 MiB). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** xerial snappy-java's stream header: magic "\x82SNAPPY\0", version 1, compatible version 1. */
const XERIAL_HEADER = Uint8Array.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
/** Input bytes per xerial block (snappy-java's default block size). */
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** {@link RecordCompression} over `primitives`; `platform` names the platform in errors for a missing codec. */
export function recordCompression(primitives: CompressionPrimitives, platform: string): RecordCompression {
  const codecOf = (codec: Exclude<CompressionName, 'none'>): CodecPrimitive => {
    const primitive = primitives[codec];
    if (primitive === undefined) {
      // INVALID_RECORD (not retriable): records this platform cannot read or write, as a bad batch would be.
      throw new BrookError('INVALID_RECORD', `${codec} compression is not available in ${platform}`);
    }
    return primitive;
  };
  return {
    async compress(codec, records) {
      if (codec === 'none') return records;
      const primitive = codecOf(codec);
      return codec === 'snappy' ? xerialCompress(primitive, records) : primitive.compress(records);
    },
    async decompress(codec, records, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES) {
      if (codec === 'none') return records;
      const primitive = codecOf(codec);
      let out: Uint8Array;
      try {
        out =
          codec === 'snappy'
            ? await snappyDecompress(primitive, records, maxBytes)
            : await primitive.decompress(records, maxBytes);
      } catch (err: unknown) {
        if (err instanceof BrookError) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        throw new BrookError('INVALID_RECORD', `${codec} records do not decompress: ${reason}`, { cause: err });
      }
      // lz4 and zstd offer no output cap; the check after the fact still keeps such a batch out.
      if (out.byteLength > maxBytes) {
        throw new BrookError('INVALID_RECORD', `${codec} records inflate past ${String(maxBytes)} bytes`);
      }
      return out;
    },
  };
}

async function xerialCompress(snappy: CodecPrimitive, input: Uint8Array): Promise<Uint8Array> {
  const parts: Uint8Array[] = [XERIAL_HEADER];
  const blocks = Math.max(1, Math.ceil(input.byteLength / XERIAL_BLOCK_BYTES));
  for (let i = 0; i < blocks; i++) {
    const block = await snappy.compress(input.subarray(i * XERIAL_BLOCK_BYTES, (i + 1) * XERIAL_BLOCK_BYTES));
    const length = new Uint8Array(4);
    new DataView(length.buffer).setInt32(0, block.byteLength);
    parts.push(length, block);
  }
  return concat(parts);
}

async function snappyDecompress(snappy: CodecPrimitive, input: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const isXerial =
    input.byteLength >= XERIAL_HEADER.byteLength && XERIAL_HEADER.subarray(0, 8).every((b, i) => input[i] === b);
  if (!isXerial) return snappyBlock(snappy, input, maxBytes);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const blocks: Uint8Array[] = [];
  let total = 0;
  for (let at = XERIAL_HEADER.byteLength; at < input.byteLength;) {
    if (input.byteLength - at < 4) throw new BrookError('INVALID_RECORD', 'xerial snappy block length truncated');
    const length = view.getInt32(at);
    if (length < 0 || at + 4 + length > input.byteLength) {
      throw new BrookError('INVALID_RECORD', `xerial snappy block of ${String(length)} bytes runs past the data`);
    }
    const block = await snappyBlock(snappy, input.subarray(at + 4, at + 4 + length), maxBytes - total);
    blocks.push(block);
    total += block.byteLength;
    at += 4 + length;
  }
  return concat(blocks);
}

/** One raw snappy block; its uncompressed length (a varint up front) is checked before anything is allocated. */
function snappyBlock(snappy: CodecPrimitive, block: Uint8Array, maxBytes: number): Uint8Array | Promise<Uint8Array> {
  let length = 0;
  for (let i = 0, scale = 1; i < 5 && i < block.byteLength; i++, scale *= 128) {
    const b = block[i] ?? 0;
    length += (b & 0x7f) * scale;
    if (b < 0x80) break;
  }
  if (length > maxBytes)
    throw new BrookError('INVALID_RECORD', `snappy records inflate past ${String(maxBytes)} bytes`);
  return snappy.decompress(block, maxBytes);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
