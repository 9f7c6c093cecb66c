import { placeBatch, type BatchToAppend } from './batch.js';
import Database from 'better-sqlite3';
import type { HardState } from '../raft/messages.js';
import { LogError, LogErrorKind } from './log-error.js';
import type { ShardStatements } from './shard-statements.js';
import type { ShardWriter, WriteDone } from './shard-writer.js';
import * as writes from './shard-writes.js';

/** One `batches` row in column order, as read with `.raw()` and as bound on insert. */
export type BatchRow = [
  baseOffset: number,
  lastOffset: number,
  term: number,
  count: number,
  firstTs: number,
  maxTs: number,
  crc: number,
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
  attributes: number,
  payload: Uint8Array,
  /** The Raft index (see log-schema.ts). */
  index: number,
];

/** Keys of a partition's integer values in the meta table. */
export type MetaKey = 'log_start_offset' | 'start_term' | 'start_idx' | 'raft_term' | 'raft_vote' | 'raft_commit';

/** Where a log starts: what the meta table records about the rows removed from its head. */
export interface StartPoint {
  /** The log start offset. */
  readonly offset: number;
  /** Term of the last removed row (Raft's snapshot term). */
  readonly term: number;
  /** Raft index of the last removed row (Raft's snapshot index). */
  readonly index: number;
  /** Membership as of `index`, as JSON array text; null keeps the recorded one. */
  readonly voters: string | null;
}

/** One Raft write, done in one transaction (see {@link LogStore.writeRaft}). */
export interface RaftWritePlan {
  /** Delete every row and start the log here. */
  readonly reset: StartPoint | null;
  /** Delete rows with base offset >= this (a conflicting suffix), or null. */
  readonly truncateFromOffset: number | null;
  readonly rows: readonly BatchRow[];
  readonly hardState: HardState | null;
}

/**
 * The row of `batch` stored at `baseOffset` with Raft `term` and `index`; sets the batch's baseOffset and
 * partitionLeaderEpoch in its bytes (see placeBatch).
 */
export function batchRow(batch: BatchToAppend, baseOffset: number, term: number, index: number): BatchRow {
  placeBatch(batch, baseOffset, term);
  return [
    baseOffset,
    baseOffset + batch.count - 1,
    term,
    batch.count,
    batch.firstTimestamp,
    batch.maxTimestamp,
    batch.crc,
    batch.producerId,
    batch.producerEpoch,
    batch.baseSequence,
    batch.attributes,
    batch.bytes,
    index,
  ];
}

/** What a delete removed. */
export interface Removed {
  batches: number;
  bytes: number;
}

/**
 * One partition's log inside a storage shard (shard.ts): the SQL side of a {@link PartitionLog}, every statement
 * bound to the partition's `part`. It decides nothing about offsets or indices; the log does.
 */
export class LogStore {
  constructor(
    private readonly sql: ShardStatements,
    private readonly writer: ShardWriter,
    /** The partition's number in its shard. */
    readonly part: number,
    /** The log's name, for errors. */
    private readonly name: string,
  ) {}

  /** Reads an integer from the partition's meta values (0 when absent). */
  meta(key: MetaKey): number {
    const value = this.sql.metaGet.get(this.part, key);
    return typeof value === 'number' ? value : 0;
  }

  /** The recorded membership as of the start index (JSON array text), or null if none was ever recorded. */
  snapshotVoters(): string | null {
    const value = this.sql.metaGet.get(this.part, 'snapshot_voters');
    return typeof value === 'string' ? value : null;
  }

  /** Records the membership as of the start index. */
  setSnapshotVoters(voters: string): void {
    this.writer.runSync(writes.setMeta(this.part, 'snapshot_voters', voters), `recording the voters of ${this.name}`);
  }

  /** Inserts the rows in one transaction (all or nothing). */
  insert(rows: readonly BatchRow[]): void {
    this.writer.runSync(writes.insertRows(this.part, rows), `appending ${String(rows.length)} batches to ${this.name}`);
  }

  /** Inserts the rows in one transaction on the shard's writer thread, with other groups; `done` hears the outcome. */
  submitInsert(rows: readonly BatchRow[], done: WriteDone): void {
    this.writer.submit(
      writes.insertRows(this.part, rows),
      `appending ${String(rows.length)} batches to ${this.name}`,
      done,
    );
  }

  /** {@link writeRaft} on the shard's writer thread, with other groups; `done` hears the outcome. */
  submitRaft(plan: RaftWritePlan, done: WriteDone): void {
    this.writer.submit(writes.writeRaft(this.part, plan), `writing Raft entries to ${this.name}`, done);
  }

  /** Blocks until every write submitted to the shard (by any partition) has been answered. */
  drainWrites(): void {
    this.writer.drainSync();
  }

  /** Rows from the batch containing `fromOffset` up to (excluding) base offset `endOffset`, in order. */
  scan(fromOffset: number, endOffset: number): IterableIterator<BatchRow> {
    return this.sql.scan.iterate(this.part, this.part, fromOffset, fromOffset, endOffset);
  }

