import fs from 'node:fs';
import path from 'node:path';
import { TOPIC_NAME } from '../../protocol/messages.js';
import { LogError, LogErrorKind } from './log-error.js';
import type { FlushPolicy, LogOptions } from './log-options.js';
import { PartitionLog } from './partition-log.js';
import { migrateLegacyLog, LEGACY_LOG_FILE } from './migrate-v2.js';
import { Shard, type ShardOptions } from './shard.js';
import { DirectoryLock } from './directory-lock.js';
import { storageError } from './log-store.js';

/** Options of a {@link LogManager}. */
export interface LogManagerOptions {
  /** Directory that holds the shards (`shard-<n>.db`). */
  dataDir: string;
  /** Durability of commits, for every shard. */
  flush: FlushPolicy;
  /**
   * Shards new partition logs are spread over (by a stable hash of their name). Shards already in the data directory
   * stay in use whatever this says, and a log stays in the shard that holds it. Default 1.
   */
  shards?: number;
  /** Storage quota per shard, in database pages (see {@link ShardOptions.maxPageCount}). Default: none. */
  maxPageCount?: number;
  /** Told of failed background checkpoints (see {@link ShardOptions.warn}). */
  warn?: (fields: Record<string, unknown>, message: string) => void;
}

/** A partition log with the partition it belongs to. */
export interface PartitionLogEntry {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
}

/** A partition on which a pass over every log failed; the pass went on with the others. */
export interface PartitionFailure {
  readonly topic: string;
  readonly partition: number;
  readonly error: LogError;
}

/** Outcome of {@link LogManager.retentionPass}. */
export interface RetentionPassResult {
  deletedBatches: number;
  failures: PartitionFailure[];
}

/** Gives the highest offset retention may reach in a partition (its high watermark), or undefined for no bound. */
export type RetentionBound = (topic: string, partition: number) => number | undefined;

/**
 * The partition logs of one broker, kept in storage shards (shard.ts): `shard-0.db` ... `shard-<n-1>.db` in the data
 * directory, each one SQLite database holding many logs, so open files do not grow with the partition count. It opens
 * only the logs it is asked to (the broker knows its partitions from the topic metadata). On start, the logs of an
 * older release (one `<topic>-<n>/log.db` per partition) are moved into the shards (migrate-v2.ts).
 */
export class LogManager {
  private readonly dataDir: string;
  private readonly shards: Shard[] = [];
  private readonly entries = new Map<string, PartitionLogEntry>();
  /** The shard holding each stored log, by name. */
  private readonly homes = new Map<string, Shard>();
  /** Shards new logs are placed on: the first `shards` of the options. */
  private readonly placeable: number;
  private closed = false;
  private readonly lock: DirectoryLock;

