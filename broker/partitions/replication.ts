/**
 * What a partition needs from replication when it has more than one replica (implemented by
 * broker/cluster/partition-replica.ts over Raft). A sole replica appends to its log directly instead.
 */
import type { BatchToAppend } from '../log/batch.js';
import type { Acks } from '../../protocol/index.js';

/** Offsets an append was given. */
export interface AppendedRange {
  baseOffset: number;
  lastOffset: number;
  /** Set when the batch repeated an idempotent producer's earlier one: nothing was appended. */
  duplicate?: true;
}

export interface PartitionReplication {
  /** The leader's broker id, or -1 while there is none. */
  readonly leaderId: number;
  /** Whether this broker leads the partition now. */
  readonly isLeader: boolean;
  /** Replicas holding everything committed (as far as this broker knows). */
  readonly isr: readonly number[];
  /**
   * Appends through the leader's log: resolves once in the leader's log (acks 0, 1) or committed (acks all);
   * `onPersisted` hears the offsets as soon as the batch is in the leader's log, whatever the acks.
   * Rejects with NOT_LEADER (with the leader's id), REQUEST_TIMED_OUT, or a storage error.
   */
  append(
    batch: BatchToAppend,
    acks: Acks,
    timeoutMs: number,
    onPersisted: ((range: AppendedRange) => void) | null,
  ): Promise<AppendedRange>;
  /** The metadata changed the partition's replicas (a move started, or ended when `moving` is false). */
  retarget(replicas: readonly number[], moving: boolean): void;
  /** Leaves replication (the partition is closing). */
  close(): void;
}

/** What replication tells the partition. */
export interface ReplicationEvents {
  /** The commit index moved: the high watermark is now `endOffset`. */
  committed(endOffset: number): void;
  /** This broker became the leader, or stopped being it. */
  leadershipChanged(isLeader: boolean): void;
}

/** Starts replication for one partition (called by the partition with its own event handlers). */
export type StartReplication = (events: ReplicationEvents) => PartitionReplication;
