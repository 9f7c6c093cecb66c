import fs from 'node:fs';
import path from 'node:path';
import type { HardState } from '../raft/messages.js';
import { decodeConfigEntry } from '../raft/membership.js';
import { AppendQueue, type AppendGroup, type AppendResult, type Settle } from './append-queue.js';
import { checkBatch, type BatchToAppend, type StoredBatch } from './batch.js';
import { LogError, LogErrorKind } from './log-error.js';
import { controlData } from './control.js';
import { resolveLogOptions, type LogOptions, type ResolvedLogOptions } from './log-options.js';
import { batchRow, storageError, type LogStore, type BatchRow, type Removed, type StartPoint } from './log-store.js';
import { planRaftWrite, votersJson, type LogBounds, type PlannedRaftWrite, type RaftWrite } from './raft-write.js';
import { readHead, recover, type RecoveredState, type RecoveryReport } from './recovery.js';
import { latestCompleteCheckpoint } from './checkpoint.js';
import {
  appended,
  committedThrough,
  headRemoved,
  queueDropped,
  raftWritten,
  recovered,
  reset,
  truncated,
  type LogCursors,
  type LogPoint,
} from './log-cursors.js';
import { retentionCut, retentionMayDelete, type HeadBatch } from './retention.js';
import { migrateLegacyLog } from './migrate-v2.js';
import { ALONE_LOG_NAME } from './shard-schema.js';
import { Shard, type ShardOptions } from './shard.js';
import { DirectoryLock } from './directory-lock.js';

/** The shard file of a log kept alone ({@link PartitionLog.openAlone}), inside its directory. */
export const ALONE_SHARD_FILE = 'shard.db';

export type { AppendResult } from './append-queue.js';
export type { RaftAppend, RaftStart, RaftWrite } from './raft-write.js';

/** A stored batch with its Raft index. */
export interface IndexedBatch extends StoredBatch {
  index: number;
}

/** Where the batch at a Raft index sits. */
export interface IndexedRow {
  baseOffset: number;
  lastOffset: number;
  term: number;
}

/** A config row: its Raft index and payload (the config entry's data). */
export interface ConfigRow {
  index: number;
  data: Uint8Array;
}

/** Counters for metrics and tests. */
export interface LogStats {
  /** Group-commit transactions that committed. */
  commits: number;
  /** Batches written by those transactions. */
  batchesCommitted: number;
  /** Group-commit transactions that failed (every append in them was rejected). */
  failedCommits: number;
}

/**
 * The log of one partition replica: record batches in a storage shard (shard.ts, one SQLite database holding many
 * logs), one row per batch, records opaque.
 *
 * Appends are group-committed: {@link append} assigns offsets at once (consecutive, in call order) and queues
 * the row; the appends queued in one event-loop turn go to the shard's writer thread as one group, which commits
 * them in one transaction with the groups of other partitions. One group per log is with the writer at a time; appends
 * queued meanwhile form the next. Readers see a batch once its transaction has committed.
 *
 * Every batch also has a Raft index, one more than the batch before it, so the log can be a Raft log (see
 * `RaftLogStorage`): {@link writeRaft} applies what Raft persists, and retention keeps the Raft view of the head
 * (start index and term, membership) in step.
 */
export class PartitionLog {
  /** What recovery did when this log was opened. */
  readonly recovery: RecoveryReport;

  private closed = false;
  /** Start, stored end and queued end; they move only through the transitions of log-cursors.ts. */
  private cursors: LogCursors;
  private voters: readonly number[] | null;
  private hard: HardState;
  private rewrites = 0;
  private bytes: number;
  private head: HeadBatch | null;
  private readonly queue = new AppendQueue();
  private commitTimer: NodeJS.Immediate | null = null;
  /** A group of appends is with the shard's writer. */
  private committing = false;
  /** A Raft write ({@link submitRaft}) is with the shard's writer. */
  private raftWriting = false;
  private readonly counters: LogStats = { commits: 0, batchesCommitted: 0, failedCommits: 0 };
  private readonly commitTurn = (): void => {
    this.commitTimer = null;
    this.submitQueued();
  };

