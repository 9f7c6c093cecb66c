/**
 * One replica of one Raft group on this broker: the pure RaftNode, its storage (the partition log), the
 * proposals waiting on it, and quiescence. The host (raft-host.ts) feeds it ticks and messages and calls
 * {@link RaftGroup.handleReady} once per event-loop turn when it has work.
 *
 * Quiescence (as in CockroachDB): a leader whose followers all hold and know its whole log stops ticking and
 * heartbeating, and tells them to stop too, so an idle group costs nothing. Any message, proposal or peer death
 * wakes it. Ticks only drive liveness in Raft, never safety, so skipping them cannot break the log.
 */
import { toBrookError } from '../partitions/log-errors.js';
import { BrookError } from '../../protocol/index.js';
import type { RaftLogStorage } from '../log/raft-log-storage.js';
import { EntryType, MessageType, NO_NODE, RaftNode, Role, createRng } from '../raft/index.js';
import type { ConfigChange, Entry, Message, NodeId, RaftOptions, RaftStatus, Rng } from '../raft/index.js';

/** Offsets an entry got in the log. */
export interface EntryRange {
  readonly index: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
}

/** What happens to a group replica that the layers above care about. */
export interface GroupEvents {
  /** The commit index moved: the high watermark is now `endOffset`. */
  committed(endOffset: number): void;
  /** Leader or role changed. */
  leaderChanged(leader: NodeId, term: number, role: Role): void;
  /** Committed normal entries, in order (the metadata state machine applies them). */
  apply?(entries: readonly Entry[]): void;
}

export interface RaftGroupOptions {
  readonly id: string;
  readonly selfId: NodeId;
  readonly storage: RaftLogStorage;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** The broker's random source; this replica's election jitter is seeded from it once, at construction. */
  readonly random: Rng;
  /** Last index already applied by the state machine (metadata group); default: none. */
  readonly applied?: number;
  /**
   * Persist each Ready on the shard's writer thread and handle the rest of it when the write is answered (etcd raft's
   * asynchronous storage writes), rather than blocking the thread until the write is done. Default false (the
   * deterministic simulations persist synchronously).
   */
  readonly asyncWrites?: boolean;
  readonly events: GroupEvents;
}

/** Ticks a leader stays idle (nothing to send, everyone caught up) before it quiesces. */
const QUIESCE_AFTER_IDLE_TICKS = 3;

interface Waiting {
  readonly term: number;
  readonly onPersisted: ((range: EntryRange) => void) | null;
  readonly onCommitted: ((range: EntryRange) => void) | null;
  readonly reject: (err: BrookError) => void;
  range: EntryRange | null;
}

export class RaftGroup {
  readonly id: string;
  private nodeState: RaftNode;
  private readonly nodeOptions: RaftOptions;
  private readonly storage: RaftLogStorage;
  private readonly events: GroupEvents;
  /** Proposals not yet persisted (acks=1) or committed (acks=all), by index. */
  private readonly waiting = new Map<number, Waiting>();
  private readonly asyncWrites: boolean;
  /** A Ready's write is with the storage: the next Ready waits for it. */
  private persisting = false;
  private quiescedState = false;
  private idleTicks = 0;
  private lastLeader: NodeId = NO_NODE;
  private lastRole: Role = Role.Follower;

  constructor(options: RaftGroupOptions) {
    this.id = options.id;
    this.storage = options.storage;
    this.events = options.events;
    this.asyncWrites = options.asyncWrites ?? false;
    this.nodeOptions = {
      id: options.selfId,
      storage: options.storage,
      rng: createRng(seedOf(options.id, options.selfId, options.random)),
      electionTicks: options.electionTicks,
      heartbeatTicks: options.heartbeatTicks,
      preVote: true,
      checkQuorum: true,
      ...(options.applied === undefined ? {} : { applied: options.applied }),
    };
    this.nodeState = new RaftNode(this.nodeOptions);
  }

  /** The Raft node (read its state; drive it through this class). */
  get node(): RaftNode {
    return this.nodeState;
  }

  /**
   * The leader as last announced through {@link GroupEvents.leaderChanged}: the Raft node may know of a new leader a
   * little earlier (before the Ready that says so has been stored and handled), but what depends on leadership (the
   * leader's producer state, routing) follows the announcement, so this replica takes proposals only once it is made.
   */
  get leader(): NodeId {
    return this.lastLeader;
  }

