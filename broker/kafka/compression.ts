/**
 * Kafka's record compression codecs on Node, for the broker (validating compressed batches, never recompressing
 * them): node:zlib for gzip, the native packages snappy, lz4-napi and @mongodb-js/zstd for the others. The framing
 * and the decompression caps are protocol/kafka-compression.ts.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { compressFrame as lz4Compress, decompressFrame as lz4Decompress } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { recordCompression, type CompressionPrimitives } from '../../protocol/index.js';

export { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../protocol/index.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The Node primitives of every Kafka codec. */
export const nodeCompressionPrimitives: CompressionPrimitives = {
  gzip: {
    compress: (data) => gzipAsync(asBuffer(data)),
    decompress: (data, maxBytes) => gunzipAsync(asBuffer(data), { maxOutputLength: maxBytes }),
  },
  snappy: {
    compress: (data) => snappyCompress(asBuffer(data)),
    decompress: (data) => {
      const out = snappyUncompress(asBuffer(data), { asBuffer: true });
      if (typeof out === 'string') throw new Error('snappy gave text');
      return out;
    },
  },
  lz4: { compress: (data) => lz4Compress(asBuffer(data)), decompress: (data) => lz4Decompress(asBuffer(data)) },
  zstd: { compress: (data) => zstdCompress(asBuffer(data), 3), decompress: (data) => zstdDecompress(asBuffer(data)) },
};

const compression = recordCompression(nodeCompressionPrimitives, 'Node');

/** Compresses a batch's records section with `codec` ('none' returns it as is). */
export const compressRecords = compression.compress;

/**
 * Decompresses a batch's records section written with `codec`. Throws INVALID_RECORD if the bytes are not valid for
 * the codec or inflate past `maxBytes`.
 */
export const decompressRecords = compression.decompress;
