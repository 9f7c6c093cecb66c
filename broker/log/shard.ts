/**
 * A storage shard: one SQLite database (WAL) holding the logs of many partition replicas, so open files and
 * statements are bounded by the number of shards, not of partitions. A shard names each log (`<topic>-<n>`, or any
 * name for a log kept alone) and hands out its {@link LogStore}.
 */
import Database from 'better-sqlite3';
import { LogError, LogErrorKind } from './log-error.js';
import { synchronousFor, type FlushPolicy } from './log-options.js';
import { LogStore, storageError } from './log-store.js';
import { COPY_LEGACY_BATCHES, COPY_LEGACY_META, SHARD_SCHEMA_VERSION, prepareShardSchema } from './shard-schema.js';
import { migrateShardV3, reencodeV3Rows } from './migrate-v3.js';
import { prepareStatements, type ShardStatements } from './shard-statements.js';
import { ShardWriter } from './shard-writer.js';
import * as writes from './shard-writes.js';
import { WRITE_STATEMENTS } from './shard-writes.js';
import { Checkpointer } from './checkpointer.js';

/** How a shard's database is opened. */
export interface ShardOptions {
  /** Durability of commits (SQLite `synchronous`). */
  readonly flush: FlushPolicy;
  /** SQLite page cache, in KiB. Default {@link DEFAULT_SHARD_CACHE_KIB}. */
  readonly cacheKiB?: number;
  /**
   * Storage quota: the most database pages this shard may grow to (SQLite `max_page_count`). An append past it fails
   * with STORAGE_FULL as a full disk does. Default: none.
   */
  readonly maxPageCount?: number | null;
  /** Told when a checkpoint fails (the data stays in the WAL, and the next checkpoint tries again). */
  readonly warn?: (fields: Record<string, unknown>, message: string) => void;
}

/**
 * Default page cache of a shard: 4 MiB. Reads of recent data are served from the OS page cache anyway; at 16 MiB a
 * broker grew 65 MiB of RSS under 200 MB of produce to one partition (slow-consumer-memory.test.ts bounds it at 64).
 */
export const DEFAULT_SHARD_CACHE_KIB = 4 * 1024;

/**
 * Page size of a new shard. bench/storage-layout.ts (64 and 1,000 partitions, one 10-record batch each per
 * transaction, on a busy machine) appended 16 KiB records 1.7-5x faster at 16 KiB pages than at 4 KiB; 100 B and
 * 1 KiB records were within the noise of each other.
 */
export const SHARD_PAGE_BYTES = 16 * 1024;

