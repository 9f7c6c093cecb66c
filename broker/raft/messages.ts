/**
 * Raft wire types: entries, hard state, snapshot metadata and the messages peers exchange.
 *
 * Everything here is a plain object of numbers, strings, booleans, arrays and `Uint8Array`, so msgpack
 * encodes it as it is. A message carries no group id: the driver that multiplexes many groups over one
 * peer connection wraps each message in its own envelope.
 */

/** A replica's id. Positive integers; {@link NO_NODE} (0) means "nobody". */
export type NodeId = number;

/** "No node": an empty vote, an unknown leader. */
export const NO_NODE: NodeId = 0;

/** Kinds of log entry. */
export const EntryType = {
  /** Application data (a record batch). */
  Normal: 'normal',
  /** A membership change: data is a {@link ConfigChange} and the resulting config (membership.ts). */
  Config: 'config',
  /** Empty entry a new leader appends so that it can commit entries of earlier terms (Raft §5.4.2, §8). */
  Noop: 'noop',
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** One Raft log entry. Treat as immutable once created: logs and messages share entry objects. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  /** Opaque to Raft except for config entries. */
  readonly data: Uint8Array;
}

/** What must be on stable storage before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  /** Who this replica voted for in `term`, or {@link NO_NODE}. */
  readonly vote: NodeId;
  /** Highest index known committed. Persisting it is an optimisation (restart applies less again). */
  readonly commit: number;
}

/** Voting membership of a group. */
export interface Config {
  /** Voter ids, ascending, no duplicates. */
  readonly voters: readonly NodeId[];
}

/** A single-server membership change (Raft thesis §4.1). */
export interface ConfigChange {
  readonly type: ConfigChangeType;
  readonly nodeId: NodeId;
}

export const ConfigChangeType = {
  AddVoter: 'addVoter',
  RemoveVoter: 'removeVoter',
} as const;
export type ConfigChangeType = (typeof ConfigChangeType)[keyof typeof ConfigChangeType];

/**
 * The point a log was compacted to. It carries no state-machine data: a replica that installs it resets its
 * log to start right after `index`, and the layer above fetches whatever data it needs by itself.
 */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  /** Membership as of `index`. */
  readonly config: Config;
  /** The application's position right after the snapshot; for Brook, the log start offset a replica resets to. */
  readonly logOffset: number;
}

/** Message types. */
export const MessageType = {
  /** Leader -> follower: entries after (index, logTerm), plus the leader's commit index. */
  Append: 'app',
  /** Follower -> leader: accepted up to `index`, or rejected with a hint where to retry. */
  AppendResponse: 'appResp',
  Vote: 'vote',
  VoteResponse: 'voteResp',
  /** Like Vote, but nobody changes term: a candidate first checks that it could win (Raft thesis §9.6). */
  PreVote: 'preVote',
  PreVoteResponse: 'preVoteResp',
  /** Leader -> follower: "I am alive" plus a commit index safe for that follower. */
  Heartbeat: 'heartbeat',
  HeartbeatResponse: 'heartbeatResp',
  /** Leader -> follower that is behind the leader's first index: restart your log after this point. */
  Snapshot: 'snap',
  /** Leader -> transfer target: campaign now, without waiting for an election timeout (thesis §3.10). */
  TimeoutNow: 'timeoutNow',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  /** Sender's term (for a pre-vote request: the term it would campaign in). */
  readonly term: number;
}

export interface AppendMessage extends MessageBase {
  readonly type: typeof MessageType.Append;
  /** Index of the entry just before `entries`. */
  readonly index: number;
  /** Term of the entry at `index`. */
  readonly logTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

export interface AppendResponseMessage extends MessageBase {
  readonly type: typeof MessageType.AppendResponse;
  /** Accepted: last index now known to match the leader. Rejected: the `index` of the rejected append. */
  readonly index: number;
  readonly reject: boolean;
  /** When rejected: highest index the follower has whose term is <= the probed term (fast backtracking). */
  readonly rejectHint: number;
  /** When rejected: the follower's term at `rejectHint` (0 if unknown). */
  readonly logTerm: number;
}

export interface VoteMessage extends MessageBase {
  readonly type: typeof MessageType.Vote | typeof MessageType.PreVote;
  /** Candidate's last log index. */
  readonly index: number;
  /** Candidate's last log term. */
  readonly logTerm: number;
  /** Set by a leadership-transfer target: voters grant it even while they still hear from a leader. */
  readonly transfer: boolean;
}

export interface VoteResponseMessage extends MessageBase {
  readonly type: typeof MessageType.VoteResponse | typeof MessageType.PreVoteResponse;
  readonly reject: boolean;
}

export interface HeartbeatMessage extends MessageBase {
  readonly type: typeof MessageType.Heartbeat;
  /** min(leader commit, follower match): never beyond what the follower is known to hold. */
  readonly commit: number;
}

export interface HeartbeatResponseMessage extends MessageBase {
  readonly type: typeof MessageType.HeartbeatResponse;
}

export interface SnapshotMessage extends MessageBase {
  readonly type: typeof MessageType.Snapshot;
  readonly snapshot: SnapshotMeta;
}

export interface TimeoutNowMessage extends MessageBase {
  readonly type: typeof MessageType.TimeoutNow;
}

/** Any message between replicas of one group. */
export type Message =
  | AppendMessage
  | AppendResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | SnapshotMessage
  | TimeoutNowMessage;

/** Bytes an entry counts for in size limits. */
export function entrySizeBytes(entry: Entry): number {
  // A fixed overhead so that empty entries (no-ops) still count towards limits.
  return entry.data.byteLength + 16;
}

/** Whether a message is one a leader sends to assert its leadership (it resets a follower's election timer). */
export function isLeaderMessage(type: MessageType): boolean {
  return type === MessageType.Append || type === MessageType.Heartbeat || type === MessageType.Snapshot;
}
