/**
 * RaftNode: the API a driver uses for one Raft group replica. Feed it time (`tick`), peer messages
 * (`step`) and proposals; collect its output with `ready()`; acknowledge with `advance()`.
 */
import { ProposeRejection, propose, reportUnreachable, selfPersisted, transferLeadership } from './leader.js';
import type { ProposeResult } from './leader.js';
import { applyConfigChange, encodeConfigEntry } from './membership.js';
import { EntryType } from './messages.js';
import type { Config, ConfigChange, Entry, HardState, Message, NodeId, SnapshotMeta } from './messages.js';
import type { ProgressState } from './progress.js';
import { Raft } from './raft.js';
import type { RaftOptions } from './raft.js';
import { CampaignKind } from './role.js';
import type { Role } from './role.js';

/** Volatile state worth reporting (leader changes, role changes); never persisted. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/** One batch of work for the driver. See {@link RaftNode.ready} for the order it must be handled in. */
export interface Ready {
  /** Leader or role changed since the last Ready, else null. */
  readonly softState: SoftState | null;
  /** Term, vote or commit changed since the last Ready, else null. Persist before sending `messages`. */
  readonly hardState: HardState | null;
  /** A snapshot from the leader to install, else null: reset the stored log to start right after it. */
  readonly snapshot: SnapshotMeta | null;
  /**
   * Entries to append to stable storage. The first may lie at or below the stored last index: then the
   * stored suffix from that index on is replaced (a divergent suffix being truncated).
   */
  readonly entries: readonly Entry[];
  /** Committed entries to apply, in order (they may include some of `entries`: persist first). */
  readonly committedEntries: readonly Entry[];
  /** Messages for peers (their `to`), to send after the persistence above. */
  readonly messages: readonly Message[];
}

/** A follower's replication state as the leader sees it. */
export interface FollowerStatus {
  readonly id: NodeId;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
}

/** A snapshot of the replica's state, for metrics, admin and tests. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly config: Config;
  readonly leadTransferee: NodeId;
  /** Replication state of every voter (this leader included); empty unless leader. */
  readonly progress: readonly FollowerStatus[];
}

interface InProgress {
  readonly hardState: HardState | null;
  readonly lastEntry: Entry | undefined;
  readonly snapshotIndex: number | undefined;
  readonly appliedIndex: number | undefined;
}

export class RaftNode {
  /** The state machine itself; exposed for tests and inspection, not for drivers to mutate. */
  readonly raft: Raft;
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  private inProgress: InProgress | null = null;

  constructor(options: RaftOptions) {
    this.raft = new Raft(options);
    this.prevHardState = this.raft.hardState();
    this.prevSoftState = this.softState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum all count in ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Handles a message from a peer. Messages not addressed to this replica are ignored. */
  step(message: Message): void {
    this.raft.receive(message);
  }

  /** Starts an election now (pre-vote first if enabled), e.g. to bootstrap without waiting a timeout. */
  campaign(): void {
    this.raft.campaign(this.raft.preVote ? CampaignKind.PreElection : CampaignKind.Election);
  }

  /**
   * Proposes normal entries (one per element). Only the leader accepts; the result tells the indices the
   * entries got, or why they were refused and who the leader is. Accepted entries commit later: watch
   * `committedEntries`. An entry may still be lost if leadership changes before it commits.
   */
  propose(data: readonly Uint8Array[]): ProposeResult {
    return propose(
      this.raft,
      data.map((d) => ({ type: EntryType.Normal, data: d })),
    );
  }

  /**
   * Proposes adding or removing one voter (thesis §4.1). It takes effect on each replica as soon as the
   * entry is in its log; at most one change may be uncommitted at a time.
   */
  proposeConfigChange(change: ConfigChange): ProposeResult {
    let data: Uint8Array;
    try {
      data = encodeConfigEntry({ change, config: applyConfigChange(this.raft.tracker.config, change) });
    } catch {
      return { ok: false, reason: ProposeRejection.InvalidConfigChange, leader: this.raft.lead };
    }
    return propose(this.raft, [{ type: EntryType.Config, data }]);
  }

  /** Hands leadership to `target` (leader only). Returns whether a transfer is under way. */
  transferLeadership(target: NodeId): boolean {
    return transferLeadership(this.raft, target);
  }

  /** The driver failed to deliver to `id`: the leader falls back to probing it. */
  reportUnreachable(id: NodeId): void {
    reportUnreachable(this.raft, id);
  }

  /** Whether `ready()` would return anything. False while a Ready is being handled (until advance()). */
  hasReady(): boolean {
    if (this.inProgress !== null) return false;
    const r = this.raft;
    return (
      r.msgs.length > 0 ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== null ||
      r.log.hasNextCommittedEntries() ||
      !sameHardState(r.hardState(), this.prevHardState) ||
      !sameSoftState(this.softState(), this.prevSoftState)
    );
  }

  /**
   * Takes the pending work. The driver MUST handle it in this order, then call {@link advance}:
   * 1. persist `snapshot`, then `entries`, then `hardState` (term and vote especially) to stable storage,
   *    durably (fsync, or whatever the configured durability promises);
   * 2. only then send `messages`: a vote or an append acknowledgement promises that what it depends on
   *    survives a crash (Raft §5.2, §5.3), so sending first can elect two leaders in one term or lose
   *    committed entries;
   * 3. apply `committedEntries` in order;
   * 4. call `advance()`.
   * Steps, ticks and proposals may happen between ready() and advance(); ready() may not be called again
   * before advance().
   */
  ready(): Ready {
    if (this.inProgress !== null) throw new Error('ready() called again before advance()');
    const r = this.raft;
    const hardState = r.hardState();
    const softState = this.softState();
    const entries = r.log.unstable.entries.slice();
    const committedEntries = r.log.nextCommittedEntries(r.maxCommittedBytesPerReady);
    const snapshot = r.log.unstable.snapshot;
    const rd: Ready = {
      softState: sameSoftState(softState, this.prevSoftState) ? null : softState,
      hardState: sameHardState(hardState, this.prevHardState) ? null : hardState,
      snapshot,
      entries,
      committedEntries,
      messages: r.msgs,
    };
    r.msgs = [];
    this.prevSoftState = softState;
    this.inProgress = {
      hardState: rd.hardState,
      lastEntry: entries.at(-1),
      snapshotIndex: snapshot?.index,
      appliedIndex: committedEntries.at(-1)?.index,
    };
    return rd;
  }

  /** Acknowledges the last Ready: its state is persisted, its messages sent, its entries applied. */
  advance(): void {
    const done = this.inProgress;
    if (done === null) throw new Error('advance() called without a ready()');
    this.inProgress = null;
    const log = this.raft.log;
    if (done.hardState !== null) this.prevHardState = done.hardState;
    if (done.snapshotIndex !== undefined) {
      log.stableSnapTo(done.snapshotIndex);
      if (done.snapshotIndex > log.applied) log.applied = done.snapshotIndex;
    }
    if (done.lastEntry !== undefined) log.stableTo(done.lastEntry.index, done.lastEntry.term);
    if (done.appliedIndex !== undefined) log.appliedTo(done.appliedIndex);
    selfPersisted(this.raft, log.persistedIndex());
  }

  status(): RaftStatus {
    const r = this.raft;
    const progress: FollowerStatus[] = [];
    for (const [id, pr] of r.tracker.progress) {
      progress.push({ id, match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive });
    }
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leader: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      config: r.tracker.config,
      leadTransferee: r.leadTransferee,
      progress,
    };
  }

  private softState(): SoftState {
    return { leader: this.raft.lead, role: this.raft.role };
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}
