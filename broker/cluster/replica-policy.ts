/**
 * What a replicated partition decides about its replicas, as a pure core fed the Raft status, which brokers are
 * live, and the time: which replicas are in sync (Kafka's ISR), when its leader hands leadership to the preferred
 * replica, and the next membership step of a move. The driver (partition-replica.ts) only reads the group, asks
 * this policy, and acts on the answer.
 */
import { NO_NODE, Role, type NodeId, type RaftStatus } from '../raft/index.js';
import { nextMembershipStep, type MembershipStep } from './membership-plan.js';

/** How long a follower that stopped holding everything committed stays in the ISR (Kafka's default is 30 s). */
export const ISR_LAG_MS = 10_000;

/** Whether a broker is alive as this broker hears it (this broker itself always is). */
export type LiveCheck = (id: NodeId) => boolean;

/** What the policy reads of a partition's Raft group at one moment. */
export interface ReplicaStatus {
  /** The group's Raft status (`progress` is filled on the leader only). */
  readonly raft: Pick<RaftStatus, 'id' | 'role' | 'leader' | 'commit' | 'lastIndex' | 'leadTransferee' | 'progress'>;
  /** The group's voters now (the latest config entry in this replica's log). */
  readonly voters: readonly NodeId[];
  /** Whether the latest membership change is committed (only then may another start). */
  readonly configCommitted: boolean;
  /** Whether the group is quiesced: then every follower holds the whole log, by the definition of quiescence. */
  readonly quiesced: boolean;
}

const WAIT: MembershipStep = Object.freeze({ kind: 'wait' });

export class ReplicaPolicy {
  /** When each follower was last seen holding everything committed (monotonic ms); written only by {@link sample}. */
  private readonly caughtUpAtMs = new Map<NodeId, number>();

  /**
   * Whether a replica that starts with an empty log, and is not joining an existing group, stands for election at
   * once: the preferred replica (the first) of a brand-new partition does, instead of after an election timeout.
   */
  static standsAtOnce(selfId: NodeId, replicas: readonly NodeId[], lastIndex: number, joining: boolean): boolean {
    return lastIndex === 0 && replicas[0] === selfId && !joining;
  }

  /**
   * Leader only: notes which followers hold everything committed at `nowMs`; one found dead is forgotten, so it must
   * hold everything committed again to be back in sync. The driver calls it on its membership pass.
   */
  sample(status: ReplicaStatus, live: LiveCheck, nowMs: number): void {
    const { raft } = status;
    if (raft.role !== Role.Leader) return;
    if (status.quiesced) {
      for (const id of status.voters) this.caughtUpAtMs.set(id, nowMs);
      return;
    }
    for (const p of raft.progress) {
      if (!live(p.id)) this.caughtUpAtMs.delete(p.id);
      else if (p.match >= raft.commit) this.caughtUpAtMs.set(p.id, nowMs);
    }
  }

  /**
   * Replicas in sync at `nowMs`, sorted. On the leader: itself, and every live follower that holds everything
   * committed now or at a sample within the last {@link ISR_LAG_MS} (as Kafka's replica.lag.time.max.ms, so a
   * follower a few entries behind under steady load does not flicker out). On a follower: the leader it knows.
   * Reads only: asking does not move any follower's lag clock.
   */
  isr(status: ReplicaStatus, live: LiveCheck, nowMs: number): NodeId[] {
    const { raft } = status;
    if (raft.role !== Role.Leader) return raft.leader === NO_NODE ? [] : [raft.leader];
    return raft.progress
      .filter((p) => p.id === raft.id || this.inSync(p.id, p.match, raft.commit, live, nowMs))
      .map((p) => p.id)
      .sort((a, b) => a - b);
  }

  /**
   * Preferred-leader balancing: the replica to hand leadership to now, or undefined. Only a leader that is not the
   * preferred replica (the first of `replicas`) hands over, only to a live preferred replica that holds the whole
   * log, never while a transfer is under way, and never while the partition moves (its membership steps decide).
   */
  handover(status: ReplicaStatus, live: LiveCheck, replicas: readonly NodeId[], moving: boolean): NodeId | undefined {
    const { raft } = status;
    const preferred = replicas[0];
    if (moving || raft.role !== Role.Leader || preferred === undefined || preferred === raft.id) return undefined;
    if (raft.leadTransferee !== NO_NODE || !live(preferred)) return undefined;
    const progress = raft.progress.find((p) => p.id === preferred);
    return progress !== undefined && progress.match >= raft.lastIndex ? preferred : undefined;
  }

  /**
   * Leader only: the next step of a move to `replicas` (membership-plan.ts), a voter counting as caught up when it
   * is live and holds everything committed. A hand-over while one is already under way is a wait.
   */
  membershipStep(status: ReplicaStatus, live: LiveCheck, replicas: readonly NodeId[]): MembershipStep {
    const { raft } = status;
    if (raft.role !== Role.Leader) return WAIT;
    const step = nextMembershipStep({
      self: raft.id,
      voters: status.voters,
      target: replicas,
      configCommitted: status.configCommitted,
      caughtUp: (id) => {
        const p = raft.progress.find((f) => f.id === id);
        return p !== undefined && p.match >= raft.commit && live(id);
      },
    });
    return step.kind === 'transfer' && raft.leadTransferee !== NO_NODE ? WAIT : step;
  }

  private inSync(id: NodeId, match: number, commit: number, live: LiveCheck, nowMs: number): boolean {
    if (!live(id)) return false;
    if (match >= commit) return true;
    const at = this.caughtUpAtMs.get(id);
    return at !== undefined && nowMs - at < ISR_LAG_MS;
  }
}
