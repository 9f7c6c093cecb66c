import path from 'node:path';
import type { BatchToAppend } from './batch.js';
import Database from 'better-sqlite3';
import type { HardState } from '../raft/messages.js';
import { LogError, LogErrorKind } from './log-error.js';
import { synchronousFor, type ResolvedLogOptions } from './log-options.js';
import { IS_CONFIG_ROW, prepareSchema, SCHEMA_VERSION } from './log-schema.js';
import { CHECKPOINT_END, CHECKPOINT_START } from './control.js';

/** File name of a partition's database inside its directory. */
export const LOG_DB_FILE = 'log.db';

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

/** Keys of the integer values in the meta table. */
export type MetaKey =
  'schema_version' | 'log_start_offset' | 'start_term' | 'start_idx' | 'raft_term' | 'raft_vote' | 'raft_commit';

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

/** The row of `batch` stored at `baseOffset` with Raft `term` and `index`. */
export function batchRow(batch: BatchToAppend, baseOffset: number, term: number, index: number): BatchRow {
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
    batch.records,
    index,
  ];
}

/** What a delete removed. */
export interface Removed {
  batches: number;
  bytes: number;
}

const COLUMNS =
  'base_offset, last_offset, term, count, first_ts, max_ts, crc32c, producer_id, producer_epoch, ' +
  'base_sequence, attributes, payload, idx';

// A WAL that once grew large is cut back to this size at the next checkpoint, so thousands of mostly idle
// partitions do not each keep a multi-megabyte -wal file.
const JOURNAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * WAL pages (4 KiB) after which a commit runs SQLite's automatic checkpoint: 16 MiB instead of SQLite's 4 MiB.
 * Under synchronous=NORMAL each checkpoint fsyncs the WAL and the database on the event loop, and an fsync costs
 * milliseconds even when small; at SQLite's default a 1 KiB-record produce spent most of its broker time in
 * checkpoints (every 16 MiB measured about 1.4x the throughput). Larger still stalls the event loop longer per
 * checkpoint for little more gain. Under flush 'interval' the flush timer also checkpoints every flushIntervalMs.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4096;

/**
 * The SQL side of one partition log: one SQLite database, its pragmas and prepared statements. It decides
 * nothing about offsets or indices; {@link PartitionLog} does.
 */
export class LogStore {
  private readonly insertRows: (rows: readonly BatchRow[]) => void;
  private readonly scanStmt;
  private readonly scanIndexStmt;
  private readonly tailStmt;
  private readonly lastRowStmt;
  private readonly headRowStmt;
  private readonly containingStmt;
  private readonly atIndexStmt;
  private readonly configsAfterStmt;
  private readonly configAtOrBeforeStmt;
  private readonly bytesStmt;
  private readonly headSizesStmt;
  private readonly firstByMaxTsStmt;
  private readonly checkpointRowsStmt;
  private readonly metaGetStmt;
  private readonly metaTextStmt;
  private readonly metaSetStmt;
  private readonly countBeforeStmt;
  private readonly countFromStmt;
  private readonly deleteFromStmt;
  private readonly deleteBeforeTx: (offset: number, start: StartPoint) => void;
  private readonly resetTx: (start: StartPoint) => void;
  private readonly raftTx: (plan: RaftWritePlan) => void;
  private readonly setVotersTx: (voters: string) => void;

