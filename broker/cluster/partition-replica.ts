/**
 * The Raft side of one replicated partition on this broker: its group (the partition log is the Raft log),
 * appends proposed through it, and the high watermark fed from the commit index.
 */
import type { Runtime, TimerHandle } from '../clock.js';
import { encodeBatchEntry } from '../log/batch-entry.js';
import { checkBatch, type BatchToAppend } from '../log/batch.js';
import type { PartitionLog } from '../log/partition-log.js';
import { RaftLogStorage } from '../log/raft-log-storage.js';
import { BrookError, type Acks } from '../../protocol/index.js';
import { ConfigChangeType, NO_NODE, Role, type NodeId } from '../raft/index.js';
import type { ClusterMetrics, ReplicaGaugeSource } from '../metrics/cluster-metrics.js';
import { nextMembershipStep } from './membership-plan.js';
import { RaftGroup, type EntryRange } from './raft-group.js';
import type { RaftHost } from './raft-host.js';

/** A partition's Raft group id in peer envelopes (`/` cannot occur in topic names). */
export function partitionGroupId(topic: string, partition: number): string {
  return `${topic}/${String(partition)}`;
}

/** How long a follower that stopped holding everything committed stays in the ISR (Kafka's default is 30 s). */
const ISR_LAG_MS = 10_000;

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
  /** When each follower last held everything committed, in monotonic milliseconds. */
  private readonly caughtUpAtMs = new Map<NodeId, number>();

  constructor(options: PartitionReplicaOptions) {
    this.host = options.host;
    this.topic = options.topic;
    this.partition = options.partition;
    this.target = options.replicas;
    this.moving = options.joining;
    this.metrics = options.metrics;
    this.runtime = options.runtime;
    const storage = new RaftLogStorage(options.log, options.joining ? [] : options.replicas);
    let wasLeader = false;
    this.group = new RaftGroup({
      id: partitionGroupId(options.topic, options.partition),
      selfId: options.selfId,
      storage,
      electionTicks: options.electionTicks,
      heartbeatTicks: options.heartbeatTicks,
      random: options.runtime.rng,
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
    // A brand-new partition: its preferred leader stands at once instead of after an election timeout.
    if (storage.lastIndex() === 0 && options.replicas[0] === options.selfId && !options.joining) {
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
    if (!this.group.isLeader) return false;
    const status = this.group.status();
    const step = nextMembershipStep({
      self: status.id,
      voters: this.group.voters,
      target: this.target,
      configCommitted: this.group.configCommitted,
      caughtUp: (id) => {
        const p = status.progress.find((f) => f.id === id);
        return p !== undefined && p.match >= status.commit && this.host.isLive(id);
      },
    });
    if (step.kind === 'add') this.group.changeMembership({ type: ConfigChangeType.AddVoter, nodeId: step.id });
    else if (step.kind === 'remove') {
      this.group.changeMembership({ type: ConfigChangeType.RemoveVoter, nodeId: step.id });
    } else if (step.kind === 'transfer' && status.leadTransferee === NO_NODE) {
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

  /**
   * Replicas in sync, as the leader sees them (Kafka's ISR): alive, and holding everything committed now or at a
   * sample within the last {@link ISR_LAG_MS} (as Kafka's replica.lag.time.max.ms, so a follower a few entries
   * behind under steady load does not flicker out). On a follower: what it knows, the leader.
   */
  get isr(): readonly number[] {
    if (!this.group.isLeader) return this.leaderId === -1 ? [] : [this.leaderId];
    const status = this.group.status();
    const nowMs = this.runtime.monotonic.nowMs();
    return status.progress
      .filter((p) => p.id === status.id || this.inSync(p.id, p.match, status.commit, nowMs))
      .map((p) => p.id)
      .sort((a, b) => a - b);
  }

  /** Leader only: records which followers hold everything committed now (the membership pass calls it often). */
  sampleInSync(nowMs: number): void {
    if (!this.group.isLeader) return;
    // A quiesced group's followers hold the whole log, by the definition of quiescence.
    if (this.group.quiesced) {
      for (const id of this.group.voters) this.caughtUpAtMs.set(id, nowMs);
      return;
    }
    const status = this.group.status();
    for (const p of status.progress) this.inSync(p.id, p.match, status.commit, nowMs);
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
    const preferred = this.target[0];
    // A moving partition's leadership follows its membership steps.
    if (this.moving) return false;
    if (!this.group.isLeader || preferred === undefined || preferred === this.group.node.id) return false;
    const status = this.group.status();
    const target = status.progress.find((p) => p.id === preferred);
    if (target === undefined || !this.host.isLive(preferred) || target.match < status.lastIndex) return false;
    if (status.leadTransferee !== NO_NODE) return false;
    this.group.wake();
    const started = this.group.node.transferLeadership(preferred);
    this.host.touch(this.group);
    return started;
  }

  /** Whether a follower is in sync; one found dead must hold everything committed again to be back in. */
  private inSync(id: NodeId, match: number, commit: number, nowMs: number): boolean {
    if (!this.host.isLive(id)) {
      this.caughtUpAtMs.delete(id);
      return false;
    }
    if (match >= commit) {
      this.caughtUpAtMs.set(id, nowMs);
      return true;
    }
    const at = this.caughtUpAtMs.get(id);
    return at !== undefined && nowMs - at < ISR_LAG_MS;
  }

  /** Leaves the group (the partition is closing or moving away). */
  close(): void {
    this.host.remove(this.group.id);
  }
}
