/**
 * The Raft state machine of one replica: terms, votes, roles and the rules shared by every role. Each role's
 * own message handling lives in a step function (follower.ts, leader.ts) that a role change swaps in.
 *
 * Pure: no I/O, timers, clock or global randomness. Outgoing messages collect in `msgs`; RaftNode turns
 * them, and the log's unstable part, into Ready batches for the driver.
 */
import { bcastAppend, bcastHeartbeat, stepLeader } from './leader.js';
import { stepCandidate, stepFollower } from './follower.js';
import { RaftLog } from './log.js';
import { applyConfigEntry, isVoter } from './membership.js';
import { EntryType, MessageType, NO_NODE, isLeaderMessage } from './messages.js';
import type { Config, Entry, HardState, Message, NodeId, SnapshotMeta } from './messages.js';
import { VoteResult } from './quorum.js';
import { CampaignKind, Role } from './role.js';
import type { Rng } from './rng.js';
import type { RaftStorage } from './storage.js';
import { ProgressTracker } from './tracker.js';

/** Options of one replica. Tick counts are in calls to `tick()`, whatever period the driver gives them. */
export interface RaftOptions {
  /** This replica's id (a positive integer). */
  readonly id: NodeId;
  readonly storage: RaftStorage;
  /** Source of election-timeout jitter; seed it per replica. */
  readonly rng: Rng;
  /** Ticks without hearing from a leader before a follower campaigns; actual timeout is random in [n, 2n). Default 10. */
  readonly electionTicks?: number;
  /** Ticks between leader heartbeats. Must be below electionTicks. Default 1. */
  readonly heartbeatTicks?: number;
  /** Run a pre-vote round before each election so a partitioned replica cannot disrupt. Default true. */
  readonly preVote?: boolean;
  /**
   * A leader steps down if a majority has not answered within an election timeout, and followers that hear
   * from a leader ignore vote requests for that long (leader lease). Default true.
   */
  readonly checkQuorum?: boolean;
  /** Upper bound on the entry bytes of one append message (at least one entry is always sent). Default 1 MiB. */
  readonly maxMsgBytes?: number;
  /** Append messages in flight to one follower before the leader waits for acks. Default 256. */
  readonly maxInflightMsgs?: number;
  /** Upper bound on the bytes of committed entries in one Ready (at least one entry). Default 64 MiB. */
  readonly maxCommittedBytesPerReady?: number;
  /** Last index the application has applied; committed entries after it are handed out again. Default: the snapshot index. */
  readonly applied?: number;
}

/** A role's message handler, for messages already known to carry the replica's current term. */
export type StepFn = (r: Raft, m: Message) => void;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A message as a role builds it: `from` is added by send(), and `term` defaults to the current term. */
export type Outgoing = DistributiveOmit<Message, 'from' | 'term'> & { readonly term?: number };

export class Raft {
  readonly id: NodeId;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxMsgBytes: number;
  readonly maxCommittedBytesPerReady: number;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  private readonly rng: Rng;

  term = 0;
  vote: NodeId = NO_NODE;
  lead: NodeId = NO_NODE;
  role: Role = Role.Follower;
  step: StepFn = stepFollower;

  /** Index of the entry that set the current config (§4.1: the latest in the log, committed or not). */
  configIndex: number;
  /** Config before the entry at configIndex, to revert to if that entry is truncated. */
  previousConfig: Config;

  /** Ticks since the last election timeout reset (for a leader: since the last check-quorum round). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Leadership transfer target, or NO_NODE. */
  leadTransferee: NodeId = NO_NODE;
  /** Index of the latest config entry a leader appended (or its no-op): no new change until it commits. */
  pendingConfIndex = 0;
  /** Messages to send, drained by RaftNode.ready(). */
  msgs: Message[] = [];

