import { LogError, LogErrorKind } from './log-error.js';

/** How hard a commit is pushed to disk. Each value maps to a SQLite `synchronous` setting. */
export const FlushPolicy = {
  /**
   * `synchronous=FULL`: the WAL is fsynced at every group commit. A resolved append survives a power loss or
   * an OS crash. Costs one fsync per commit (160 us on an idle disk, milliseconds on a busy one), shared by
   * the batches of one event-loop turn.
   */
  ALWAYS: 'always',
  /**
   * `synchronous=NORMAL`: a commit is written to the WAL but not fsynced, so it survives a process crash or
   * `kill -9` (the data sits in the OS page cache) but commits since the last {@link PartitionLog.sync} can be
   * lost on power loss or an OS crash. The broker calls `sync()` on a timer to bound that window (SQLite's
   * automatic checkpoint, every 16 MiB of WAL, also fsyncs). The database itself stays consistent: SQLite
   * checksums WAL frames and drops a torn tail on recovery.
   */
  INTERVAL: 'interval',
  /**
   * `synchronous=OFF`: SQLite never fsyncs, not even at checkpoints. Survives a process crash; a power loss
   * or OS crash can lose recent commits and, in the worst case, corrupt the database file. Use for
   * benchmarks, tests, or data that a Raft majority can restore.
   */
  NEVER: 'never',
} as const;
export type FlushPolicy = (typeof FlushPolicy)[keyof typeof FlushPolicy];

/** Options of one partition log (how its shard's database is opened is the shard's: see ShardOptions). */
export interface LogOptions {
  /** Batches whose max timestamp is older than this many milliseconds are deleted from the head; -1 = unlimited. */
  retentionMs: number;
  /** Head batches are deleted while the log would still hold at least this many payload bytes; -1 = unlimited. */
  retentionBytes: number;
  /**
   * Checkpoint cleanup instead of time and size retention: everything before the latest complete checkpoint (see
   * CHECKPOINT_START in control.ts) is deleted, whatever its age, and nothing from it on. For logs whose writer
   * checkpoints its whole state (`__offsets`). Default false.
   */
  checkpointCleanup?: boolean;
}

/** The options after defaults are applied and values checked. */
export interface ResolvedLogOptions {
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly checkpointCleanup: boolean;
}

const SYNCHRONOUS_BY_FLUSH = { always: 'FULL', interval: 'NORMAL', never: 'OFF' } as const satisfies Record<
  FlushPolicy,
  string
>;

/** The SQLite `synchronous` setting for a flush policy; throws INVALID_ARGUMENT for anything else. */
export function synchronousFor(flush: FlushPolicy): 'FULL' | 'NORMAL' | 'OFF' {
  if (!Object.hasOwn(SYNCHRONOUS_BY_FLUSH, flush)) {
    throw invalid(`flush must be 'always', 'interval' or 'never', got ${JSON.stringify(flush)}`);
  }
  return SYNCHRONOUS_BY_FLUSH[flush];
}

/** Checks the options and applies defaults; returns a frozen copy (the caller's object is not touched). */
export function resolveLogOptions(options: LogOptions): ResolvedLogOptions {
  checkLimit('retentionMs', options.retentionMs);
  checkLimit('retentionBytes', options.retentionBytes);
  return Object.freeze({
    retentionMs: options.retentionMs,
    retentionBytes: options.retentionBytes,
    checkpointCleanup: options.checkpointCleanup ?? false,
  });
}

function checkLimit(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < -1) {
    throw invalid(`${name} must be an integer >= 0, or -1 for unlimited, got ${String(value)}`);
  }
}

function invalid(message: string): LogError {
  return new LogError(LogErrorKind.INVALID_ARGUMENT, message);
}
