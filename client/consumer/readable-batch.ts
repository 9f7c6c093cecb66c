/**
 * A delivered batch as the consumer buffers it: the header fields it needs and the records section ready to decode
 * (decompressed already when the batch was compressed). The broker delivers whole RecordBatch v2 bytes.
 */
import {
  RECORD_BATCH_OVERHEAD,
  compressionOf,
  readRecordBatchHeader,
  type CompressionName,
  type FetchedBatch,
} from '../../protocol/index.js';

/** A delivered batch with its records section ready to decode. */
export interface ReadableBatch {
  readonly baseOffset: number;
  readonly count: number;
  readonly baseTimestamp: number;
  readonly attributes: number;
  /** The batch's size as delivered (what credit counts). */
  readonly sizeBytes: number;
  /** The uncompressed records section (protocol/records.ts). */
  readonly records: Uint8Array;
}

/** Decompresses a batch's records section written with `codec` (the platform's codecs). */
export type Decompress = (codec: CompressionName, records: Uint8Array) => Promise<Uint8Array>;

/**
 * The delivered `bytes` as a {@link ReadableBatch}, decompressing its records with `decompress` when compressed (a
 * promise then; the batch as is otherwise, so an uncompressed delivery is taken in the same turn). Throws
 * INVALID_RECORD for bytes too short to hold a header.
 */
export function readableBatch(bytes: FetchedBatch, decompress: Decompress): ReadableBatch | Promise<ReadableBatch> {
  const header = readRecordBatchHeader(bytes);
  const codec = compressionOf(header.attributes);
  const batch = {
    baseOffset: header.baseOffset,
    count: header.recordCount,
    baseTimestamp: header.baseTimestamp,
    attributes: header.attributes,
    sizeBytes: bytes.byteLength,
    records: bytes.subarray(RECORD_BATCH_OVERHEAD),
  };
  if (codec === 'none') return batch;
  return decompress(codec, batch.records).then((records) => ({ ...batch, records }));
}
