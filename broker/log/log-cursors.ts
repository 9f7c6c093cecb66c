/**
 * The three cursors of a partition log and the only ways they move. Pure: no I/O, no clock; the log (partition-log.ts)
 * does the SQLite work and then moves its cursors through one of these transitions, which check that the result still
 * holds `start <= committed <= end` (by offset and by Raft index) and throw otherwise, so a bug in the driver shows up
 * as an error at the step that caused it instead of as a log that serves the wrong data later.
 *
 * A point is a position between batches: the offset of the next record, with the term and Raft index of the batch
 * just before it. `start` is the point before the first stored batch (its term and index are what Raft calls the
 * snapshot's); `committed` is the end of what SQLite holds; `end` also counts appends queued for the next commit.
 */
import { LogError, LogErrorKind } from './log-error.js';

/** A position between two batches: the next offset, and the term and Raft index of the batch before it. */
export interface LogPoint {
  readonly offset: number;
  readonly term: number;
  readonly index: number;
}

/** Where a log starts, where its stored batches end, and where its queued appends end. */
export interface LogCursors {
  readonly start: LogPoint;
  readonly committed: LogPoint;
  readonly end: LogPoint;
}

/** A log recovered from storage: nothing queued, so `end` is `committed`. */
export function recovered(start: LogPoint, committed: LogPoint): LogCursors {
  return checked({ start, committed, end: committed }, 'recovery');
}

/**
 * A batch of `count` records in `term` queued at the end: it gets offsets `[end.offset, end.offset + count)` and the
 * next index. The term never goes back.
 */
export function appended(cursors: LogCursors, count: number, term: number): LogCursors {
  const { end } = cursors;
  if (!Number.isSafeInteger(count) || count < 1) throw invalid(`append of ${String(count)} records`);
  if (!Number.isSafeInteger(term) || term < end.term) {
    throw invalid(`append term ${String(term)} is below the log's last term ${String(end.term)}`);
  }
  return checked({ ...cursors, end: { offset: end.offset + count, term, index: end.index + 1 } }, 'append');
}

/**
 * The queued appends up to `point` were written (a group commit that began when the end was at `point`; appends
 * queued after it are still queued). `point` lies between what was stored and the end.
 */
export function committedThrough(cursors: LogCursors, point: LogPoint): LogCursors {
  if (point.offset < cursors.committed.offset || point.index < cursors.committed.index) {
    throw invalid(`commit through ${show(point)} moves the stored end back from ${show(cursors.committed)}`);
  }
  return checked({ ...cursors, committed: point }, 'commit');
}

/**
 * The write of a group of queued appends failed: they are gone, and so are the appends queued after them (their
 * offsets followed the failed ones); the end goes back to what is stored.
 */
export function queueDropped(cursors: LogCursors): LogCursors {
  return checked({ ...cursors, end: cursors.committed }, 'failed commit');
}

/**
 * Batches were removed from the head (retention, checkpoint cleanup): the log now starts at `start`, which lies
 * within what is stored.
 */
export function headRemoved(cursors: LogCursors, start: LogPoint): LogCursors {
  if (start.offset < cursors.start.offset || start.index < cursors.start.index) {
    throw invalid(`head removal moves the start back, from ${show(cursors.start)} to ${show(start)}`);
  }
  return checked({ ...cursors, start }, 'head removal');
}

/**
 * Stored batches from `point` on were removed (a divergent Raft suffix); nothing may be queued. `point` lies between
 * the start and the stored end.
 */
export function truncated(cursors: LogCursors, point: LogPoint): LogCursors {
  requireNothingQueued(cursors, 'truncation');
  if (point.offset > cursors.committed.offset || point.index > cursors.committed.index) {
    throw invalid(`truncation to ${show(point)} is past the stored end ${show(cursors.committed)}`);
  }
  return checked({ ...cursors, committed: point, end: point }, 'truncation');
}

/** Every batch was removed and the log starts over, empty, at `start`; nothing may be queued. */
export function reset(cursors: LogCursors, start: LogPoint): LogCursors {
  requireNothingQueued(cursors, 'reset');
  return checked({ start, committed: start, end: start }, 'reset');
}

/**
 * A Raft write (reset, truncation, appends in one transaction) was stored: the log runs from `start` to `end`, all of
 * it stored; nothing may have been queued.
 */
export function raftWritten(cursors: LogCursors, start: LogPoint, end: LogPoint): LogCursors {
  requireNothingQueued(cursors, 'Raft write');
  return checked({ start, committed: end, end }, 'Raft write');
}

function requireNothingQueued(cursors: LogCursors, step: string): void {
  if (cursors.end.offset !== cursors.committed.offset) {
    throw invalid(
      `${step} with appends queued (stored up to ${show(cursors.committed)}, queued to ${show(cursors.end)})`,
    );
  }
}

/** Returns `cursors` if they are in order, by offset and by index, with sound points; throws otherwise. */
function checked(cursors: LogCursors, step: string): LogCursors {
  const { start, committed, end } = cursors;
  for (const point of [start, committed, end]) {
    if (![point.offset, point.term, point.index].every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw invalid(`${step} leaves a point that is not three non-negative integers: ${show(point)}`);
    }
  }
  const inOrder =
    start.offset <= committed.offset &&
    committed.offset <= end.offset &&
    start.index <= committed.index &&
    committed.index <= end.index &&
    start.term <= committed.term &&
    committed.term <= end.term;
  if (!inOrder) {
    throw invalid(`${step} leaves the cursors out of order: ${show(start)} <= ${show(committed)} <= ${show(end)}`);
  }
  return cursors;
}

function show(point: LogPoint): string {
  return `(offset ${String(point.offset)}, term ${String(point.term)}, index ${String(point.index)})`;
}

function invalid(message: string): LogError {
  return new LogError(LogErrorKind.INVALID_ARGUMENT, message);
}