  private constructor(
    /** The log's name in its shard (`<topic>-<n>`), as errors show it. */
    readonly name: string,
    /** The options after defaults (its retention changes with {@link setRetention}). */
    private resolved: ResolvedLogOptions,
    private readonly shard: Shard,
    private readonly store: LogStore,
    state: RecoveredState,
    /** Closes what the log was opened with alone ({@link openAlone}): its shard and its directory's lock. */
    private readonly release: (() => Promise<void>) | null,
  ) {
    this.recovery = state.report;
    this.cursors = recovered(
      { offset: state.logStartOffset, term: state.startTerm, index: state.startIndex },
      { offset: state.logEndOffset, term: state.lastTerm, index: state.lastIndex },
    );
    this.voters = state.snapshotVoters;
    this.hard = state.hardState;
    this.bytes = state.sizeBytes;
    this.head = state.head;
  }

  /** The options after defaults. */
  get options(): ResolvedLogOptions {
    return this.resolved;
  }

  /** Applies a topic's changed retention (alter-config): the next retention pass deletes by the new limits. */
  setRetention(options: LogOptions): void {
    this.resolved = resolveLogOptions(options);
  }

  /**
   * Opens the log called `name` in `shard` (created empty if the shard has none) and recovers it: the log start offset
   * from `meta`, a corrupt tail truncated (see {@link recovery}), the log end offset from the last intact batch.
   * Throws a {@link LogError}: STORAGE_ERROR or STORAGE_FULL, INVALID_ARGUMENT for bad options.
   */
  static open(shard: Shard, name: string, options: LogOptions, onClosed?: () => void): PartitionLog {
    const release =
      onClosed === undefined
        ? null
        : (): Promise<void> => {
            onClosed();
            return Promise.resolve();
          };
    return PartitionLog.recoverIn(shard, name, resolveLogOptions(options), release);
  }

