import { crc32c } from '@node-rs/crc32';

/**
 * A record batch as the producer sent it, before the log assigns offsets.
 *
 * The broker never decodes `records`: it is the producer's encoding of the batch's records (offset and
 * timestamp deltas inside), stored and served as is.
 */
export interface BatchToAppend {
  /** Number of records in the batch (>= 1); the batch takes this many offsets. */
  count: number;
  /** Timestamp of the first record, epoch milliseconds. */
  firstTimestamp: number;
  /** Largest record timestamp in the batch, epoch milliseconds (drives time retention and offsetForTimestamp). */
  maxTimestamp: number;
  /** CRC32C (Castagnoli) of `records`, as an unsigned 32-bit integer (see {@link recordsCrc}). */
  crc: number;
  /** Idempotent producer id, or -1 when the producer is not idempotent. */
  producerId: number;
  /** Idempotent producer epoch, or -1. */
  producerEpoch: number;
  /** Sequence number of the first record for idempotence, or -1. */
  baseSequence: number;
  /** Batch attribute bits (compression, control flag, ...), opaque to the log. */
  attributes: number;
  /**
   * The encoded records. The log keeps a reference to this array until the append's promise settles:
   * callers must not mutate or reuse its memory before then (copy views into pooled or socket buffers).
   */
  records: Uint8Array;
}

/** A batch as stored. `lastOffset = baseOffset + count - 1`. */
export interface StoredBatch extends BatchToAppend {
  /** Offset of the first record in the batch. */
  baseOffset: number;
  /** Raft term of the leader that appended the batch. */
  term: number;
}

/** The CRC32C (Castagnoli) of a batch's encoded records, as an unsigned 32-bit integer. */
export function recordsCrc(records: Uint8Array): number {
  return crc32c(records);
}
