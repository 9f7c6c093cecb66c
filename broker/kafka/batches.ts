/**
 * Record batches with their compression: what the broker needs (validating a produce, decoding its own batches)
 * beyond the pure RecordBatch v2 code in protocol/, which cannot reach node:zlib or the native codecs.
 */
import {
  RECORD_BATCH_OVERHEAD,
  checkRecords,
  compressionOf,
  decodeRecords,
  encodeRecordBatch,
  recordBatchOf,
  validateRecordBatch,
  withCompressedRecords,
  type CompressionName,
  type DecodedRecord,
  type ProducerFields,
  type RecordBatch,
  type RecordToEncode,
} from '../../protocol/index.js';
import { hardwareCrc32c } from '../log/batch.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, compressRecords, decompressRecords } from './compression.js';

/**
 * Validates a batch as the broker must before storing it ({@link validateRecordBatch}), and for a compressed one
 * also that its records decompress (within `maxBytes`) into exactly the records it counts. Throws CORRUPT_BATCH or
 * INVALID_RECORD; returns the batch with its header fields. An uncompressed batch is answered synchronously (a
 * promise only for a compressed one): the appends of one produce request must all start in the same event-loop turn
 * to share a group commit.
 */
export function validateBatch(
  batch: Uint8Array,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
): RecordBatch | Promise<RecordBatch> {
  const header = validateRecordBatch(batch, hardwareCrc32c);
  const codec = compressionOf(header.attributes);
  if (codec === 'none') return recordBatchOf(batch);
  return decompressRecords(codec, batch.subarray(RECORD_BATCH_OVERHEAD), maxBytes).then((records) => {
    checkRecords(records, header.recordCount);
    return recordBatchOf(batch);
  });
}

/** Decodes a whole batch's records, decompressing as its attributes say (after validating it). */
export async function decodeBatchRecords(
  batch: Uint8Array,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Promise<DecodedRecord[]> {
  const header = validateRecordBatch(batch, hardwareCrc32c);
  const records = await decompressRecords(
    compressionOf(header.attributes),
    batch.subarray(RECORD_BATCH_OVERHEAD),
    maxBytes,
  );
  return decodeRecords(records, {
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    count: header.recordCount,
  });
}

/** Encodes `records` as one batch compressed with `codec` (base offset 0; the broker sets the real one). */
export async function encodeBatch(
  records: readonly RecordToEncode[],
  codec: CompressionName,
  producer?: ProducerFields,
): Promise<Uint8Array> {
  const batch = encodeRecordBatch(records, producer, hardwareCrc32c);
  if (codec === 'none') return batch.bytes;
  const section = await compressRecords(codec, batch.bytes.subarray(RECORD_BATCH_OVERHEAD));
  return withCompressedRecords(batch, codec, section, hardwareCrc32c).bytes;
}