// A WAL that once grew large is cut back to this size when it restarts after a checkpoint.
const JOURNAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Payload bytes written after which the shard asks its checkpointer for a checkpoint by itself (SQLite's own automatic
 * checkpoint is off: it would run on the writer's connection, on the event loop). 16 MiB, as the per-partition
 * databases had: a smaller WAL checkpoints, and fsyncs, more often. Under flush 'interval' the flush timer also asks.
 */
export const CHECKPOINT_AFTER_BYTES = 16 * 1024 * 1024;

/** One shard database and the logs named in it. */
export class Shard {
  private readonly parts = new Map<string, number>();
  /** Something was written since the last checkpoint request. */
  private unsynced = false;
  /** Payload bytes written since the last checkpoint request. */
  private unsyncedBytes = 0;
  private closing: Promise<void> | null = null;
  /** The `part` the next new log gets. */
  private nextPart: number;

  private constructor(
    /** The database file. */
    readonly file: string,
    /** The network thread's connection: reads only (and the upgrade's copy of legacy logs, before any write). */
    private readonly db: Database.Database,
    private readonly sql: ShardStatements,
    /** Runs every write, on its own thread. */
    private readonly writer: ShardWriter,
    private readonly checkpointer: Checkpointer,
  ) {
    for (const [part, name] of sql.partitions.all()) this.parts.set(name, part);
    this.nextPart = (sql.maxPart.get() ?? 0) + 1;
  }

  /**
   * Opens (creating if needed) the shard database `file` and starts its checkpointer thread. Only one process may use
   * a shard: whoever opens it must hold the lock of its directory (see directory-lock.ts).
   */
  static open(file: string, options: ShardOptions): Shard {
    const cacheKiB = options.cacheKiB ?? DEFAULT_SHARD_CACHE_KIB;
    const maxPageCount = options.maxPageCount ?? null;
    if (!Number.isSafeInteger(cacheKiB) || cacheKiB < 1) {
      throw new LogError(LogErrorKind.INVALID_ARGUMENT, `cacheKiB must be a positive integer, got ${String(cacheKiB)}`);
    }
    if (maxPageCount !== null && (!Number.isSafeInteger(maxPageCount) || maxPageCount < 1)) {
      throw new LogError(
        LogErrorKind.INVALID_ARGUMENT,
        `maxPageCount must be a positive integer, got ${String(maxPageCount)}`,
      );
    }
    const synchronous = synchronousFor(options.flush);
    let db: Database.Database | undefined;
    try {
      // Only the checkpointer shares the database, and a PASSIVE checkpoint takes no lock a writer waits for; a short
      // busy timeout covers the brief moments SQLite itself retries (the WAL index being rewritten), rather than
      // failing an append for them. A second broker is kept out by the directory's lock, not here.
      db = new Database(file, { timeout: 100 });
      db.pragma(`page_size = ${String(SHARD_PAGE_BYTES)}`);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma(`cache_size = -${String(cacheKiB)}`);
      db.pragma(`journal_size_limit = ${String(JOURNAL_SIZE_LIMIT_BYTES)}`);
      db.pragma('wal_autocheckpoint = 0');
      if (maxPageCount !== null) db.pragma(`max_page_count = ${String(maxPageCount)}`);
      let version = prepareShardSchema(db);
      if (version === 3) {
        migrateShardV3(db);
        version = SHARD_SCHEMA_VERSION;
      }
      if (version !== SHARD_SCHEMA_VERSION) {
        throw new LogError(
          LogErrorKind.STORAGE_ERROR,
          `${file} has schema version ${String(version)}, expected ${String(SHARD_SCHEMA_VERSION)}`,
        );
      }
      const sql = prepareStatements(db);
      // The writer's connection is the one that appends to the WAL and restarts it (journal_size_limit).
      const pragmas = [
        `synchronous = ${synchronous}`,
        `cache_size = -${String(cacheKiB)}`,
        `journal_size_limit = ${String(JOURNAL_SIZE_LIMIT_BYTES)}`,
        'wal_autocheckpoint = 0',
      ];
      if (maxPageCount !== null) pragmas.push(`max_page_count = ${String(maxPageCount)}`);
      const writer = ShardWriter.start({ file, pragmas, statements: WRITE_STATEMENTS });
      const warn = options.warn;
      const checkpointer = new Checkpointer({ file, synchronous }, (message) => {
        warn?.({ shard: file, error: message }, 'WAL checkpoint failed');
      });
      return new Shard(file, db, sql, writer, checkpointer);
    } catch (err) {
      db?.close();
      throw storageError(err, `opening ${file}`);
    }
  }

  /** The names of the logs this shard holds. */
  names(): string[] {
    return [...this.parts.keys()];
  }

  /** Whether the shard holds a log called `name`. */
  has(name: string): boolean {
    return this.parts.has(name);
  }

  /** The store of the log called `name`, created (empty) if the shard has none. */
  partition(name: string): LogStore {
    let part = this.parts.get(name);
    if (part === undefined) {
      part = this.nextPart;
      this.writer.runSync(writes.addPartition(part, name), `adding ${name} to ${this.file}`);
      this.nextPart++;
      this.parts.set(name, part);
    }
    return new LogStore(this.sql, this.writer, part, name);
  }

  /**
   * Adds the log `name` with the batches and meta values of the per-partition database `file` (schema v2), all in one
   * transaction: after a crash the shard holds all of it or none of it (see migrate-v2.ts).
   */
  importLegacyLog(name: string, file: string): void {
    if (this.parts.has(name)) throw new LogError(LogErrorKind.STORAGE_ERROR, `${this.file} already holds ${name}`);
    let part: number;
    try {
      // ATTACH cannot run inside a transaction; the copy runs in one between ATTACH and DETACH.
      this.db.prepare('ATTACH DATABASE ? AS legacy').run(file);
      try {
        const added = this.nextPart;
        this.db.transaction(() => {
          for (const [statement, ...params] of writes.addPartition(added, name)) {
            this.db.prepare(WRITE_STATEMENTS[statement as keyof typeof WRITE_STATEMENTS]).run(...params);
          }
          this.db.prepare(COPY_LEGACY_BATCHES).run(added);
          reencodeV3Rows(this.db, added, name);
          this.db.prepare(COPY_LEGACY_META).run(added);
        })();
        part = added;
        this.nextPart++;
      } finally {
        this.db.exec('DETACH DATABASE legacy');
      }
    } catch (err) {
      throw storageError(err, `moving ${file} into ${this.file}`);
    }
    this.parts.set(name, part);
    this.unsynced = true;
  }

  /** Removes the log called `name` (its batches and meta values), if the shard holds it. */
  drop(name: string): void {
    const part = this.parts.get(name);
    if (part === undefined) return;
    this.writer.runSync(writes.dropPartition(part), `removing ${name} from ${this.file}`);
    this.parts.delete(name);
    this.unsynced = true;
  }

  /**
   * Notes a committed write of `bytes` payload bytes, so the next {@link sync} checkpoints; past
   * {@link CHECKPOINT_AFTER_BYTES} since the last checkpoint, asks for one at once.
   */
  wrote(bytes = 0): void {
    this.unsynced = true;
    this.unsyncedBytes += bytes;
    if (this.unsyncedBytes >= CHECKPOINT_AFTER_BYTES) this.sync();
  }

  /**
   * Asks the checkpointer thread for a PASSIVE WAL checkpoint, which under synchronous NORMAL or FULL fsyncs the WAL
   * before copying it and the database after, and returns at once: the network thread never waits for it. Does
   * nothing when nothing was written since the last request.
   */
  sync(): void {
    if (!this.unsynced || this.closing !== null) return;
    this.unsynced = false;
    this.unsyncedBytes = 0;
    this.checkpointer.request();
  }

  /** Checkpoints finished by the checkpointer thread so far. */
  get checkpoints(): number {
    return this.checkpointer.completed;
  }

  /**
   * Closes the shard's connection, then stops the checkpointer thread, whose connection is the last one: SQLite
   * checkpoints the WAL and removes it as that one closes. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.writer.close();
        this.db.close();
      } catch (err) {
        await this.checkpointer.close();
        throw storageError(err, `closing ${this.file}`);
      }
      await this.checkpointer.close();
    })();
    return this.closing;
  }
}
