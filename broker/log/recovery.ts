import type { HardState } from '../raft/messages.js';
import { batchCrc } from './batch.js';
import { LogError, LogErrorKind } from './log-error.js';
import type { BatchRow, LogStore } from './log-store.js';
import type { HeadBatch } from './retention.js';

/** What recovery did when a partition log was opened. */
export interface RecoveryReport {
  /** Batches removed from the tail because their CRC or offsets were wrong (a torn or corrupt tail). */
  readonly truncatedBatches: number;
}

/** The in-memory state of a log, rebuilt from its database. */
export interface RecoveredState {
  logStartOffset: number;
  /** Term of the batch just before the log start (0 when nothing was ever removed). */
  startTerm: number;
  /** Raft index of the batch just before the log start (0 when nothing was ever removed). */
  startIndex: number;
  logEndOffset: number;
  lastTerm: number;
  /** Raft index of the last batch, or `startIndex` when the log is empty. */
  lastIndex: number;
  /** Membership as of `startIndex`, or null when none was recorded. */
  snapshotVoters: readonly number[] | null;
  hardState: HardState;
  sizeBytes: number;
  head: HeadBatch | null;
  report: RecoveryReport;
}

/**
 * Rebuilds a log's state: the log start offset and its term from `meta`, a corrupt tail truncated, the log
 * end offset and last term from the last intact batch (or the log start when the log is empty, e.g. after
 * retention removed everything), the payload size.
 */
export function recover(store: LogStore): RecoveredState {
  const logStartOffset = store.meta('log_start_offset');
  const startTerm = store.meta('start_term');
  const startIndex = store.meta('start_idx');
  const report = truncateCorruptTail(store, logStartOffset, startIndex);
  const last = store.lastRow();
  return {
    logStartOffset,
    startTerm,
    startIndex,
    logEndOffset: last === undefined ? logStartOffset : Math.max(last[0] + 1, logStartOffset),
    lastTerm: last === undefined ? startTerm : last[1],
    lastIndex: last === undefined ? startIndex : last[2],
    snapshotVoters: parseVoters(store.snapshotVoters()),
    hardState: store.hardState(),
    sizeBytes: store.payloadBytes(),
    head: readHead(store),
    report,
  };
}

/** The first batch's max timestamp and size, or null when the log is empty. */
export function readHead(store: LogStore): HeadBatch | null {
  const row = store.headRow();
  return row === undefined ? null : { maxTimestamp: row[0], bytes: row[1] };
}

/**
 * Walks back from the last batch while batches fail their checks and deletes that corrupt suffix, so the log
 * ends at its last intact batch and new offsets continue from there. SQLite already drops torn WAL frames;
 * this catches corruption SQLite cannot see (bit rot, a payload damaged under `synchronous=OFF`, a bad copy).
 * Only the tail is checked: a full scan would make opening thousands of partitions slow.
 */
function truncateCorruptTail(store: LogStore, logStartOffset: number, startIndex: number): RecoveryReport {
  let firstBadOffset: number | null = null;
  let truncatedBatches = 0;
  for (const row of store.tail()) {
    if (isIntact(row, logStartOffset, startIndex)) break;
    firstBadOffset = row[0];
    truncatedBatches++;
  }
  if (firstBadOffset !== null) store.deleteFrom(firstBadOffset);
  return { truncatedBatches };
}

function isIntact(row: BatchRow, logStartOffset: number, startIndex: number): boolean {
  const [baseOffset, lastOffset, , count, , , crc, , , , , payload, index] = row;
  return (
    baseOffset >= logStartOffset &&
    Number.isSafeInteger(index) &&
    index > startIndex &&
    Number.isSafeInteger(count) &&
    count >= 1 &&
    lastOffset === baseOffset + count - 1 &&
    // A damaged row may hold a value of another type: SQLite columns are dynamically typed.
    payload instanceof Uint8Array &&
    batchCrc(payload) === crc
  );
}

/** Parses the recorded membership (a JSON array of broker ids). */
export function parseVoters(text: string | null): readonly number[] | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  if (!Array.isArray(value) || !value.every((id) => Number.isSafeInteger(id) && Number(id) > 0)) {
    throw new LogError(LogErrorKind.STORAGE_ERROR, `meta snapshot_voters is not a list of broker ids: ${text}`);
  }
  return Object.freeze(value.map(Number));
}