  /** Whether this replica has announced itself leader (see {@link leader}). */
  get isLeader(): boolean {
    return this.lastRole === Role.Leader;
  }

  get term(): number {
    return this.node.raft.term;
  }

  get quiesced(): boolean {
    return this.quiescedState;
  }

  get voters(): readonly NodeId[] {
    return this.node.raft.tracker.config.voters;
  }

  status(): RaftStatus {
    return this.node.status();
  }

  /** Whether the latest membership change in this replica's log is committed (another may start). */
  get configCommitted(): boolean {
    const raft = this.node.raft;
    return raft.pendingConfIndex <= raft.log.committed;
  }

  /**
   * Leader only: proposes adding or removing one voter (thesis §4.1). Returns whether Raft took the proposal (it
   * refuses while another change is uncommitted, or on a follower).
   */
  changeMembership(change: ConfigChange): boolean {
    this.wake();
    return this.node.proposeConfigChange(change).ok;
  }

  /** One tick of logical time, unless quiesced. Returns whether the node may have work. */
  tick(): boolean {
    if (this.quiescedState) return false;
    this.node.tick();
    return true;
  }

  step(message: Message): void {
    // An answer to a heartbeat says nothing new; anything else means the group is busy again.
    if (message.type !== MessageType.HeartbeatResponse) this.wake();
    this.node.step(message);
  }

  wake(): void {
    this.quiescedState = false;
    this.idleTicks = 0;
  }

  /** A follower stops ticking when its leader says the group is idle (the leader's own message). */
  quiesceFromLeader(from: NodeId, term: number): void {
    const raft = this.node.raft;
    if (from === raft.lead && term === this.term && raft.role !== Role.Leader) this.quiescedState = true;
  }

  /**
   * Whether this leader should quiesce now: everyone holds and knows the whole log, nothing is waiting, and it has
   * been so for a few ticks (so the last heartbeat carried the final commit index). `live` says which peers are up.
   */
  shouldQuiesce(live: (id: NodeId) => boolean): boolean {
    if (this.node.raft.role !== Role.Leader || this.quiescedState || this.persisting || this.waiting.size > 0) {
      return false;
    }
    const status = this.node.status();
    const caughtUp =
      status.commit === status.lastIndex &&
      status.leadTransferee === NO_NODE &&
      status.progress.every((p) => p.id === status.id || (p.match === status.lastIndex && live(p.id)));
    this.idleTicks = caughtUp ? this.idleTicks + 1 : 0;
    if (this.idleTicks < QUIESCE_AFTER_IDLE_TICKS) return false;
    this.quiescedState = true;
    return true;
  }

  /**
   * Proposes one entry. `onPersisted` runs once it is in this replica's log (acks=1), `onCommitted` once it is
   * committed (acks=all). Returns its index. Throws NOT_LEADER (with the leader's id) when this replica cannot take proposals.
   */
  propose(
    data: Uint8Array,
    onPersisted: ((range: EntryRange) => void) | null,
    onCommitted: ((range: EntryRange) => void) | null,
    reject: (err: BrookError) => void,
  ): number {
    this.wake();
    if (!this.isLeader) throw this.notLeader();
    const result = this.node.propose([data]);
    if (!result.ok) throw this.notLeader();
    this.waiting.set(result.lastIndex, { term: result.term, onPersisted, onCommitted, reject, range: null });
    return result.lastIndex;
  }

  /** The error for a proposal this replica cannot take. */
  notLeader(): BrookError {
    const leader = this.leader;
    const message = `broker ${String(this.node.id)} does not lead ${this.id}`;
    return leader === NO_NODE || leader === this.node.id
      ? new BrookError('NOT_LEADER', `${message} (no leader right now)`)
      : new BrookError('NOT_LEADER', message, { leaderId: leader });
  }

  /** Whether a Ready is due (never while the previous one's write is out). */
  hasReady(): boolean {
    return !this.persisting && this.node.hasReady();
  }