  /**
   * Opens a log kept alone in its own shard, `<dir>/shard.db` (the directory is created if missing; a log `dir` held
   * in an older release's `<dir>/log.db` is moved into it first). The metadata log is kept this way. The log closes the
   * shard when it closes.
   */
  static openAlone(dir: string, options: LogOptions & ShardOptions): PartitionLog {
    const resolved = resolveLogOptions(options);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw storageError(err, `creating ${dir}`);
    }
    const lock = DirectoryLock.take(dir);
    let shard: Shard | undefined;
    const release = async (): Promise<void> => {
      try {
        await shard?.close();
      } finally {
        lock.release();
      }
    };
    try {
      shard = Shard.open(path.join(dir, ALONE_SHARD_FILE), options);
      migrateLegacyLog(shard, dir, ALONE_LOG_NAME);
      return PartitionLog.recoverIn(shard, ALONE_LOG_NAME, resolved, release);
    } catch (err) {
      if (shard === undefined) lock.release();
      // Nothing was written through the shard; its closing (then the lock's) finishes in the background.
      else void release().catch(() => undefined);
      throw err;
    }
  }

  private static recoverIn(
    shard: Shard,
    name: string,
    options: ResolvedLogOptions,
    release: (() => Promise<void>) | null,
  ): PartitionLog {
    const store = shard.partition(name);
    let state: RecoveredState;
    try {
      state = recover(store);
    } catch (err) {
      throw storageError(err, `recovering ${name} in ${shard.file}`);
    }
    return new PartitionLog(name, options, shard, store, state, release);
  }

  /** First offset still in the log (moved forward by retention, persisted). */
  get logStartOffset(): number {
    return this.cursors.start.offset;
  }

  /** Next offset to assign; includes appends queued but not yet committed. */
  get logEndOffset(): number {
    return this.cursors.end.offset;
  }

  /** End of what is committed in SQLite (readable, and durable as far as the flush policy makes it). */
  get committedEndOffset(): number {
    return this.cursors.committed.offset;
  }

  /** Sum of the payload bytes of the committed batches. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Term of the last batch (queued ones included); when the log is empty, the term of the last removed one. */
  get lastTerm(): number {
    return this.cursors.end.term;
  }

  /** Raft index of the last batch removed from the head (the Raft snapshot index); 0 for a new log. */
  get startIndex(): number {
    return this.cursors.start.index;
  }

  /** Raft index of the last batch (queued ones included); {@link startIndex} when the log is empty. */
  get lastIndex(): number {
    return this.cursors.end.index;
  }

  /** Raft index of the last committed batch; {@link startIndex} when none. */
  get committedLastIndex(): number {
    return this.cursors.committed.index;
  }

  /** Term of the last committed batch; {@link startTerm} when none. */
  get committedLastTerm(): number {
    return this.cursors.committed.term;
  }

  /** Term of the last batch removed from the head (the Raft snapshot term); 0 for a new log. */
  get startTerm(): number {
    return this.cursors.start.term;
  }

  /** Membership as of {@link startIndex}, or null when none was ever recorded. */
  get snapshotVoters(): readonly number[] | null {
    return this.voters;
  }

  /** The Raft hard state last written with {@link writeRaft} (zeros for a new log). */
  get hardState(): HardState {
    return this.hard;
  }

  /**
   * Counts the times batches were removed from the tail or the whole log was reset. Callers that cache
   * batches by index compare it to know their cache still holds.
   */
  get rewriteCount(): number {
    return this.rewrites;
  }

  /** Counters since open. */
  get stats(): Readonly<LogStats> {
    return this.counters;
  }

  /** WAL checkpoints its shard's checkpointer thread has finished (shared by every log of the shard). */
  get checkpoints(): number {
    return this.shard.checkpoints;
  }

  /** True once {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Appends a batch written in `term`. Offsets are assigned before this returns (two appends in one turn get
   * consecutive offsets in call order); the promise resolves once the group commit holding the batch has
   * committed. Rejects with a {@link LogError}: CORRUPT_BATCH or INVALID_ARGUMENT (nothing queued; also when
   * `term` is below {@link lastTerm}), STORAGE_FULL or STORAGE_ERROR (the whole group failed, the log end
   * offset went back to the committed end, earlier data is intact), CLOSED.
   */
  append(batch: BatchToAppend, term: number): Promise<AppendResult> {
    // The executor runs synchronously, so offsets are assigned now; a throw in it becomes the rejection.
    return new Promise((resolve, reject) => {
      this.enqueue(batch, term, { resolve, reject });
      this.commitTimer ??= setImmediate(this.commitTurn);
    });
  }

  /**
   * Appends a batch and commits it, with anything queued before it, in one transaction before returning.
   * Same checks and errors as {@link append}, thrown instead of rejected.
   */
  appendSync(batch: BatchToAppend, term: number): AppendResult {
    const result = this.enqueue(batch, term, null);
    this.commitOrThrow();
    return result;
  }

  /**
   * Batches whose range contains or follows `offset`, in order (the first may start before `offset`: the
   * client skips earlier records). Stops before the first batch with `lastOffset >= maxOffset` (the high
   * watermark, exclusive) and before the payload bytes would exceed `maxBytes`, except that a first batch
   * larger than `maxBytes` is still returned so a consumer always makes progress.
   * Throws OFFSET_OUT_OF_RANGE when `offset` is below {@link logStartOffset} or above {@link logEndOffset}.
   */
  read(offset: number, maxBytes: number, maxOffset: number): StoredBatch[] {
    const store = this.db();
    this.checkOffsetInRange(offset);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0 || !Number.isSafeInteger(maxOffset)) {
      throw invalidArgument(
        `read needs integers maxBytes >= 0 and maxOffset, got ${String(maxBytes)}, ${String(maxOffset)}`,
      );
    }
    const batches: StoredBatch[] = [];
    if (maxOffset <= offset) return batches;
    let totalBytes = 0;
    try {
      for (const row of store.scan(offset, maxOffset)) {
        if (row[1] >= maxOffset) break;
        totalBytes += row[11].byteLength;
        if (totalBytes > maxBytes && batches.length > 0) break;
        batches.push(toStoredBatch(row));
      }
    } catch (err) {
      throw storageError(err, `reading ${this.name} at offset ${String(offset)}`);
    }
    return batches;
  }

  /**
   * Base offset of the earliest committed batch whose max timestamp is >= `timestampMs` (Kafka ListOffsets by
   * time, at batch granularity), or null when there is none.
   */
  offsetForTimestamp(timestampMs: number): number | null {
    const store = this.db();
    try {
      return store.firstWithMaxTsAtLeast(timestampMs);
    } catch (err) {
      throw storageError(err, `looking up timestamp ${String(timestampMs)} in ${this.name}`);
    }
  }

  /**
   * Term of the batch holding `offset`, queued batches included. For `logStartOffset - 1` it is the term of
   * the last batch removed from the head (what Raft calls the snapshot's last term). Null outside the log.
   */
  termAt(offset: number): number | null {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.cursors.end.offset) return null;
    if (offset === this.cursors.start.offset - 1) return this.cursors.start.term;
    if (offset < this.cursors.start.offset) return null;
    if (offset >= this.cursors.committed.offset) return this.queue.termAt(offset);
    const store = this.db();
    let row: [number, number, number, number] | undefined;
    try {
      row = store.rowAtOrBefore(offset);
    } catch (err) {
      throw storageError(err, `reading the term at ${String(offset)} in ${this.name}`);
    }
    return row !== undefined && offset <= row[1] ? row[2] : null;
  }

  /**
   * Deletes whole batches from the head by time (max timestamp older than `nowMs - retentionMs`; an expired
   * batch behind a live one waits, as in Kafka) and by size (while the log minus its head batch still holds
   * `retentionBytes`), and persists the new log start offset. Only batches ending below `upToOffset` may go
   * (pass the high watermark so uncommitted Raft entries stay); default: every committed batch. Unlike Kafka,
   * which keeps the active segment, the last batch may go too: the log is then empty with
   * `logStartOffset === logEndOffset`, and both survive a reopen. Returns the number of batches deleted.
   * Opens no database when nothing is due, so passes over idle partitions stay cheap.
   *
   * The Raft view moves with the cut: {@link startIndex} and {@link startTerm} become those of the last deleted
   * batch and, when a config row goes, {@link snapshotVoters} becomes the membership it holds.
   */
  applyRetention(nowMs: number, upToOffset: number = this.cursors.committed.offset): number {
    // A Raft write with the writer may reset the log: the next pass cuts against what it leaves.
    if (this.closed || this.raftWriting) return 0;
    // Checkpoint cleanup: every batch before the latest complete checkpoint goes, whatever its age.
    if (this.options.checkpointCleanup) return this.deleteHead(this.checkpointCut(upToOffset));
    const input = {
      retentionMs: this.options.retentionMs,
      retentionBytes: this.options.retentionBytes,
      nowMs,
      logStartOffset: this.cursors.start.offset,
      committedEndOffset: this.cursors.committed.offset,
      sizeBytes: this.bytes,
      head: this.head,
      upToOffset,
    };
    if (!retentionMayDelete(input)) return 0;
    let cut: number;
    try {
      cut = retentionCut(this.db(), input);
    } catch (err) {
      throw storageError(err, `applying retention to ${this.name}`);
    }
    return this.deleteHead(cut);
  }

  /** Deletes every batch below `cut` (a batch boundary), moving the log start and the Raft view with it. */
  private deleteHead(cut: number): number {
    if (cut <= this.cursors.start.offset) return 0;
    const store = this.db();
    let removed: Removed;
    let start: StartPoint;
    let voters: readonly number[] | null = this.voters;
    try {
      removed = store.countBefore(cut);
      const [term, index] = this.pointBefore(store, cut);
      const config = store.configAtOrBefore(index);
      if (config !== undefined && config[0] > this.cursors.start.index)
        voters = decodeConfigEntry(controlData(config[1])).config.voters;
      start = {
        offset: cut,
        term,
        index,
        voters: voters === this.voters || voters === null ? null : votersJson(voters),
      };
      store.deleteBefore(cut, start);
      this.head = readHead(store);
    } catch (err) {
      throw storageError(err, `applying retention to ${this.name}`);
    }
    this.shard.wrote();
    this.cursors = headRemoved(this.cursors, { offset: start.offset, term: start.term, index: start.index });
    this.voters = voters;
    this.bytes -= removed.bytes;
    return removed.batches;
  }

  /** Where checkpoint cleanup may cut: the latest complete checkpoint ending below `upToOffset`, else the log start. */
  private checkpointCut(upToOffset: number): number {
    try {
      return latestCompleteCheckpoint(this.db().checkpointRows(upToOffset)) ?? this.cursors.start.offset;
    } catch (err) {
      throw storageError(err, `finding the latest checkpoint of ${this.name}`);
    }
  }

  /**
   * Removes every batch with base offset >= `offset` (Raft drops a divergent suffix). `offset` must be a batch
   * boundary between {@link logStartOffset} and {@link logEndOffset}. Queued appends are committed first.
   */
  truncateFrom(offset: number): void {
    this.commitOrThrow();
    this.checkOffsetInRange(offset);
    if (offset === this.cursors.end.offset) return;
    const store = this.db();
    let removed: Removed;
    let term: number;
    let index: number;
    try {
      if (store.rowAtOrBefore(offset)?.[0] !== offset) {
        throw invalidArgument(`truncateFrom(${String(offset)}): not the base offset of a batch in ${this.name}`);
      }
      removed = store.countFrom(offset);
      [term, index] = this.pointBefore(store, offset);
      store.deleteFrom(offset);
    } catch (err) {
      throw storageError(err, `truncating ${this.name}`);
    }
    this.shard.wrote();
    this.rewrites++;
    this.cursors = truncated(this.cursors, { offset, term, index });
    this.bytes -= removed.bytes;
    if (offset === this.cursors.start.offset) this.head = null;
  }

  /**
   * Discards every batch and restarts the log at `startOffset`, with `startTerm` as the term before it. Raft
   * indices continue from {@link lastIndex} (a Raft follower installing a snapshot uses {@link writeRaft},
   * which sets the index too). Queued appends are committed first.
   */
  resetTo(startOffset: number, startTerm: number): void {
    if (!Number.isSafeInteger(startOffset) || startOffset < 0 || !Number.isSafeInteger(startTerm) || startTerm < 0) {
      throw invalidArgument(`resetTo needs non-negative integers, got ${String(startOffset)}, ${String(startTerm)}`);
    }
    this.commitOrThrow();
    const store = this.db();
    const start = { offset: startOffset, term: startTerm, index: this.cursors.end.index, voters: null };
    try {
      store.reset(start);
    } catch (err) {
      throw storageError(err, `resetting ${this.name}`);
    }
    this.shard.wrote();
    this.rewrites++;
    this.cursors = reset(this.cursors, { offset: startOffset, term: startTerm, index: start.index });
    this.bytes = 0;
    this.head = null;
  }

  /**
   * Applies one Raft write in one transaction, durable as the flush policy makes commits: a reset (the log
   * restarts empty after a snapshot point), then the batches (replacing any stored suffix from their first
   * index), then the hard state. Returns the offsets each batch got. Queued appends are committed first.
   * Throws a {@link LogError} (INVALID_ARGUMENT, CORRUPT_BATCH, STORAGE_FULL, STORAGE_ERROR, CLOSED); then
   * nothing was written and the log is as before.
   */
  writeRaft(write: RaftWrite): AppendResult[] {
    const planned = this.planRaft(write);
    if (planned === null) return [];
    try {
      this.db().writeRaft(planned.plan);
    } catch (err) {
      throw storageError(err, `writing Raft entries to ${this.name}`);
    }
    return this.raftStored(write, planned);
  }

  /**
   * {@link writeRaft} without waiting: the write goes to the shard's writer thread, with other partitions' writes, and
   * `done` hears the outcome (the offsets each batch got, or why nothing was written). Until then the log is as
   * before; the caller submits nothing else to this log meanwhile (Raft holds its next Ready until `done`).
   */
  submitRaft(write: RaftWrite, done: (err: LogError | null, results: readonly AppendResult[]) => void): void {
    let planned: PlannedRaftWrite | null;
    try {
      planned = this.planRaft(write);
    } catch (err) {
      done(storageError(err, `writing Raft entries to ${this.name}`), []);
      return;
    }
    if (planned === null) {
      done(null, []);
      return;
    }
    const checked = planned;
    this.raftWriting = true;
    this.store.submitRaft(checked.plan, (err) => {
      this.raftWriting = false;
      if (err === null) done(null, this.raftStored(write, checked));
      else done(err, []);
    });
  }

  /** Checks a Raft write against the log's ends and plans its transaction; null when there is nothing to write. */
  private planRaft(write: RaftWrite): PlannedRaftWrite | null {
    if (write.reset === null && write.batches.length === 0 && write.hardState === null) return null;
    this.commitOrThrow();
    const bounds: LogBounds = {
      startOffset: this.cursors.start.offset,
      startTerm: this.cursors.start.term,
      startIndex: this.cursors.start.index,
      endOffset: this.cursors.end.offset,
      endTerm: this.cursors.end.term,
      endIndex: this.cursors.end.index,
    };
    return planRaftWrite(this.db(), bounds, write);
  }

  /** Moves the log's state past a stored Raft write; returns the offsets of its batches. */
  private raftStored(write: RaftWrite, planned: PlannedRaftWrite): AppendResult[] {
    const { plan } = planned;
    const after = planned.bounds;
    const emptied = plan.reset !== null || plan.truncateFromOffset === this.cursors.start.offset;
    if (plan.reset !== null) {
      this.bytes = 0;
      this.voters = Object.freeze([...(write.reset?.voters ?? [])]);
    }
    if (plan.reset !== null || plan.truncateFromOffset !== null) this.rewrites++;
    const first = plan.rows[0];
    if (emptied || this.cursors.committed.offset === this.cursors.start.offset) {
      this.head =
        first === undefined ? (emptied ? null : this.head) : { maxTimestamp: first[5], bytes: first[11].byteLength };
    }
    this.cursors = raftWritten(
      this.cursors,
      { offset: after.startOffset, term: after.startTerm, index: after.startIndex },
      { offset: after.endOffset, term: after.endTerm, index: after.endIndex },
    );
    this.bytes += planned.appendedBytes - planned.truncatedBytes;
    if (write.hardState !== null) {
      this.hard = { term: write.hardState.term, vote: write.hardState.vote, commit: write.hardState.commit };
    }
    this.shard.wrote(planned.appendedBytes);
    if (plan.rows.length > 0) {
      this.counters.commits++;
      this.counters.batchesCommitted += plan.rows.length;
    }
    return planned.results;
  }

  /**
   * Records the membership as of {@link startIndex} (a new Raft replica records its bootstrap membership).
   * Throws a {@link LogError}.
   */
  setSnapshotVoters(voters: readonly number[]): void {
    const text = votersJson(voters);
    this.commitOrThrow();
    const store = this.db();
    try {
      store.setSnapshotVoters(text);
    } catch (err) {
      throw storageError(err, `recording the membership of ${this.name}`);
    }
    this.shard.wrote();
    this.voters = Object.freeze([...voters]);
  }

  /** Offsets and term of the committed batch at Raft index `index`, or null when there is none. */
  rowAtIndex(index: number): IndexedRow | null {
    if (!Number.isSafeInteger(index) || index <= this.cursors.start.index || index > this.cursors.committed.index)
      return null;
    const store = this.db();
    let row: [number, number, number] | undefined;
    try {
      row = store.rowAtIndex(index);
    } catch (err) {
      throw storageError(err, `reading index ${String(index)} in ${this.name}`);
    }
    return row === undefined ? null : { baseOffset: row[0], lastOffset: row[1], term: row[2] };
  }

  /**
   * Committed batches with Raft index in [`lo`, `hi`), in order, read lazily: stop iterating early to read
   * less. Nothing when `lo` is not in the log. The iterator must be finished or returned before the log is
   * written again.
   */
  *batchesByIndex(lo: number, hi: number): Generator<IndexedBatch, void, undefined> {
    if (lo <= this.cursors.start.index || lo > this.cursors.committed.index || hi <= lo) return;
    const store = this.db();
    let rows: IterableIterator<BatchRow>;
    try {
      rows = store.scanIndices(lo, hi);
    } catch (err) {
      throw storageError(err, `reading indices from ${String(lo)} in ${this.name}`);
    }
    for (const row of rows) yield toIndexedBatch(row);
  }

  /**
   * The last two config rows (control batches holding a Raft config entry) after {@link startIndex}, last first.
   */
  lastConfigRows(): ConfigRow[] {
    const store = this.db();
    try {
      return store
        .lastConfigsAfter(this.cursors.start.index)
        .map(([index, payload]) => ({ index, data: controlData(payload) }));
    } catch (err) {
      throw storageError(err, `reading the membership of ${this.name}`);
    }
  }

  /**
   * Asks the shard's checkpointer for a PASSIVE WAL checkpoint, which fsyncs the WAL and the database under flush
   * 'interval' or 'always' (under 'never' it only moves pages, without fsync): every commit so far becomes durable.
   * Appends still queued or with the writer are not waited for (the next sync covers them), so the flush timer that
   * calls this under flush 'interval' never holds the thread. Does nothing when nothing was written since the last
   * sync.
   */
  sync(): void {
    if (this.closed) return;
    this.shard.sync();
  }

  /**
   * Commits queued appends; a log opened alone then closes its shard (its WAL is checkpointed and removed). Appends and
   * reads after close fail with CLOSED. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.commitTimer !== null) clearImmediate(this.commitTimer);
    this.commitTimer = null;
    this.commitQueued();
    this.closed = true;
    try {
      await this.release?.();
    } catch (err) {
      throw storageError(err, `closing ${this.name}`);
    }
  }

  private enqueue(batch: BatchToAppend, term: number, settle: Settle | null): AppendResult {
    if (this.closed) throw new LogError(LogErrorKind.CLOSED, `log ${this.name} is closed`);
    checkBatch(batch);
    const before = this.cursors.end;
    const after = appended(this.cursors, batch.count, term);
    this.queue.push(batchRow(batch, before.offset, term, after.end.index), settle);
    this.cursors = after;
    return { baseOffset: before.offset, lastOffset: after.end.offset - 1 };
  }

  /**
   * Sends the queued appends to the shard's writer as one group, unless a group is already there (then they go when
   * it has been answered). Failures reach the appenders through their promises.
   */
  private submitQueued(): void {
    if (this.committing || this.closed) return;
    const group = this.queue.takeAll();
    if (group === null) return;
    const through = this.cursors.end;
    this.committing = true;
    this.store.submitInsert(group.rows, (err) => {
      this.committing = false;
      if (err === null) {
        this.groupStored(group, through);
        this.submitQueued();
      } else {
        this.groupFailed(group, err);
      }
    });
  }

  /**
   * Commits every queued append before returning: waits for the group with the writer, then writes the rest in one
   * transaction. Returns the error (already delivered to the appenders) or null.
   */
  private commitQueued(): LogError | null {
    // Every write of this log with the writer is answered first (an answered group may send the appends queued behind
    // it as the next one: wait until none is out), so that what follows plans against the log as stored.
    while (this.committing || this.raftWriting) this.store.drainWrites();
    const group = this.queue.takeAll();
    if (group === null) return null;
    const through = this.cursors.end;
    try {
      this.db().insert(group.rows);
    } catch (err) {
      const error = storageError(err, `appending ${String(group.rows.length)} batches to ${this.name}`);
      this.groupFailed(group, error);
      return error;
    }
    this.groupStored(group, through);
    return null;
  }

  /** A group of appends that ends at `through` has committed. */
  private groupStored(group: AppendGroup, through: LogPoint): void {
    const first = group.rows[0];
    if (this.cursors.committed.offset === this.cursors.start.offset && first !== undefined) {
      this.head = { maxTimestamp: first[5], bytes: first[11].byteLength };
    }
    this.shard.wrote(group.bytes);
    this.cursors = committedThrough(this.cursors, through);
    this.bytes += group.bytes;
    this.counters.commits++;
    this.counters.batchesCommitted += group.rows.length;
    group.resolve();
  }

  /**
   * A group of appends failed: it is gone, and so are the appends queued after it, whose offsets followed its own. The
   * end offset and term go back to the stored ones.
   */
  private groupFailed(group: AppendGroup, err: LogError): void {
    const later = this.queue.takeAll();
    this.cursors = queueDropped(this.cursors);
    this.counters.failedCommits++;
    group.reject(err);
    later?.reject(err);
  }

  private commitOrThrow(): void {
    const err = this.commitQueued();
    if (err !== null) throw err;
  }

  /** The store; throws CLOSED after close. */
  private db(): LogStore {
    if (this.closed) throw new LogError(LogErrorKind.CLOSED, `log ${this.name} is closed`);
    return this.store;
  }

  private checkOffsetInRange(offset: number): void {
    if (!Number.isSafeInteger(offset)) throw invalidArgument(`offset must be an integer, got ${String(offset)}`);
    if (offset < this.cursors.start.offset || offset > this.cursors.end.offset) {
      throw new LogError(
        LogErrorKind.OFFSET_OUT_OF_RANGE,
        `offset ${String(offset)} is outside [${String(this.cursors.start.offset)}, ${String(this.cursors.end.offset)}] in ${this.name}`,
      );
    }
  }

  /** `[term, index]` of the batch that ends right before `offset` (a batch boundary), or of the log start. */
  private pointBefore(store: LogStore, offset: number): [number, number] {
    const row = offset <= this.cursors.start.offset ? undefined : store.rowAtOrBefore(offset - 1);
    return row === undefined ? [this.cursors.start.term, this.cursors.start.index] : [row[2], row[3]];
  }
}

function invalidArgument(message: string): LogError {
  return new LogError(LogErrorKind.INVALID_ARGUMENT, message);
}

/** A row as a batch. */
function toStoredBatch(row: BatchRow): StoredBatch {
  return {
    baseOffset: row[0],
    term: row[2],
    count: row[3],
    firstTimestamp: row[4],
    maxTimestamp: row[5],
    crc: row[6],
    producerId: row[7],
    producerEpoch: row[8],
    baseSequence: row[9],
    attributes: row[10],
    bytes: row[11],
  };
}

/** A row as a batch with its Raft index. */
function toIndexedBatch(row: BatchRow): IndexedBatch {
  return {
    baseOffset: row[0],
    term: row[2],
    count: row[3],
    firstTimestamp: row[4],
    maxTimestamp: row[5],
    crc: row[6],
    producerId: row[7],
    producerEpoch: row[8],
    baseSequence: row[9],
    attributes: row[10],
    bytes: row[11],
    index: row[12],
  };
}
