/**
 * The Raft side of one replicated partition on this broker: its group (the partition log is the Raft log),
 * appends proposed through it, and the high watermark fed from the commit index. What to decide about the replicas
 * (ISR, preferred-leader hand-over, membership steps) is the pure {@link ReplicaPolicy}'s; this driver acts on it.
 */
import type { Runtime, TimerHandle } from '../clock.js';
import { encodeBatchEntry } from '../log/batch-entry.js';
import { checkBatch, type BatchToAppend } from '../log/batch.js';
import type { PartitionLog } from '../log/partition-log.js';
import { RaftLogStorage } from '../log/raft-log-storage.js';
import { BrookError, partitionKey, type Acks } from '../../protocol/index.js';
import { ConfigChangeType, Role, type NodeId } from '../raft/index.js';
import type { ClusterMetrics, ReplicaGaugeSource } from '../metrics/cluster-metrics.js';
import { RaftGroup, type EntryRange } from './raft-group.js';
import type { RaftHost } from './raft-host.js';
import { ReplicaPolicy, type LiveCheck, type ReplicaStatus } from './replica-policy.js';

export interface PartitionReplicaOptions {
  readonly host: RaftHost;
  readonly selfId: number;
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  /** Replica broker ids, preferred leader first (the target while the partition moves). */
  readonly replicas: readonly number[];
  /**
   * Whether this replica joins an existing group (a partition moving here): a fresh log then starts with no
   * membership and learns it from the leader, instead of bootstrapping `replicas`.
   */
  readonly joining: boolean;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** The high watermark moved to `endOffset`. */
  readonly committed: (endOffset: number) => void;
  /** This replica became leader (rebuild leader-only state) or stopped being one. */
  readonly leadershipChanged: (isLeader: boolean) => void;
  readonly metrics: ClusterMetrics;
  /** Monotonic time (ISR lag, commit latency), the commit timeout of acks=all appends, election jitter. */
  readonly runtime: Runtime;
}

export class PartitionReplica implements ReplicaGaugeSource {
  readonly group: RaftGroup;
  readonly topic: string;
  readonly partition: number;
  private target: readonly number[];
  /** Whether the metadata marks this partition as moving (its leader reports when the move is done). */
  private moving: boolean;
  private readonly host: RaftHost;
  private readonly metrics: ClusterMetrics;
  private readonly runtime: Runtime;
  private readonly policy = new ReplicaPolicy();
  private readonly live: LiveCheck;

  constructor(options: PartitionReplicaOptions) {
    this.host = options.host;
    this.topic = options.topic;
    this.partition = options.partition;
    this.target = options.replicas;
    this.moving = options.joining;
    this.metrics = options.metrics;
    this.runtime = options.runtime;
    this.live = (id) => options.host.isLive(id);
    const storage = new RaftLogStorage(options.log, options.joining ? [] : options.replicas);
    let wasLeader = false;
    this.group = new RaftGroup({
      // A partition's Raft group id in peer envelopes is its key.
      id: partitionKey(options.topic, options.partition),
      selfId: options.selfId,
      storage,
      electionTicks: options.electionTicks,
      heartbeatTicks: options.heartbeatTicks,
      random: options.runtime.rng,
      asyncWrites: options.host.asyncWrites,
      events: {
        committed: options.committed,
        leaderChanged: (_leader, _term, role) => {
          const isLeader = role === Role.Leader;
          options.metrics.leaderChanged(isLeader);
          if (isLeader !== wasLeader) options.leadershipChanged(isLeader);
          wasLeader = isLeader;
        },
      },
    });
    options.host.add(this.group);
    if (ReplicaPolicy.standsAtOnce(options.selfId, options.replicas, storage.lastIndex(), options.joining)) {
      this.group.node.campaign();
    }
  }

  /** Replica broker ids, preferred leader first (the target while the partition moves). */
  get replicas(): readonly number[] {
    return this.target;
  }

  /** Whether the partition is moving to new replicas. */
  get isMoving(): boolean {
    return this.moving;
  }

  /** The metadata changed this partition's replicas (a reassignment started, or ended when `moving` is false). */
  retarget(replicas: readonly number[], moving: boolean): void {
    this.target = replicas;
    this.moving = moving;
    this.group.wake();
    this.host.touch(this.group);
  }