  /** Rows with Raft index in [`lo`, `hi`), in order; nothing when no row has index `lo`. */
  scanIndices(lo: number, hi: number): IterableIterator<BatchRow> {
    return this.sql.scanIndices.iterate(this.part, this.part, lo, hi);
  }

  /** Every row, last first (recovery walks back from the tail). */
  tail(): IterableIterator<BatchRow> {
    return this.sql.tail.iterate(this.part);
  }

  /** `[lastOffset, term, index]` of the last row, if any. */
  lastRow(): [number, number, number] | undefined {
    return this.sql.lastRow.get(this.part);
  }

  /** `[maxTs, payloadBytes]` of the first row, if any. */
  headRow(): [number, number] | undefined {
    return this.sql.headRow.get(this.part);
  }

  /** `[baseOffset, lastOffset, term, index]` of the row with the greatest base offset <= `offset`, if any. */
  rowAtOrBefore(offset: number): [number, number, number, number] | undefined {
    return this.sql.containing.get(this.part, offset);
  }

  /** `[baseOffset, lastOffset, term]` of the row with Raft index `index`, if any. */
  rowAtIndex(index: number): [number, number, number] | undefined {
    return this.sql.atIndex.get(this.part, index);
  }

  /** `[index, payload]` of the last two config rows with index > `afterIndex`, last first. */
  lastConfigsAfter(afterIndex: number): [number, Uint8Array][] {
    return this.sql.configsAfter.all(this.part, afterIndex);
  }

  /** `[index, payload]` of the last config row with index <= `index`, if any. */
  configAtOrBefore(index: number): [number, Uint8Array] | undefined {
    return this.sql.configAtOrBefore.get(this.part, index);
  }

  /** Sum of payload bytes over all rows. */
  payloadBytes(): number {
    return this.sql.bytes.get(this.part) ?? 0;
  }

  /** `[baseOffset, payloadBytes]` of every row from the head. */
  headSizes(): IterableIterator<[number, number]> {
    return this.sql.headSizes.iterate(this.part);
  }

  /** Base offset of the first row (in offset order) whose max timestamp is >= `timestampMs`. */
  firstWithMaxTsAtLeast(timestampMs: number): number | null {
    return this.sql.firstByMaxTs.get(this.part, timestampMs) ?? null;
  }

  /** `[baseOffset, attributes]` of the checkpoint-marked rows ending below `endOffset`, last first. */
  checkpointRows(endOffset: number): IterableIterator<[number, number]> {
    return this.sql.checkpointRows.iterate(this.part, endOffset);
  }

  /** What {@link deleteBefore} would remove. */
  countBefore(offset: number): Removed {
    const [batches, bytes] = this.sql.countBefore.get(this.part, offset) ?? [0, 0];
    return { batches, bytes };
  }

  /** What {@link deleteFrom} would remove. */
  countFrom(offset: number): Removed {
    const [batches, bytes] = this.sql.countFrom.get(this.part, offset) ?? [0, 0];
    return { batches, bytes };
  }

  /** Deletes rows with base offset < `offset` and records `start` (whose offset is `offset`), atomically. */
  deleteBefore(offset: number, start: StartPoint): void {
    this.writer.runSync(writes.deleteBefore(this.part, offset, start), `deleting the head of ${this.name}`);
  }

  /** Deletes rows with base offset >= `offset`. */
  deleteFrom(offset: number): void {
    this.writer.runSync(writes.deleteFrom(this.part, offset), `truncating ${this.name}`);
  }

  /** Deletes every row and records a new start, atomically. */
  reset(start: StartPoint): void {
    this.writer.runSync(writes.reset(this.part, start), `resetting ${this.name}`);
  }

  /** Applies a Raft write (reset, truncation, rows, hard state, in that order) in one transaction. */
  writeRaft(plan: RaftWritePlan): void {
    this.writer.runSync(writes.writeRaft(this.part, plan), `writing Raft entries to ${this.name}`);
  }

  /** The Raft hard state recorded in meta. */
  hardState(): HardState {
    return { term: this.meta('raft_term'), vote: this.meta('raft_vote'), commit: this.meta('raft_commit') };
  }
}

/**
 * Maps a failure from SQLite to a {@link LogError}: SQLITE_FULL (disk full or `max_page_count` reached) is
 * STORAGE_FULL, everything else STORAGE_ERROR. The SQLite error is kept as `cause`.
 */
export function storageError(err: unknown, action: string): LogError {
  if (err instanceof LogError) return err;
  const code = err instanceof Database.SqliteError ? err.code : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_FULL') {
    return new LogError(LogErrorKind.STORAGE_FULL, `storage full while ${action}: ${detail}`, { cause: err });
  }
  return new LogError(
    LogErrorKind.STORAGE_ERROR,
    `storage error while ${action}: ${code === undefined ? '' : `${code}: `}${detail}`,
    { cause: err },
  );
}
