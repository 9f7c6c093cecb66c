import { crc32c } from '@node-rs/crc32';
import { LogError, LogErrorKind } from './log-error.js';

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

/**
 * A batch of `count` records already encoded in `records`, from no idempotent producer, stamped `timestampMs`
 * (broker-internal entries such as metadata commands; benchmarks and tests).
 */
export function plainBatch(records: Uint8Array, count: number, timestampMs: number): BatchToAppend {
  return {
    count,
    firstTimestamp: timestampMs,
    maxTimestamp: timestampMs,
    crc: recordsCrc(records),
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    attributes: 0,
    records,
  };
}

const MAX_UINT32 = 0xffff_ffff;

/**
 * Checks that a batch is well formed and that its CRC matches its records.
 * Throws a {@link LogError}: INVALID_ARGUMENT for a malformed field, CORRUPT_BATCH for a CRC mismatch.
 */
export function checkBatch(batch: BatchToAppend): void {
  if (!Number.isSafeInteger(batch.count) || batch.count < 1) invalid('count must be an integer >= 1', batch.count);
  checkInteger('firstTimestamp', batch.firstTimestamp);
  checkInteger('maxTimestamp', batch.maxTimestamp);
  checkInteger('producerId', batch.producerId);
  checkInteger('producerEpoch', batch.producerEpoch);
  checkInteger('baseSequence', batch.baseSequence);
  checkInteger('attributes', batch.attributes);
  if (!Number.isInteger(batch.crc) || batch.crc < 0 || batch.crc > MAX_UINT32) {
    invalid('crc must be an unsigned 32-bit integer', batch.crc);
  }
  if (!(batch.records instanceof Uint8Array)) {
    throw new LogError(LogErrorKind.INVALID_ARGUMENT, 'records must be a Uint8Array');
  }
  const actual = recordsCrc(batch.records);
  if (actual !== batch.crc) {
    throw new LogError(
      LogErrorKind.CORRUPT_BATCH,
      `batch CRC32C mismatch: header says ${hex(batch.crc)}, records hash to ${hex(actual)} ` +
        `(${String(batch.records.byteLength)} bytes)`,
    );
  }
}

function checkInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) invalid(`${name} must be a safe integer`, value);
}

function invalid(message: string, value: unknown): never {
  throw new LogError(LogErrorKind.INVALID_ARGUMENT, `invalid batch: ${message}, got ${String(value)}`);
}

function hex(crc: number): string {
  return `0x${crc.toString(16).padStart(8, '0')}`;
}
