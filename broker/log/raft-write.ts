/**
 * Planning one Raft write to a partition log: checks it against the log's ends and turns it into the rows and
 * deletes of one transaction (see {@link PartitionLog.writeRaft}). Nothing is written here.
 */
import type { HardState } from '../raft/messages.js';
import type { AppendResult } from './append-queue.js';
import { checkBatch, type BatchToAppend } from './batch.js';
import { LogError, LogErrorKind } from './log-error.js';
import { batchRow, type BatchRow, type LogStore, type RaftWritePlan, type StartPoint } from './log-store.js';

/** Where a log restarts when a follower installs the leader's snapshot. */
export interface RaftStart {
  /** The log start offset after the restart (the snapshot's `logOffset`). */
  readonly offset: number;
  /** Raft index of the snapshot point: the next batch gets `index + 1`. */
  readonly index: number;
  /** Term of the snapshot point. */
  readonly term: number;
  /** Membership as of `index`. */
  readonly voters: readonly number[];
}

/** A batch to append with the term of the Raft entry that carries it. */
export interface RaftAppend {
  readonly batch: BatchToAppend;
  readonly term: number;
}

/** What one Raft Ready asks of the log, applied in this order in one transaction. */
export interface RaftWrite {
  /** Restart the log at this point first (every batch removed), or null. */
  readonly reset: RaftStart | null;
  /**
   * Raft index of the first of `batches`. Stored batches from this index on are removed first (a conflicting
   * suffix). Must lie in [start index + 1, last index + 1]; ignored when `batches` is empty.
   */
  readonly firstIndex: number;
  readonly batches: readonly RaftAppend[];
  /** Hard state to record, or null. */
  readonly hardState: HardState | null;
}

/** The ends of a log as its owner tracks them. */
export interface LogBounds {
  readonly startOffset: number;
  readonly startTerm: number;
  readonly startIndex: number;
  readonly endOffset: number;
  readonly endTerm: number;
  readonly endIndex: number;
}

/** A checked write, ready to run. */
export interface PlannedRaftWrite {
  readonly plan: RaftWritePlan;
  /** The log's ends once the plan has run. */
  readonly bounds: LogBounds;
  /** Offsets of each appended batch, in order. */
  readonly results: AppendResult[];
  /** Payload bytes the truncation removes (0 without one; a reset removes everything, not counted here). */
  readonly truncatedBytes: number;
  /** Payload bytes appended. */
  readonly appendedBytes: number;
}

/**
 * Checks `write` against a log whose ends are `bounds` and plans it. Throws a {@link LogError}:
 * INVALID_ARGUMENT for indices or terms that do not fit, CORRUPT_BATCH for a batch whose CRC is wrong,
 * STORAGE_ERROR when the stored rows do not match the bounds.
 */
export function planRaftWrite(store: LogStore, bounds: LogBounds, write: RaftWrite): PlannedRaftWrite {
  let reset: StartPoint | null = null;
  let at = bounds;
  if (write.reset !== null) {
    const { offset, index, term, voters } = write.reset;
    checkNonNegative('reset offset', offset);
    checkNonNegative('reset index', index);
    checkNonNegative('reset term', term);
    reset = { offset, term, index, voters: votersJson(voters) };
    at = { startOffset: offset, startTerm: term, startIndex: index, endOffset: offset, endTerm: term, endIndex: index };
  }
  let truncateFromOffset: number | null = null;
  let truncatedBytes = 0;
  const { firstIndex, batches } = write;
  if (batches.length > 0) {
    if (!Number.isSafeInteger(firstIndex) || firstIndex <= at.startIndex || firstIndex > at.endIndex + 1) {
      throw invalid(
        `cannot append at index ${String(firstIndex)}: the log holds (${String(at.startIndex)}, ${String(at.endIndex)}]`,
      );
    }
    if (firstIndex <= at.endIndex) {
      const row = store.rowAtIndex(firstIndex);
      const before = firstIndex - 1 === at.startIndex ? at.startTerm : store.rowAtIndex(firstIndex - 1)?.[2];
      if (row === undefined || before === undefined) {
        throw new LogError(LogErrorKind.STORAGE_ERROR, `no stored batch at index ${String(firstIndex)}`);
      }
      truncateFromOffset = row[0];
      truncatedBytes = store.countFrom(row[0]).bytes;
      at = { ...at, endOffset: row[0], endTerm: before, endIndex: firstIndex - 1 };
    }
  }
  const rows: BatchRow[] = [];
  const results: AppendResult[] = [];
  let { endOffset, endTerm, endIndex } = at;
  let appendedBytes = 0;
  for (const { batch, term } of batches) {
    if (!Number.isSafeInteger(term) || term < endTerm) {
      throw invalid(
        `entry ${String(endIndex + 1)} has term ${String(term)}, below the term ${String(endTerm)} before it`,
      );
    }
    checkBatch(batch);
    const lastOffset = endOffset + batch.count - 1;
    endIndex++;
    rows.push(batchRow(batch, endOffset, term, endIndex));
    results.push({ baseOffset: endOffset, lastOffset });
    appendedBytes += batch.bytes.byteLength;
    endOffset = lastOffset + 1;
    endTerm = term;
  }
  if (write.hardState !== null) {
    checkNonNegative('hard state term', write.hardState.term);
    checkNonNegative('hard state vote', write.hardState.vote);
    checkNonNegative('hard state commit', write.hardState.commit);
  }
  return {
    plan: { reset, truncateFromOffset, rows, hardState: write.hardState },
    bounds: { ...at, endOffset, endTerm, endIndex },
    results,
    truncatedBytes,
    appendedBytes,
  };
}

/** The meta text of a membership: a JSON array of broker ids. */
export function votersJson(voters: readonly number[]): string {
  for (const id of voters) {
    if (!Number.isSafeInteger(id) || id <= 0) throw invalid(`voter ids must be positive integers, got ${String(id)}`);
  }
  return JSON.stringify(voters);
}

function checkNonNegative(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${name} must be an integer >= 0, got ${String(value)}`);
}

function invalid(message: string): LogError {
  return new LogError(LogErrorKind.INVALID_ARGUMENT, message);
}
