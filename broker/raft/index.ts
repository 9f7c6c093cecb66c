/**
 * Brook's pure Raft core. A driver (broker/cluster) owns timers, sockets and storage and feeds one
 * {@link RaftNode} per group replica: `tick()`, `step(message)`, `propose(...)`, then `ready()` ->
 * persist, send, apply -> `advance()`.
 */
export { RaftNode } from './node.js';
export type { FollowerStatus, RaftStatus, Ready, SoftState } from './node.js';
export type { RaftOptions } from './raft.js';
export { Role } from './role.js';
export { ProposeRejection } from './leader.js';
export type { ProposeResult } from './leader.js';
export { ConfigChangeType, EntryType, MessageType, NO_NODE, entrySizeBytes } from './messages.js';
export type {
  AppendMessage,
  AppendResponseMessage,
  Config,
  ConfigChange,
  Entry,
  HardState,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  NodeId,
  SnapshotMessage,
  SnapshotMeta,
  TimeoutNowMessage,
  VoteMessage,
  VoteResponseMessage,
} from './messages.js';
export { applyConfigChange, applyConfigEntry, decodeConfigEntry, encodeConfigEntry, makeConfig } from './membership.js';
export type { ConfigEntryData } from './membership.js';
export type { InitialState, RaftStorage } from './storage.js';
export { MemoryStorage } from './memory-storage.js';
export { Mulberry32, createRng } from './rng.js';
export type { Rng } from './rng.js';
export { ProgressState } from './progress.js';
