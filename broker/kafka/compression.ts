/**
 * Kafka's four record compression codecs (a batch's attributes bits 0-2), as the records section of a RecordBatch v2
 * carries them:
 *
 * - gzip: a gzip stream (node:zlib).
 * - snappy: Java clients write xerial's framing (a 16-byte header, then blocks of int32 length + raw snappy, each of at
 *   most 32 KiB of input); librdkafka writes one raw snappy block and reads both. We write xerial's framing, as
 *   Java does, and read both.
 * - lz4: the standard LZ4 frame format (KIP-57), which every client since Kafka 0.10 writes.
 * - zstd: a zstd frame (KIP-110), with or without the content size (Java's streaming writer leaves it out).
 *
 * Native packages do the work: snappy, lz4-napi, @mongodb-js/zstd. Decompression is capped: a batch that would
 * inflate past `maxBytes` is refused (INVALID_RECORD) instead of filling memory.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { compressFrame as lz4Compress, decompressFrame as lz4Decompress } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { BrookError } from '../../protocol/errors.js';
import type { CompressionName } from '../../protocol/kafka-record-batch.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** xerial snappy-java's stream header: magic "\x82SNAPPY\0", version 1, compatible version 1. */
const XERIAL_HEADER = Uint8Array.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
/** Input bytes per xerial block (snappy-java's default block size). */
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** The default cap on one batch's decompressed records (Kafka's default max.message.bytes is about 1 MiB). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** Compresses a batch's records section with `codec` ('none' returns it as is). */
export async function compressRecords(codec: CompressionName, records: Uint8Array): Promise<Uint8Array> {
  const input = asBuffer(records);
  switch (codec) {
    case 'none':
      return records;
    case 'gzip':
      return gzipAsync(input);
    case 'snappy':
      return xerialCompress(input);
    case 'lz4':
      return lz4Compress(input);
    case 'zstd':
      return zstdCompress(input, 3);
  }
}

/**
 * Decompresses a batch's records section written with `codec`. Throws INVALID_RECORD if the bytes are not valid for
 * the codec or inflate past `maxBytes`.
 */
export async function decompressRecords(
  codec: CompressionName,
  data: Uint8Array,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Promise<Uint8Array> {
  let out: Uint8Array;
  try {
    const input = asBuffer(data);
    switch (codec) {
      case 'none':
        out = data;
        break;
      case 'gzip':
        out = await gunzipAsync(input, { maxOutputLength: maxBytes });
        break;
      case 'snappy':
        out = snappyDecompress(input, maxBytes);
        break;
      case 'lz4':
        out = await lz4Decompress(input);
        break;
      case 'zstd':
        out = await zstdDecompress(input);
        break;
    }
  } catch (err: unknown) {
    if (err instanceof BrookError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new BrookError('INVALID_RECORD', `${codec} records do not decompress: ${reason}`, { cause: err });
  }
  // lz4 and zstd offer no output cap; the check after the fact still keeps such a batch out of the log.
  if (out.byteLength > maxBytes) {
    throw new BrookError('INVALID_RECORD', `${codec} records inflate past ${String(maxBytes)} bytes`);
  }
  return out;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function xerialCompress(input: Buffer): Uint8Array {
  const parts: Uint8Array[] = [XERIAL_HEADER];
  const blocks = Math.max(1, Math.ceil(input.byteLength / XERIAL_BLOCK_BYTES));
  for (let i = 0; i < blocks; i++) {
    const block = snappyCompress(input.subarray(i * XERIAL_BLOCK_BYTES, (i + 1) * XERIAL_BLOCK_BYTES));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.byteLength);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

function snappyDecompress(input: Buffer, maxBytes: number): Uint8Array {
  const isXerial =
    input.byteLength >= XERIAL_HEADER.byteLength && input.subarray(0, 8).equals(XERIAL_HEADER.subarray(0, 8));
  if (!isXerial) return snappyBlock(input, maxBytes);
  const blocks: Uint8Array[] = [];
  let total = 0;
  for (let at = XERIAL_HEADER.byteLength; at < input.byteLength;) {
    if (input.byteLength - at < 4) throw new BrookError('INVALID_RECORD', 'xerial snappy block length truncated');
    const length = input.readInt32BE(at);
    if (length < 0 || at + 4 + length > input.byteLength) {
      throw new BrookError('INVALID_RECORD', `xerial snappy block of ${String(length)} bytes runs past the data`);
    }
    const block = snappyBlock(input.subarray(at + 4, at + 4 + length), maxBytes - total);
    blocks.push(block);
    total += block.byteLength;
    at += 4 + length;
  }
  return Buffer.concat(blocks);
}

/** One raw snappy block; its uncompressed length (a varint up front) is checked before anything is allocated. */
function snappyBlock(block: Buffer, maxBytes: number): Uint8Array {
  let length = 0;
  for (let i = 0, scale = 1; i < 5 && i < block.byteLength; i++, scale *= 128) {
    const b = block[i] ?? 0;
    length += (b & 0x7f) * scale;
    if (b < 0x80) break;
  }
  if (length > maxBytes)
    throw new BrookError('INVALID_RECORD', `snappy records inflate past ${String(maxBytes)} bytes`);
  const out = snappyUncompress(block, { asBuffer: true });
  if (typeof out === 'string') throw new BrookError('INVALID_RECORD', 'snappy gave text');
  return out;
}