  constructor(options: LogManagerOptions) {
    const count = options.shards ?? 1;
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new LogError(LogErrorKind.INVALID_ARGUMENT, `shards must be >= 1, got ${String(count)}`);
    }
    this.dataDir = options.dataDir;
    try {
      fs.mkdirSync(this.dataDir, { recursive: true });
    } catch (err) {
      throw storageError(err, `creating ${this.dataDir}`);
    }
    this.lock = DirectoryLock.take(this.dataDir);
    const shardOptions: ShardOptions = {
      flush: options.flush,
      maxPageCount: options.maxPageCount ?? null,
      ...(options.warn === undefined ? {} : { warn: options.warn }),
    };
    const found = fs.readdirSync(this.dataDir).flatMap((file) => {
      const match = SHARD_FILE.exec(file);
      return match === null ? [] : [Number(match[1])];
    });
    const total = Math.max(count, ...found.map((n) => n + 1));
    this.placeable = count;
    try {
      for (let n = 0; n < total; n++) {
        const shard = Shard.open(path.join(this.dataDir, `shard-${String(n)}.db`), shardOptions);
        this.shards.push(shard);
        for (const name of shard.names()) this.homes.set(name, shard);
      }
      this.migrateLegacyLogs();
    } catch (err) {
      // Nothing was written through these shards yet; their closing finishes in the background.
      for (const shard of this.shards) void shard.close().catch(() => undefined);
      this.lock.release();
      throw err;
    }
  }

  /** Number of shards (open databases). */
  get shardCount(): number {
    return this.shards.length;
  }

  /** The names (`<topic>-<n>`) of every log the shards hold, open or not. */
  storedNames(): string[] {
    return [...this.homes.keys()];
  }

  /** Whether the shards hold a log for the partition. */
  has(topic: string, partition: number): boolean {
    return this.homes.has(logName(topic, partition));
  }

  /**
   * Opens (creating if needed) the log of a partition, or returns it if already open; the options of the first open
   * stay in force until the log is closed. Throws a {@link LogError}.
   */
  open(topic: string, partition: number, options: LogOptions): PartitionLog {
    const name = logName(topic, partition);
    const existing = this.entries.get(name);
    if (existing !== undefined) return existing.log;
    const shard = this.homes.get(name) ?? this.placeFor(name);
    // A log closed by its owner (its partition closing) leaves the open logs.
    const log = PartitionLog.open(shard, name, options, () => {
      if (this.entries.get(name)?.log === log) this.entries.delete(name);
    });
    this.homes.set(name, shard);
    this.entries.set(name, { topic, partition, log });
    return log;
  }

  /** The open log of a partition, if any. */
  get(topic: string, partition: number): PartitionLog | undefined {
    return this.entries.get(logName(topic, partition))?.log;
  }

  /** Closes a partition's log (if open) and deletes it from its shard. */
  async drop(topic: string, partition: number): Promise<void> {
    const name = logName(topic, partition);
    const entry = this.entries.get(name);
    this.entries.delete(name);
    await entry?.log.close();
    this.homes.get(name)?.drop(name);
    this.homes.delete(name);
  }

  /**
   * Deletes the stored log of a partition that is not open (a fresh replica starting over, or one this broker no
   * longer hosts). Throws INVALID_ARGUMENT when the log is open: close it with {@link drop}.
   */
  discard(topic: string, partition: number): void {
    const name = logName(topic, partition);
    if (this.entries.has(name)) {
      throw new LogError(LogErrorKind.INVALID_ARGUMENT, `log ${name} is open`);
    }
    this.homes.get(name)?.drop(name);
    this.homes.delete(name);
  }

  /** Every open log. */
  list(): PartitionLogEntry[] {
    return [...this.entries.values()];
  }

  /**
   * Commits every open log's queued appends, then checkpoints every shard written since its last checkpoint (see
   * {@link Shard.sync}).
   */
  syncAll(): PartitionFailure[] {
    const failures: PartitionFailure[] = [];
    for (const entry of this.list()) {
      try {
        entry.log.sync();
      } catch (err) {
        failures.push(failure(entry, err, 'syncing'));
      }
    }
    return failures;
  }

  /**
   * {@link PartitionLog.applyRetention} on every log; `boundOf` gives each partition's high watermark so
   * retention never removes uncommitted batches. Logs with nothing due touch no database.
   */
  retentionPass(nowMs: number, boundOf?: RetentionBound): RetentionPassResult {
    const result: RetentionPassResult = { deletedBatches: 0, failures: [] };
    for (const entry of this.list()) {
      try {
        result.deletedBatches += entry.log.applyRetention(nowMs, boundOf?.(entry.topic, entry.partition));
      } catch (err) {
        result.failures.push(failure(entry, err, 'applying retention to'));
      }
    }
    return result;
  }

  /** Closes every log (committing queued appends first), then the shards. Idempotent. */
  async closeAll(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const results = await Promise.allSettled(this.list().map((entry) => entry.log.close()));
    this.entries.clear();
    results.push(...(await Promise.allSettled(this.shards.map((shard) => shard.close()))));
    this.lock.release();
    const rejected = results.find((r) => r.status === 'rejected');
    if (rejected !== undefined) throw storageError(rejected.reason, 'closing partition logs');
  }

  /** The shard a new log goes to: a stable hash of its name over the placeable shards. */
  private placeFor(name: string): Shard {
    const shard = this.shards[stableHash(name) % this.placeable];
    if (shard === undefined) throw new LogError(LogErrorKind.STORAGE_ERROR, `no shard for ${name}`);
    return shard;
  }

  /** Moves the per-partition databases of an older release (`<topic>-<n>/log.db`) into the shards. */
  private migrateLegacyLogs(): void {
    for (const entry of fs.readdirSync(this.dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !PARTITION_DIR.test(entry.name)) continue;
      const dir = path.join(this.dataDir, entry.name);
      if (!fs.existsSync(path.join(dir, LEGACY_LOG_FILE))) continue;
      const shard = this.homes.get(entry.name) ?? this.placeFor(entry.name);
      migrateLegacyLog(shard, dir, entry.name);
      this.homes.set(entry.name, shard);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The name of a partition's log in its shard: `<topic>-<partition>`; the topic name is checked again here. */
export function logName(topic: string, partition: number): string {
  if (!TOPIC_NAME.test(topic)) {
    throw new LogError(LogErrorKind.INVALID_ARGUMENT, `invalid topic name ${JSON.stringify(topic)}`);
  }
  if (!Number.isSafeInteger(partition) || partition < 0) {
    throw new LogError(LogErrorKind.INVALID_ARGUMENT, `invalid partition ${String(partition)}`);
  }
  return `${topic}-${String(partition)}`;
}

/** The topic and partition of a log name made by {@link logName}, or null for another name. */
export function parseLogName(name: string): { topic: string; partition: number } | null {
  const match = PARTITION_DIR.exec(name);
  const topic = match?.[1];
  return topic === undefined ? null : { topic, partition: Number(match?.[2]) };
}

/** A shard's file name. */
const SHARD_FILE = /^shard-(\d+)\.db$/;

/** A log's name, as its directory was called in the per-partition layout. */
const PARTITION_DIR = /^(.+)-(\d+)$/;

/** FNV-1a over the UTF-16 code units of `text`: the same on every start and every machine. */
function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function failure(entry: PartitionLogEntry, err: unknown, action: string): PartitionFailure {
  return {
    topic: entry.topic,
    partition: entry.partition,
    error: storageError(err, `${action} ${entry.topic}-${String(entry.partition)}`),
  };
}