  private constructor(private readonly db: Database.Database) {
    const insert = db.prepare<[BatchRow]>(`INSERT INTO batches (${COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    const insertAll = (rows: readonly BatchRow[]): void => {
      for (const row of rows) insert.run(row);
    };
    this.insertRows = db.transaction(insertAll);
    // Starts at the batch containing `from` (the last base_offset <= from) so a fetch from the middle of a
    // batch gets that batch; the rowid seek keeps it O(log n).
    this.scanStmt = db
      .prepare<[number, number, number], BatchRow>(
        `SELECT ${COLUMNS} FROM batches WHERE base_offset >= coalesce(
           (SELECT base_offset FROM batches WHERE base_offset <= ? ORDER BY base_offset DESC LIMIT 1), ?)
         AND base_offset < ? ORDER BY base_offset`,
      )
      .raw(true);
    // One seek in the idx index, then a rowid range scan: rows of consecutive indices are adjacent.
    this.scanIndexStmt = db
      .prepare<[number, number], BatchRow>(
        `SELECT ${COLUMNS} FROM batches WHERE base_offset >= (SELECT base_offset FROM batches WHERE idx = ?)
         AND idx < ? ORDER BY base_offset`,
      )
      .raw(true);
    this.tailStmt = db.prepare<[], BatchRow>(`SELECT ${COLUMNS} FROM batches ORDER BY base_offset DESC`).raw(true);
    this.lastRowStmt = db
      .prepare<[], [number, number, number]>(
        'SELECT last_offset, term, idx FROM batches ORDER BY base_offset DESC LIMIT 1',
      )
      .raw(true);
    this.headRowStmt = db
      .prepare<[], [number, number]>('SELECT max_ts, length(payload) FROM batches ORDER BY base_offset LIMIT 1')
      .raw(true);
    this.containingStmt = db
      .prepare<[number], [number, number, number, number]>(
        'SELECT base_offset, last_offset, term, idx FROM batches WHERE base_offset <= ? ORDER BY base_offset DESC LIMIT 1',
      )
      .raw(true);
    this.atIndexStmt = db
      .prepare<[number], [number, number, number]>('SELECT base_offset, last_offset, term FROM batches WHERE idx = ?')
      .raw(true);
    this.configsAfterStmt = db
      .prepare<[number], [number, Uint8Array]>(
        `SELECT idx, payload FROM batches WHERE ${IS_CONFIG_ROW} AND idx > ? ORDER BY idx DESC LIMIT 2`,
      )
      .raw(true);
    this.configAtOrBeforeStmt = db
      .prepare<[number], [number, Uint8Array]>(
        `SELECT idx, payload FROM batches WHERE ${IS_CONFIG_ROW} AND idx <= ? ORDER BY idx DESC LIMIT 1`,
      )
      .raw(true);
    // length() of a BLOB reads the cell header only, not the overflow pages (10 ms for 100 MB).
    this.bytesStmt = db.prepare<[], number>('SELECT coalesce(sum(length(payload)), 0) FROM batches').pluck();
    this.headSizesStmt = db
      .prepare<[], [number, number]>('SELECT base_offset, length(payload) FROM batches ORDER BY base_offset')
      .raw(true);
    // No index on max_ts: it made small-batch appends 50-70% slower, and this scan of the table's leaf pages
    // takes about 7 ms per 100,000 batches; timestamp lookups are rare (ListOffsets, time retention).
    this.firstByMaxTsStmt = db
      .prepare<[number], number>('SELECT base_offset FROM batches WHERE max_ts >= ? ORDER BY base_offset LIMIT 1')
      .pluck();
    // Walks the table from its end (a checkpointed log holds about one checkpoint and what followed it).
    this.checkpointRowsStmt = db
      .prepare<[number], [number, number]>(
        `SELECT base_offset, attributes FROM batches WHERE (attributes & ${String(CHECKPOINT_START | CHECKPOINT_END)}) != 0 AND last_offset < ? ORDER BY base_offset DESC`,
      )
      .raw(true);
    this.metaGetStmt = db.prepare<[string], number>('SELECT value FROM meta WHERE key = ?').pluck();
    this.metaTextStmt = db.prepare<[string]>('SELECT value FROM meta WHERE key = ?').pluck();
    this.metaSetStmt = db.prepare<[string, number | string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.countBeforeStmt = db
      .prepare<[number], [number, number]>(
        'SELECT count(*), coalesce(sum(length(payload)), 0) FROM batches WHERE base_offset < ?',
      )
      .raw(true);
    this.countFromStmt = db
      .prepare<[number], [number, number]>(
        'SELECT count(*), coalesce(sum(length(payload)), 0) FROM batches WHERE base_offset >= ?',
      )
      .raw(true);
    const deleteBeforeStmt = db.prepare<[number]>('DELETE FROM batches WHERE base_offset < ?');
    this.deleteFromStmt = db.prepare<[number]>('DELETE FROM batches WHERE base_offset >= ?');
    const deleteAll = db.prepare('DELETE FROM batches');
    const setStart = (start: StartPoint): void => {
      this.metaSetStmt.run('log_start_offset', start.offset);
      this.metaSetStmt.run('start_term', start.term);
      this.metaSetStmt.run('start_idx', start.index);
      if (start.voters !== null) this.metaSetStmt.run('snapshot_voters', start.voters);
    };
    this.deleteBeforeTx = db.transaction((offset: number, start: StartPoint) => {
      deleteBeforeStmt.run(offset);
      setStart(start);
    });
    this.resetTx = db.transaction((start: StartPoint) => {
      deleteAll.run();
      setStart(start);
    });
    this.raftTx = db.transaction((plan: RaftWritePlan) => {
      if (plan.reset !== null) {
        deleteAll.run();
        setStart(plan.reset);
      }
      if (plan.truncateFromOffset !== null) this.deleteFromStmt.run(plan.truncateFromOffset);
      insertAll(plan.rows);
      if (plan.hardState !== null) {
        this.metaSetStmt.run('raft_term', plan.hardState.term);
        this.metaSetStmt.run('raft_vote', plan.hardState.vote);
        this.metaSetStmt.run('raft_commit', plan.hardState.commit);
      }
    });
    this.setVotersTx = db.transaction((voters: string) => {
      this.metaSetStmt.run('snapshot_voters', voters);
    });
  }

  /**
   * Opens (creating if needed) `<dir>/log.db` with the pragmas the options ask for; a version 1 database is
   * migrated to the current schema first.
   */
  static open(dir: string, options: ResolvedLogOptions): LogStore {
    const file = path.join(dir, LOG_DB_FILE);
    let db: Database.Database | undefined;
    try {
      // No busy wait: the exclusive lock means any contention is a second opener of the same partition,
      // which should fail at once rather than stall the event loop.
      db = new Database(file, { timeout: 0 });
      // Exclusive locking before the first access keeps the WAL index in heap memory (no -shm file, no shared
      // memory mapping per partition) and stops a second process from opening a partition this broker owns.
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronousFor(options.flush)}`);
      db.pragma(`cache_size = -${String(options.cacheKiB)}`);
      db.pragma(`journal_size_limit = ${String(JOURNAL_SIZE_LIMIT_BYTES)}`);
      db.pragma(`wal_autocheckpoint = ${String(WAL_AUTOCHECKPOINT_PAGES)}`);
      if (options.maxPageCount !== null) db.pragma(`max_page_count = ${String(options.maxPageCount)}`);
      // Reopening a current database writes nothing.
      const version = prepareSchema(db);
      if (version !== SCHEMA_VERSION) {
        throw new LogError(
          LogErrorKind.STORAGE_ERROR,
          `${file} has schema version ${String(version)}, expected ${String(SCHEMA_VERSION)}`,
        );
      }
      return new LogStore(db);
    } catch (err) {
      db?.close();
      throw storageError(err, `opening ${file}`);
    }
  }

  /** Reads an integer from the meta table (0 when absent). */
  meta(key: MetaKey): number {
    return this.metaGetStmt.get(key) ?? 0;
  }

  /** The recorded membership as of the start index (JSON array text), or null if none was ever recorded. */
  snapshotVoters(): string | null {
    const value = this.metaTextStmt.get('snapshot_voters');
    // The meta column has integer affinity, but JSON array text never looks like a number, so it stays text.
    return typeof value === 'string' ? value : null;
  }

  /** Records the membership as of the start index. */
  setSnapshotVoters(voters: string): void {
    this.setVotersTx(voters);
  }

  /** Inserts the rows in one transaction (all or nothing). */
  insert(rows: readonly BatchRow[]): void {
    this.insertRows(rows);
  }

  /** Rows from the batch containing `fromOffset` up to (excluding) base offset `endOffset`, in order. */
  scan(fromOffset: number, endOffset: number): IterableIterator<BatchRow> {
    return this.scanStmt.iterate(fromOffset, fromOffset, endOffset);
  }

  /** Rows with Raft index in [`lo`, `hi`), in order; nothing when no row has index `lo`. */
  scanIndices(lo: number, hi: number): IterableIterator<BatchRow> {
    return this.scanIndexStmt.iterate(lo, hi);
  }

  /** Every row, last first (recovery walks back from the tail). */
  tail(): IterableIterator<BatchRow> {
    return this.tailStmt.iterate();
  }

  /** `[lastOffset, term, index]` of the last row, if any. */
  lastRow(): [number, number, number] | undefined {
    return this.lastRowStmt.get();
  }

  /** `[maxTs, payloadBytes]` of the first row, if any. */
  headRow(): [number, number] | undefined {
    return this.headRowStmt.get();
  }

  /** `[baseOffset, lastOffset, term, index]` of the row with the greatest base offset <= `offset`, if any. */
  rowAtOrBefore(offset: number): [number, number, number, number] | undefined {
    return this.containingStmt.get(offset);
  }

  /** `[baseOffset, lastOffset, term]` of the row with Raft index `index`, if any. */
  rowAtIndex(index: number): [number, number, number] | undefined {
    return this.atIndexStmt.get(index);
  }

  /** `[index, payload]` of the last two config rows with index > `afterIndex`, last first. */
  lastConfigsAfter(afterIndex: number): [number, Uint8Array][] {
    return this.configsAfterStmt.all(afterIndex);
  }

  /** `[index, payload]` of the last config row with index <= `index`, if any. */
  configAtOrBefore(index: number): [number, Uint8Array] | undefined {
    return this.configAtOrBeforeStmt.get(index);
  }

  /** Sum of payload bytes over all rows. */
  payloadBytes(): number {
    return this.bytesStmt.get() ?? 0;
  }

  /** `[baseOffset, payloadBytes]` of every row from the head. */
  headSizes(): IterableIterator<[number, number]> {
    return this.headSizesStmt.iterate();
  }

  /** Base offset of the first row (in offset order) whose max timestamp is >= `timestampMs`. */
  firstWithMaxTsAtLeast(timestampMs: number): number | null {
    return this.firstByMaxTsStmt.get(timestampMs) ?? null;
  }

  /** `[baseOffset, attributes]` of the checkpoint-marked rows ending below `endOffset`, last first. */
  checkpointRows(endOffset: number): IterableIterator<[number, number]> {
    return this.checkpointRowsStmt.iterate(endOffset);
  }

  /** What {@link deleteBefore} would remove. */
  countBefore(offset: number): Removed {
    const [batches, bytes] = this.countBeforeStmt.get(offset) ?? [0, 0];
    return { batches, bytes };
  }

  /** What {@link deleteFrom} would remove. */
  countFrom(offset: number): Removed {
    const [batches, bytes] = this.countFromStmt.get(offset) ?? [0, 0];
    return { batches, bytes };
  }

  /** Deletes rows with base offset < `offset` and records `start` (whose offset is `offset`), atomically. */
  deleteBefore(offset: number, start: StartPoint): void {
    this.deleteBeforeTx(offset, start);
  }

  /** Deletes rows with base offset >= `offset`. */
  deleteFrom(offset: number): void {
    this.deleteFromStmt.run(offset);
  }

  /** Deletes every row and records a new start, atomically. */
  reset(start: StartPoint): void {
    this.resetTx(start);
  }

  /** Applies a Raft write (reset, truncation, rows, hard state, in that order) in one transaction. */
  writeRaft(plan: RaftWritePlan): void {
    this.raftTx(plan);
  }

  /** The Raft hard state recorded in meta. */
  hardState(): HardState {
    return { term: this.meta('raft_term'), vote: this.meta('raft_vote'), commit: this.meta('raft_commit') };
  }

  /**
   * PASSIVE WAL checkpoint. Under synchronous=NORMAL or FULL SQLite fsyncs the WAL before copying it into the
   * database and fsyncs the database after, so every commit so far is durable when this returns.
   */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** Closes the database (SQLite checkpoints the WAL and removes it on a clean close). */
  close(): void {
    this.db.close();
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
