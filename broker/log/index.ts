/** The partition logs: record batches in storage shards, SQLite databases that each hold many partition replicas. */
export type { AppendResult } from './append-queue.js';
export { batchCrc, type BatchToAppend, type StoredBatch } from './batch.js';
export { decodeBatchEntry, encodeBatchEntry } from './batch-entry.js';
export { CONTROL_BATCH, CONTROL_CONFIG, CONTROL_MASK } from './control.js';
export { isLogError, LogError, LogErrorKind } from './log-error.js';
export {
  LogManager,
  logName,
  parseLogName,
  type LogManagerOptions,
  type PartitionFailure,
  type PartitionLogEntry,
  type RetentionBound,
  type RetentionPassResult,
} from './log-manager.js';
export { FlushPolicy, type LogOptions, type ResolvedLogOptions } from './log-options.js';
export {
  PartitionLog,
  type ConfigRow,
  type IndexedBatch,
  type IndexedRow,
  type LogStats,
  type RaftAppend,
  type RaftStart,
  type RaftWrite,
} from './partition-log.js';
export {
  DEFAULT_ENTRY_CACHE_BYTES,
  DEFAULT_ENTRY_CACHE_ENTRIES,
  RaftLogStorage,
  type PersistedRange,
  type RaftLogStorageOptions,
} from './raft-log-storage.js';
export type { RecoveryReport } from './recovery.js';
export { Shard, type ShardOptions } from './shard.js';