  constructor(options: RaftOptions) {
    this.id = options.id;
    this.electionTicks = options.electionTicks ?? 10;
    this.heartbeatTicks = options.heartbeatTicks ?? 1;
    this.preVote = options.preVote ?? true;
    this.checkQuorum = options.checkQuorum ?? true;
    this.maxMsgBytes = options.maxMsgBytes ?? 1024 * 1024;
    this.maxCommittedBytesPerReady = options.maxCommittedBytesPerReady ?? 64 * 1024 * 1024;
    this.rng = options.rng;
    validateOptions(options, this.electionTicks, this.heartbeatTicks);

    const state = options.storage.initialState();
    const snapshotIndex = options.storage.firstIndex() - 1;
    this.log = new RaftLog(options.storage, state.hardState.commit, options.applied ?? snapshotIndex);
    this.tracker = new ProgressTracker(state.config, options.maxInflightMsgs ?? 256);
    this.configIndex = state.configIndex;
    this.previousConfig = state.previousConfig;
    this.becomeFollower(state.hardState.term, NO_NODE);
    this.vote = state.hardState.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Whether this replica may become leader: it is a voter and not in the middle of installing a snapshot. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id) && this.log.unstable.snapshot === null;
  }

  send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term });
  }

  // ---- roles -------------------------------------------------------------------------------------------

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.step = stepFollower;
    this.lead = lead;
    this.role = Role.Follower;
  }

  becomePreCandidate(): void {
    if (this.role === Role.Leader) throw new Error('leader cannot become pre-candidate');
    // Term and vote stay: a pre-vote changes nothing until it wins.
    this.step = stepCandidate;
    this.tracker.resetVotes();
    this.lead = NO_NODE;
    this.role = Role.PreCandidate;
  }

  becomeCandidate(): void {
    if (this.role === Role.Leader) throw new Error('leader cannot become candidate');
    this.reset(this.term + 1);
    this.step = stepCandidate;
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  becomeLeader(): void {
    if (this.role === Role.Follower) throw new Error('follower cannot become leader without an election');
    this.reset(this.term);
    this.step = stepLeader;
    this.lead = this.id;
    this.role = Role.Leader;
    this.tracker.resetProgress(this.log.lastIndex(), this.id, this.log.persistedIndex());
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Raft §8: an entry of the new term lets earlier entries commit. Until it commits, refuse config
    // changes (the fix to single-server changes described on raft-dev, 2015).
    const noop: Entry = {
      index: this.log.lastIndex() + 1,
      term: this.term,
      type: EntryType.Noop,
      data: new Uint8Array(0),
    };
    this.appendToLog([noop]);
    this.pendingConfIndex = noop.index;
    bcastAppend(this);
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    this.lead = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTicks + this.rng.nextInt(this.electionTicks);
    this.leadTransferee = NO_NODE;
    this.pendingConfIndex = 0;
    this.tracker.resetVotes();
    this.tracker.progress.clear();
  }

  // ---- time --------------------------------------------------------------------------------------------

  tick(): void {
    if (this.role === Role.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.preVote ? CampaignKind.PreElection : CampaignKind.Election);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum) {
        if (!this.tracker.quorumActive(this.id)) {
          this.becomeFollower(this.term, NO_NODE);
          return;
        }
        this.tracker.resetRecentActive(this.id);
      }
      // A transfer that did not finish within an election timeout is abandoned.
      this.leadTransferee = NO_NODE;
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this);
    }
  }

  // ---- elections ---------------------------------------------------------------------------------------

  campaign(kind: CampaignKind): void {
    if (this.role === Role.Leader || !this.promotable()) return;
    let voteType: typeof MessageType.Vote | typeof MessageType.PreVote;
    let voteTerm: number;
    if (kind === CampaignKind.PreElection) {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      voteTerm = this.term;
    }
    if (this.tracker.recordVote(this.id, true) === VoteResult.Won) {
      // A single voter wins at once.
      if (kind === CampaignKind.PreElection) this.campaign(CampaignKind.Election);
      else this.becomeLeader();
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const to of this.tracker.config.voters) {
      if (to === this.id) continue;
      this.send({ type: voteType, to, term: voteTerm, index, logTerm, transfer: kind === CampaignKind.Transfer });
    }
  }

  /** Handles any message from a peer: term bookkeeping and votes here, the rest in the role's step function. */
  receive(m: Message): void {
    if (m.to !== this.id || m.from === this.id) return;
    if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const inLease = this.checkQuorum && this.lead !== NO_NODE && this.electionElapsed < this.electionTicks;
        // Thesis §4.2.3: while a leader is heard from, a vote request is a disruption, not an election.
        if (inLease && !m.transfer) return;
      }
      if (m.type === MessageType.PreVote) {
        // Answering a pre-vote never changes our term.
      } else if (m.type === MessageType.PreVoteResponse && !m.reject) {
        // Our pre-vote's future term; we bump it ourselves when we win.
      } else {
        this.becomeFollower(m.term, isLeaderMessage(m.type) ? m.from : NO_NODE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.Append)) {
        // A stale leader (e.g. back from a partition) learns our higher term and steps down; without this,
        // it would keep its followers' election timers reset while pre-vote kept our term from reaching it.
        this.send({ type: MessageType.AppendResponse, to: m.from, index: 0, reject: false, rejectHint: 0, logTerm: 0 });
      } else if (m.type === MessageType.PreVote) {
        this.send({ type: MessageType.PreVoteResponse, to: m.from, reject: true });
      }
      return;
    }

    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      this.handleVoteRequest(m);
      return;
    }
    this.step(this, m);
  }

  private handleVoteRequest(m: Extract<Message, { type: 'vote' | 'preVote' }>): void {
    const respType = m.type === MessageType.Vote ? MessageType.VoteResponse : MessageType.PreVoteResponse;
    const canVote =
      this.vote === m.from ||
      (this.vote === NO_NODE && this.lead === NO_NODE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    // Raft §5.4.1: only for a candidate whose log is at least as up to date as ours.
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // The grant carries the candidate's term, so a pre-candidate can tell it from stale answers.
      this.send({ type: respType, to: m.from, term: m.term, reject: false });
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, reject: true });
    }
  }

  // ---- log and membership ------------------------------------------------------------------------------

  /** Appends entries (replacing any suffix they overlap) and applies the config entries among them. */
  appendToLog(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    let config = this.tracker.config;
    if (first.index <= this.configIndex) {
      // The entry that set the current config is being replaced: go back to the config before it. Only the
      // latest config entry can be uncommitted, so the one before is committed and needs no history.
      config = this.previousConfig;
      this.configIndex = this.log.committed;
      this.previousConfig = config;
    }
    this.log.append(entries);
    for (const entry of entries) {
      if (entry.type !== EntryType.Config) continue;
      this.previousConfig = config;
      config = applyConfigEntry(config, entry);
      this.configIndex = entry.index;
    }
    if (config !== this.tracker.config) this.setConfig(config);
  }

  /** Installs a snapshot sent by the leader. Returns false if it brings nothing new. */
  restore(snapshot: SnapshotMeta): boolean {
    if (snapshot.index <= this.log.committed) return false;
    if (this.log.matchTerm(snapshot.index, snapshot.term)) {
      // We already have the snapshot's entry: just learn that it is committed.
      this.log.commitTo(snapshot.index);
      return false;
    }
    this.log.restore(snapshot);
    this.configIndex = snapshot.index;
    this.previousConfig = snapshot.config;
    this.setConfig(snapshot.config);
    return true;
  }

  private setConfig(config: Config): void {
    this.tracker.setConfig(config, this.log.lastIndex(), this.role === Role.Leader);
    if (this.leadTransferee !== NO_NODE && !isVoter(config, this.leadTransferee)) this.leadTransferee = NO_NODE;
  }
}

function validateOptions(options: RaftOptions, electionTicks: number, heartbeatTicks: number): void {
  if (!Number.isInteger(options.id) || options.id <= 0) {
    throw new RangeError(`id must be a positive integer, got ${String(options.id)}`);
  }
  if (!Number.isInteger(heartbeatTicks) || heartbeatTicks <= 0) {
    throw new RangeError('heartbeatTicks must be a positive integer');
  }
  if (!Number.isInteger(electionTicks) || electionTicks <= heartbeatTicks) {
    throw new RangeError('electionTicks must be an integer greater than heartbeatTicks');
  }
}
