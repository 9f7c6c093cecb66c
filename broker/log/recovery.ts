import { recordsCrc } from './batch.js';
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
  logEndOffset: number;
  lastTerm: number;
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
  const report = truncateCorruptTail(store, logStartOffset);
  const last = store.lastRow();
  return {
    logStartOffset,
    startTerm,
    logEndOffset: last === undefined ? logStartOffset : Math.max(last[0] + 1, logStartOffset),
    lastTerm: last === undefined ? startTerm : last[1],
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
function truncateCorruptTail(store: LogStore, logStartOffset: number): RecoveryReport {
  let firstBadOffset: number | null = null;
  let truncatedBatches = 0;
  for (const row of store.tail()) {
    if (isIntact(row, logStartOffset)) break;
    firstBadOffset = row[0];
    truncatedBatches++;
  }
  if (firstBadOffset !== null) store.deleteFrom(firstBadOffset);
  return { truncatedBatches };
}

function isIntact(row: BatchRow, logStartOffset: number): boolean {
  const [baseOffset, lastOffset, , count, , , crc, , , , , payload] = row;
  return (
    baseOffset >= logStartOffset &&
    Number.isSafeInteger(count) &&
    count >= 1 &&
    lastOffset === baseOffset + count - 1 &&
    // A damaged row may hold a value of another type: SQLite columns are dynamically typed.
    payload instanceof Uint8Array &&
    recordsCrc(payload) === crc
  );
}
