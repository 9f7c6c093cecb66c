/**
 * Record batches of a given size whose record values are filler bytes, and produce requests made of them: what the
 * network layer's and the log's tests send, store and serve (neither ever looks inside records).
 */
import type { StoredBatch } from '../../broker/log/batch.js';
import {
  RECORD_BATCH_OVERHEAD,
  buildRecordBatch,
  encodeRecordBatch,
  recordBatchOf,
  setBaseOffset,
  type Acks,
  type ProducerFields,
  type RecordBatch,
  type RequestOf,
} from '../../protocol/index.js';

/** Header fields a test may set on a {@link batchOfSize} batch. */
export interface BatchFields extends Partial<ProducerFields> {
  readonly firstTimestamp?: number;
  /** The header's maxTimestamp (the records all carry firstTimestamp). */
  readonly maxTimestamp?: number;
  readonly attributes?: number;
  /** Filler bytes are derived from it, so batches of different seeds differ. */
  readonly seed?: number;
}

/**
 * A valid uncompressed RecordBatch v2 of `count` records (null keys, filler values) that is `bytes` bytes long in all,
 * or as small as `count` records can be when `bytes` is less.
 */
export function batchOfSize(count: number, bytes: number, fields: BatchFields = {}): RecordBatch {
  const firstTimestamp = fields.firstTimestamp ?? 1_000;
  const seed = fields.seed ?? 1;
  const valueBytes = Array.from({ length: count }, () => 0);
  let section = encodeSection(valueBytes, firstTimestamp, seed);
  // Resize values until the batch has the size asked for: a length varint may grow or shrink with its value, so
  // the difference is spread over the records from the last one on.
  for (let i = 0; i < 4 * count && RECORD_BATCH_OVERHEAD + section.byteLength !== bytes; i++) {
    const at = count - 1 - (i % count);
    const diff = bytes - RECORD_BATCH_OVERHEAD - section.byteLength;
    if (diff < 0 && valueBytes.every((n) => n === 0)) break;
    valueBytes[at] = Math.max(0, (valueBytes[at] ?? 0) + diff);
    section = encodeSection(valueBytes, firstTimestamp, seed);
  }
  return recordBatchOf(
    buildRecordBatch({
      baseOffset: 0,
      partitionLeaderEpoch: -1,
      attributes: fields.attributes ?? 0,
      recordCount: count,
      baseTimestamp: firstTimestamp,
      maxTimestamp: fields.maxTimestamp ?? firstTimestamp,
      producerId: fields.producerId ?? -1,
      producerEpoch: fields.producerEpoch ?? -1,
      baseSequence: fields.baseSequence ?? -1,
      records: section,
    }),
  );
}

function encodeSection(valueBytes: readonly number[], timestamp: number, seed: number): Uint8Array {
  const records = valueBytes.map((length, r) => {
    const value = new Uint8Array(length);
    for (let i = 0; i < length; i++) value[i] = (seed * 31 + r * 7 + i) & 0xff;
    return { key: null, value, timestamp };
  });
  return encodeRecordBatch(records).bytes.subarray(RECORD_BATCH_OVERHEAD);
}

/** A stored batch of `count` records, `bytes` bytes long in all, at `baseOffset` (term 1). */
export function batchAt(baseOffset: number, count: number, bytes: number): StoredBatch {
  const batch = batchOfSize(count, bytes);
  setBaseOffset(batch.bytes, baseOffset);
  return { ...batch, baseOffset, term: 1 };
}

/** A produce with one batch of `bytes` bytes per entry of `sizes`, to partitions 0, 1, ... of 't'. */
export function produceRequest(sizes: number[], acks: Acks = 1): RequestOf<'produce'> {
  return {
    acks,
    timeoutMs: 1000,
    partitions: sizes.map((bytes, partition) => ({ topic: 't', partition, batch: batchOfSize(1, bytes).bytes })),
  };
}