  /**
   * Handles one Ready in the order Raft needs: persist (one SQLite transaction), then send, then apply, then
   * advance. `send` queues a message for its peer; `handled` is called once all of it is done, with null, or with the
   * error that stopped it (then nothing of the Ready was acted on and the replica restarted from what storage holds).
   * With {@link RaftGroupOptions.asyncWrites} that is after the shard's writer answered, and the replica takes steps,
   * ticks and proposals meanwhile (they go in the next Ready); nothing that depends on the write is sent before it.
   */
  handleReady(send: (message: Message) => void, handled: (err: unknown) => void): void {
    const rd = this.node.ready();
    this.persisting = true;
    const persisted = (err: unknown, ranges: readonly EntryRange[]): void => {
      this.persisting = false;
      if (err !== null) {
        // Nothing of this Ready may be acted on. Restart the replica from what storage holds, as after a crash.
        const applied = this.node.status().applied;
        this.nodeState = new RaftNode({ ...this.nodeOptions, applied });
        this.failAll(toBrookError(err, 'SHUTTING_DOWN'));
        this.softStateChanged(NO_NODE, Role.Follower);
        handled(err);
        return;
      }
      for (const range of ranges) this.persistedEntry(range);
      // A snapshot point is committed by definition: the high watermark is at least the new log start (a replica that
      // restarted from the leader's log start would otherwise keep its old, lower one until the next commit).
      if (rd.snapshot !== null) this.events.committed(this.storage.endOffsetOfIndex(rd.snapshot.index));
      for (const message of rd.messages) send(message);
      if (rd.committedEntries.length > 0) this.committedEntries(rd.committedEntries);
      if (rd.softState !== null) this.softStateChanged(rd.softState.leader, rd.softState.role);
      this.node.advance();
      handled(null);
    };
    if (this.asyncWrites) {
      this.storage.submit(rd.snapshot, rd.entries, rd.hardState, (err, ranges) => {
        // The writer's answer arrives outside the driver's loop: what the Ready's handling throws goes to the driver.
        try {
          persisted(err, ranges);
        } catch (thrown) {
          handled(thrown);
        }
      });
      return;
    }
    let ranges: readonly EntryRange[];
    try {
      ranges = this.storage.persist(rd.snapshot, rd.entries, rd.hardState);
    } catch (err) {
      persisted(err, []);
      return;
    }
    persisted(null, ranges);
  }

  /**
   * Stops waiting for the commit of the proposal at `index` (its caller gave up, e.g. timed out). The entry stays,
   * and so does its persisted callback until it has run (idempotent producer state must learn its offsets).
   */
  forget(index: number): void {
    const w = this.waiting.get(index);
    if (w === undefined) return;
    if (w.range !== null || w.onPersisted === null) this.waiting.delete(index);
    else this.waiting.set(index, { ...w, onCommitted: null });
  }

  /** Fails every waiting proposal (the broker is stopping or the group is being removed). */
  failAll(err: BrookError): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  private persistedEntry(range: EntryRange): void {
    const w = this.waiting.get(range.index);
    if (w === undefined) return;
    w.range = range;
    if (w.onCommitted === null) this.waiting.delete(range.index);
    w.onPersisted?.(range);
  }

  private committedEntries(entries: readonly Entry[]): void {
    const last = entries.at(-1);
    if (last === undefined) return;
    for (const entry of entries) {
      const w = this.waiting.get(entry.index);
      if (w === undefined) continue;
      this.waiting.delete(entry.index);
      // Committed at this index with another term means a later leader overwrote the proposal.
      if (entry.term !== w.term || w.range === null || w.onCommitted === null) w.reject(this.notLeader());
      else w.onCommitted(w.range);
    }
    this.events.committed(this.storage.endOffsetOfIndex(last.index));
    if (this.events.apply !== undefined) {
      const normal = entries.filter((e) => e.type === EntryType.Normal);
      if (normal.length > 0) this.events.apply(normal);
    }
  }

  private softStateChanged(leader: NodeId, role: Role): void {
    const announce = leader !== this.lastLeader || role === Role.Leader;
    this.lastLeader = leader;
    this.lastRole = role;
    if (role !== Role.Leader) {
      // A proposal of a deposed leader may still commit under the next one; the client cannot know, so it is
      // told to retry, and the idempotent producer turns a retry of a committed batch into a duplicate answer.
      this.failAll(this.notLeader());
    }
    if (announce) this.events.leaderChanged(leader, this.term, role);
  }
}

/**
 * A per-replica seed: drawn from the broker's source (so restarts differ, and a seeded broker replays), mixed with the
 * group and broker ids so that replicas of one group draw different election timeouts even when every broker of a
 * test runs on the same seed.
 */
function seedOf(group: string, selfId: NodeId, random: Rng): number {
  let h = 0x9e3779b9 ^ selfId;
  for (let i = 0; i < group.length; i++) h = Math.imul(h ^ group.charCodeAt(i), 0x01000193);
  return (h ^ random.nextInt(2 ** 32)) >>> 0;
}
