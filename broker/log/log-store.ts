import path from 'node:path';
import Database from 'better-sqlite3';
import { LogError, LogErrorKind } from './log-error.js';
import { synchronousFor, type ResolvedLogOptions } from './log-options.js';

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
];

/** What a delete removed. */
export interface Removed {
  batches: number;
  bytes: number;
}

const SCHEMA_VERSION = 1;

// Created in one transaction, so a crash mid-creation leaves either nothing or the whole schema.
// A rowid table, not WITHOUT ROWID: payloads (10 KB for 100 records of 100 bytes) spill to overflow pages,
// which WITHOUT ROWID tables handle badly; measured 1.5x slower appends and no faster scans.
const SCHEMA = `
BEGIN;
CREATE TABLE batches (
  base_offset INTEGER PRIMARY KEY,
  last_offset INTEGER NOT NULL,
  term INTEGER NOT NULL,
  count INTEGER NOT NULL,
  first_ts INTEGER NOT NULL,
  max_ts INTEGER NOT NULL,
  crc32c INTEGER NOT NULL,
  producer_id INTEGER NOT NULL,
  producer_epoch INTEGER NOT NULL,
  base_sequence INTEGER NOT NULL,
  attributes INTEGER NOT NULL,
  payload BLOB NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER);
INSERT INTO meta (key, value) VALUES
  ('schema_version', ${String(SCHEMA_VERSION)}), ('log_start_offset', 0), ('start_term', 0);
COMMIT;
`;

const COLUMNS =
  'base_offset, last_offset, term, count, first_ts, max_ts, crc32c, producer_id, producer_epoch, ' +
  'base_sequence, attributes, payload';

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
 * nothing about offsets; {@link PartitionLog} does.
 */
export class LogStore {
  private readonly insertRows: (rows: readonly BatchRow[]) => void;
  private readonly scanStmt;
  private readonly tailStmt;
  private readonly lastRowStmt;
  private readonly headRowStmt;
  private readonly containingStmt;
  private readonly bytesStmt;
  private readonly headSizesStmt;
  private readonly firstByMaxTsStmt;
  private readonly metaGetStmt;
  private readonly metaSetStmt;
  private readonly countBeforeStmt;
  private readonly countFromStmt;
  private readonly deleteBeforeStmt;
  private readonly deleteFromStmt;
  private readonly deleteBeforeTx: (offset: number, startTerm: number) => void;
  private readonly resetTx: (startOffset: number, startTerm: number) => void;

  private constructor(private readonly db: Database.Database) {
    const insert = db.prepare<[BatchRow]>(`INSERT INTO batches (${COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`);
    this.insertRows = db.transaction((rows: readonly BatchRow[]) => {
      for (const row of rows) insert.run(row);
    });
    // Starts at the batch containing `from` (the last base_offset <= from) so a fetch from the middle of a
    // batch gets that batch; the rowid seek keeps it O(log n).
    this.scanStmt = db
      .prepare<[number, number, number], BatchRow>(
        `SELECT ${COLUMNS} FROM batches WHERE base_offset >= coalesce(
           (SELECT base_offset FROM batches WHERE base_offset <= ? ORDER BY base_offset DESC LIMIT 1), ?)
         AND base_offset < ? ORDER BY base_offset`,
      )
      .raw(true);
    this.tailStmt = db.prepare<[], BatchRow>(`SELECT ${COLUMNS} FROM batches ORDER BY base_offset DESC`).raw(true);
    this.lastRowStmt = db
      .prepare<[], [number, number]>('SELECT last_offset, term FROM batches ORDER BY base_offset DESC LIMIT 1')
      .raw(true);
    this.headRowStmt = db
      .prepare<[], [number, number]>('SELECT max_ts, length(payload) FROM batches ORDER BY base_offset LIMIT 1')
      .raw(true);
    this.containingStmt = db
      .prepare<[number], [number, number, number]>(
        'SELECT base_offset, last_offset, term FROM batches WHERE base_offset <= ? ORDER BY base_offset DESC LIMIT 1',
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
    this.metaGetStmt = db.prepare<[string], number>('SELECT value FROM meta WHERE key = ?').pluck();
    this.metaSetStmt = db.prepare<[string, number]>(
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
    this.deleteBeforeStmt = db.prepare<[number]>('DELETE FROM batches WHERE base_offset < ?');
    this.deleteFromStmt = db.prepare<[number]>('DELETE FROM batches WHERE base_offset >= ?');
    this.deleteBeforeTx = db.transaction((offset: number, startTerm: number) => {
      this.deleteBeforeStmt.run(offset);
      this.metaSetStmt.run('log_start_offset', offset);
      this.metaSetStmt.run('start_term', startTerm);
    });
    const deleteAll = db.prepare('DELETE FROM batches');
    this.resetTx = db.transaction((startOffset: number, startTerm: number) => {
      deleteAll.run();
      this.metaSetStmt.run('log_start_offset', startOffset);
      this.metaSetStmt.run('start_term', startTerm);
    });
  }

  /** Opens (creating if needed) `<dir>/log.db` with the pragmas the options ask for. */
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
      // Checked first so that reopening an existing log writes nothing.
      const created = db.prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE name = 'meta'").pluck().get();
      if (created === 0) db.exec(SCHEMA);
      const store = new LogStore(db);
      const version = store.meta('schema_version');
      if (version !== SCHEMA_VERSION) {
        throw new LogError(
          LogErrorKind.STORAGE_ERROR,
          `${file} has schema version ${String(version)}, expected ${String(SCHEMA_VERSION)}`,
        );
      }
      return store;
    } catch (err) {
      db?.close();
      throw storageError(err, `opening ${file}`);
    }
  }

  /** Reads an integer from the meta table. */
  meta(key: 'schema_version' | 'log_start_offset' | 'start_term'): number {
    return this.metaGetStmt.get(key) ?? 0;
  }

  /** Inserts the rows in one transaction (all or nothing). */
  insert(rows: readonly BatchRow[]): void {
    this.insertRows(rows);
  }

  /** Rows from the batch containing `fromOffset` up to (excluding) base offset `endOffset`, in order. */
  scan(fromOffset: number, endOffset: number): IterableIterator<BatchRow> {
    return this.scanStmt.iterate(fromOffset, fromOffset, endOffset);
  }

  /** Every row, last first (recovery walks back from the tail). */
  tail(): IterableIterator<BatchRow> {
    return this.tailStmt.iterate();
  }

  /** `[lastOffset, term]` of the last row, if any. */
  lastRow(): [number, number] | undefined {
    return this.lastRowStmt.get();
  }

  /** `[maxTs, payloadBytes]` of the first row, if any. */
  headRow(): [number, number] | undefined {
    return this.headRowStmt.get();
  }

  /** `[baseOffset, lastOffset, term]` of the row with the greatest base offset <= `offset`, if any. */
  rowAtOrBefore(offset: number): [number, number, number] | undefined {
    return this.containingStmt.get(offset);
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

  /**
   * Deletes rows with base offset < `offset` and makes `offset` the log start, with `startTerm` the term
   * before it, atomically.
   */
  deleteBefore(offset: number, startTerm: number): void {
    this.deleteBeforeTx(offset, startTerm);
  }

  /** Deletes rows with base offset >= `offset`. */
  deleteFrom(offset: number): void {
    this.deleteFromStmt.run(offset);
  }

  /** Deletes every row and records a new log start, atomically. */
  reset(startOffset: number, startTerm: number): void {
    this.resetTx(startOffset, startTerm);
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