  /**
   * Leader only: takes the next step of a move (add or remove one voter, or hand leadership over before
   * removing itself). Returns whether the group's voters are the target, with the change committed.
   */
  reconcileMembership(): boolean {
    const step = this.policy.membershipStep(this.status(), this.live, this.target);
    if (step.kind === 'add') this.group.changeMembership({ type: ConfigChangeType.AddVoter, nodeId: step.id });
    else if (step.kind === 'remove') {
      this.group.changeMembership({ type: ConfigChangeType.RemoveVoter, nodeId: step.id });
    } else if (step.kind === 'transfer') {
      this.group.node.transferLeadership(step.to);
    }
    if (step.kind !== 'done' && step.kind !== 'wait') this.host.touch(this.group);
    return step.kind === 'done';
  }

  /** The leader's broker id, or -1 while there is none. */
  get leaderId(): number {
    const leader = this.group.leader;
    return leader === 0 ? -1 : leader;
  }

  get isLeader(): boolean {
    return this.group.isLeader;
  }

  /** Replicas in sync ({@link ReplicaPolicy.isr}): on the leader, Kafka's ISR; on a follower, the leader it knows. */
  get isr(): readonly number[] {
    return this.policy.isr(this.status(), this.live, this.runtime.monotonic.nowMs());
  }

  /** Leader only: records which followers hold everything committed now (the membership pass calls it often). */
  sampleInSync(nowMs: number): void {
    this.policy.sample(this.status(), this.live, nowMs);
  }

  /** Each follower's lag behind the leader's last index, in entries (leader only; empty otherwise). */
  followerLag(): { id: NodeId; lagEntries: number }[] {
    if (!this.group.isLeader) return [];
    const status = this.group.status();
    return status.progress
      .filter((p) => p.id !== status.id)
      .map((p) => ({ id: p.id, lagEntries: status.lastIndex - p.match }));
  }

  /**
   * Proposes a batch. Resolves with its offsets once it is in the leader's log (acks 0, 1) or committed (acks
   * all); `onPersisted` hears the offsets once it is in the leader's log. Rejects with NOT_LEADER (with the leader's id) here or when leadership is lost before it commits,
   * REQUEST_TIMED_OUT when it does not commit within `timeoutMs`, or a storage error.
   */
  append(
    batch: BatchToAppend,
    acks: Acks,
    timeoutMs: number,
    onPersisted: ((range: EntryRange) => void) | null,
  ): Promise<EntryRange> {
    // Checked here, like a sole replica's append does: a corrupt batch must be refused alone, not fail the Ready
    // (and every other producer's appends) it would have joined.
    checkBatch(batch);
    const data = encodeBatchEntry(batch);
    return new Promise<EntryRange>((resolve, reject) => {
      let timer: TimerHandle | null = null;
      const done = (range: EntryRange): void => {
        if (timer !== null) this.runtime.timers.clear(timer);
        resolve(range);
      };
      const fail = (err: BrookError): void => {
        if (timer !== null) this.runtime.timers.clear(timer);
        reject(err);
      };
      const all = acks === -1;
      const proposedMs = this.runtime.monotonic.nowMs();
      const committed = (range: EntryRange): void => {
        this.metrics.committed((this.runtime.monotonic.nowMs() - proposedMs) / 1000);
        done(range);
      };
      const persisted = (range: EntryRange): void => {
        onPersisted?.(range);
        if (!all) done(range);
      };
      const index = this.group.propose(data, persisted, all ? committed : null, fail);
      if (all) {
        timer = this.runtime.timers.setTimeout(() => {
          // A forgotten proposal no longer keeps the group from quiescing.
          this.group.forget(index);
          reject(
            new BrookError(
              'REQUEST_TIMED_OUT',
              `batch not committed on ${this.group.id} within ${String(timeoutMs)} ms`,
            ),
          );
        }, timeoutMs);
      }
      this.host.touch(this.group);
    });
  }

  /**
   * Preferred-leader balancing: when this broker leads but is not the preferred replica (the first), and the
   * preferred one is alive and holds the whole log, hand it the leadership. Returns whether a transfer started.
   */
  balanceLeadership(): boolean {
    const preferred = this.policy.handover(this.status(), this.live, this.target, this.moving);
    if (preferred === undefined) return false;
    this.group.wake();
    const started = this.group.node.transferLeadership(preferred);
    this.host.touch(this.group);
    return started;
  }

  /** What the policy reads of the group now. */
  private status(): ReplicaStatus {
    const { group } = this;
    return {
      raft: group.status(),
      voters: group.voters,
      configCommitted: group.configCommitted,
      quiesced: group.quiesced,
    };
  }

  /** Leaves the group (the partition is closing or moving away). */
  close(): void {
    this.host.remove(this.group.id);
  }
}
