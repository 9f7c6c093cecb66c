import type { LogStore } from './log-store.js';

/** The first batch of a log, kept in memory so retention passes over idle partitions need no database. */
export interface HeadBatch {
  maxTimestamp: number;
  bytes: number;
}

/** What a retention decision looks at. */
export interface RetentionInput {
  /** -1 = no time limit. */
  retentionMs: number;
  /** -1 = no size limit. */
  retentionBytes: number;
  nowMs: number;
  logStartOffset: number;
  committedEndOffset: number;
  sizeBytes: number;
  /** The first committed batch, null when the log is empty. */
  head: HeadBatch | null;
  /** Only batches ending below this offset may be deleted. */
  upToOffset: number;
}

function headExpired(input: RetentionInput, head: HeadBatch): boolean {
  return input.retentionMs >= 0 && head.maxTimestamp < input.nowMs - input.retentionMs;
}

function headOverSize(input: RetentionInput, head: HeadBatch): boolean {
  return input.retentionBytes >= 0 && input.sizeBytes - head.bytes >= input.retentionBytes;
}

/**
 * True when retention would delete at least the head batch. Decided from memory alone, so a retention pass
 * over thousands of partitions opens only the databases that have something to delete.
 */
export function retentionMayDelete(input: RetentionInput): boolean {
  const { head } = input;
  if (head === null || input.upToOffset <= input.logStartOffset) return false;
  return headExpired(input, head) || headOverSize(input, head);
}

/**
 * Base offset of the first batch retention keeps (the committed end when it keeps none): the later of the
 * time cut (the first batch whose max timestamp is recent enough; older batches behind it stay, as Kafka
 * deletes from the head only) and the size cut (delete the head while the rest still holds
 * `retentionBytes`), bounded so that no batch reaching `upToOffset` goes.
 */
export function retentionCut(store: LogStore, input: RetentionInput): number {
  const { head } = input;
  if (head === null) return input.logStartOffset;
  let cut = input.logStartOffset;
  if (headExpired(input, head)) {
    cut = store.firstWithMaxTsAtLeast(input.nowMs - input.retentionMs) ?? input.committedEndOffset;
  }
  if (headOverSize(input, head)) cut = Math.max(cut, sizeCut(store, input));
  return Math.min(cut, boundaryAtOrBefore(store, input));
}

function sizeCut(store: LogStore, input: RetentionInput): number {
  let remaining = input.sizeBytes;
  for (const [baseOffset, payloadBytes] of store.headSizes()) {
    if (remaining - payloadBytes < input.retentionBytes) return baseOffset;
    remaining -= payloadBytes;
  }
  return input.committedEndOffset;
}

/** The greatest batch boundary <= upToOffset among committed batches. */
function boundaryAtOrBefore(store: LogStore, input: RetentionInput): number {
  const { upToOffset } = input;
  if (upToOffset >= input.committedEndOffset) return input.committedEndOffset;
  if (upToOffset <= input.logStartOffset) return input.logStartOffset;
  return store.rowAtOrBefore(upToOffset)?.[0] ?? input.logStartOffset;
}
