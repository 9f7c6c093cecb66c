/** The partition log: record batches in one SQLite database per partition replica. */
export type { AppendResult } from './append-queue.js';
export { recordsCrc, type BatchToAppend, type StoredBatch } from './batch.js';
export { isLogError, LogError, LogErrorKind } from './log-error.js';
export {
  DEFAULT_MAX_OPEN_HANDLES,
  LogManager,
  partitionDir,
  type LogManagerOptions,
  type PartitionFailure,
  type PartitionLogEntry,
  type RetentionBound,
  type RetentionPassResult,
} from './log-manager.js';
export { DEFAULT_CACHE_KIB, FlushPolicy, type LogOptions, type ResolvedLogOptions } from './log-options.js';
export { PartitionLog, type HandleTracker, type LogStats } from './partition-log.js';
export type { RecoveryReport } from './recovery.js';
