/**
 * Record batches with their compression: what the Kafka listener (validating a produce) and Brook's producer and
 * consumer (encoding, decoding) need beyond the pure RecordBatch v2 code in protocol/, which cannot reach node:zlib or
 * the native codecs.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import type { DecodedRecord, RecordToEncode } from '../../protocol/records.js';
import {
  Compression,
  RECORD_BATCH_OVERHEAD,
  type CompressionName,
  type RecordBatchHeader,
  buildRecordBatch,
  checkRecords,
  compressionOf,
  decodeKafkaRecords,
  recordBatchFor,
  validateRecordBatch,
} from '../../protocol/kafka-record-batch.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, compressRecords, decompressRecords } from './compression.js';

/** The hardware CRC32C (the same checksum as protocol/crc32c.ts, several times faster). */
export function hardwareCrc32c(data: Uint8Array): number {
  return nativeCrc32c(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/**
 * Validates a batch as the broker must before storing it ({@link validateRecordBatch}), and for a compressed one
 * also that its records decompress (within `maxBytes`) into exactly the records it counts. Throws CORRUPT_BATCH or
 * INVALID_RECORD; returns the header.
 */
export async function validateBatch(
  batch: Uint8Array,
  maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Promise<RecordBatchHeader> {
  const header = validateRecordBatch(batch, hardwareCrc32c);
  const codec = compressionOf(header.attributes);
  if (codec !== 'none')
    checkRecords(await decompressRecords(codec, batch.subarray(RECORD_BATCH_OVERHEAD), maxBytes), header);
  return header;
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
  return decodeKafkaRecords(records, header);
}

/** Encodes `records` as one batch compressed with `codec` (base offset 0; the broker sets the real one). */
export async function encodeBatch(
  records: readonly RecordToEncode[],
  codec: CompressionName,
  producer?: { producerId: number; producerEpoch: number; baseSequence: number },
): Promise<Uint8Array> {
  const batch = recordBatchFor(records, producer);
  const section = await compressRecords(codec, batch.records);
  return buildRecordBatch({ ...batch, attributes: Compression[codec], records: section }, hardwareCrc32c);
}
