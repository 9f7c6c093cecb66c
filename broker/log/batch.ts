import { crc32c } from '@node-rs/crc32';
import {
  CRC_START,
  RECORD_BATCH_OVERHEAD,
  encodeRecordBatch,
  recordBatchOf,
  setBaseOffset,
  setPartitionLeaderEpoch,
  type RecordBatch,
  type RecordToEncode,
} from '../../protocol/index.js';
import { LogError, LogErrorKind } from './log-error.js';

/**
 * A record batch to append: a Kafka RecordBatch v2 (`bytes`) with the header fields the log indexes as columns.
 *
 * The broker never re-encodes `bytes`: it stores them as the producer encoded them, setting only baseOffset and
 * partitionLeaderEpoch (outside the CRC) in place when the batch is given its offsets ({@link placeBatch}). The log
 * keeps a reference to the bytes until the append's promise settles: callers must not reuse their memory before then
 * (copy views into pooled or socket buffers).
 */
export type BatchToAppend = RecordBatch;

/** A batch as stored. `lastOffset = baseOffset + count - 1`. */
export interface StoredBatch extends BatchToAppend {
  /** Offset of the first record in the batch (also in the bytes' baseOffset). */
  baseOffset: number;
  /** Raft term of the leader that appended the batch (also the bytes' partitionLeaderEpoch). */
  term: number;
}

/** The hardware CRC32C (Castagnoli) of `data`, as an unsigned 32-bit integer. */
export function hardwareCrc32c(data: Uint8Array): number {
  return crc32c(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** The CRC32C a batch's header must hold: that of its bytes from attributes to the end. */
export function batchCrc(bytes: Uint8Array): number {
  return hardwareCrc32c(bytes.subarray(CRC_START));
}

/**
 * A batch of `records` from no idempotent producer, with `attributes` (broker-internal entries such as metadata
 * commands and group offsets; benchmarks and tests).
 */
export function plainBatch(records: readonly RecordToEncode[], attributes = 0): BatchToAppend {
  return encodeRecordBatch(records, undefined, hardwareCrc32c, attributes);
}

/**
 * Gives `batch` its place in the log: sets baseOffset and partitionLeaderEpoch (the Raft term) in its bytes, in place.
 * Both lie outside the CRC, and every replica sets the same values for the same entry, so replicas hold identical
 * bytes and a fetch serves them as they are.
 */
export function placeBatch(batch: BatchToAppend, baseOffset: number, term: number): void {
  setBaseOffset(batch.bytes, baseOffset);
  setPartitionLeaderEpoch(batch.bytes, term);
}

/**
 * Checks that a batch's bytes are a RecordBatch v2 whose header says what its fields say and whose CRC matches.
 * The records are not walked here (the produce path checks them once, where it validates what a client sent).
 * Throws a {@link LogError}: INVALID_ARGUMENT for a malformed batch, CORRUPT_BATCH for a CRC mismatch.
 */
export function checkBatch(batch: BatchToAppend): void {
  if (!(batch.bytes instanceof Uint8Array) || batch.bytes.byteLength < RECORD_BATCH_OVERHEAD) {
    throw new LogError(LogErrorKind.INVALID_ARGUMENT, 'invalid batch: bytes must hold a RecordBatch v2 header');
  }
  const header = recordBatchOf(batch.bytes);
  if (
    header.count !== batch.count ||
    header.count < 1 ||
    header.firstTimestamp !== batch.firstTimestamp ||
    header.maxTimestamp !== batch.maxTimestamp ||
    header.producerId !== batch.producerId ||
    header.producerEpoch !== batch.producerEpoch ||
    header.baseSequence !== batch.baseSequence ||
    header.attributes !== batch.attributes ||
    header.crc !== batch.crc
  ) {
    throw new LogError(LogErrorKind.INVALID_ARGUMENT, 'invalid batch: its fields differ from its header');
  }
  const actual = batchCrc(batch.bytes);
  if (actual !== batch.crc) {
    throw new LogError(
      LogErrorKind.CORRUPT_BATCH,
      `batch CRC32C mismatch: header says ${hex(batch.crc)}, bytes hash to ${hex(actual)} ` +
        `(${String(batch.bytes.byteLength)} bytes)`,
    );
  }
}

function hex(crc: number): string {
  return `0x${crc.toString(16).padStart(8, '0')}`;
}
