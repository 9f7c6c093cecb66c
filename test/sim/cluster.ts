/**
 * A simulated cluster of Raft replicas: each one a RaftNode over a MemoryStorage that plays the disk. The
 * driver loop here does what broker/cluster will do for real (persist, send, apply, advance), with faults:
 * a replica can crash at any point of handling a Ready, and then loses everything that was not persisted.
 */
import { Packr } from 'msgpackr';
import { MemoryStorage, RaftNode, createRng } from '../../broker/raft/index.js';
import type { Entry, Message, NodeId, Ready } from '../../broker/raft/index.js';
import type { Mulberry32 } from '../../broker/raft/rng.js';
import type { Raft } from '../../broker/raft/raft.js';
import { SafetyChecker } from './checker.js';
import type { LogView, ReplicaView } from './checker.js';
import { SimNetwork } from './network.js';
import type { NetworkFaults } from './network.js';

/** Knobs of one run, drawn from the seed. */
export interface SimProfile {
  readonly faults: NetworkFaults;
  /** Probability, per Ready, that persisting and sending it is delayed by a few rounds (async disk). */
  readonly asyncReadyRate: number;
  /** Probability, per Ready, of a crash somewhere while handling it. */
  readonly crashInReadyRate: number;
  /** Probability, per node and tick, that its clock skips or doubles the tick. */
  readonly clockSkewRate: number;
  /** Round-trip every message through msgpack, as the real transport will. */
  readonly serialize: boolean;
  readonly electionTicks: number;
  readonly maxMsgBytes: number;
  readonly maxInflightMsgs: number;
  readonly maxCommittedBytesPerReady: number;
}

/** Rounds per tick: messages can make several hops within one tick. */
export const ROUNDS_PER_TICK = 4;

/** What happened during a run (for the summary, and to see that the faults really fire). */
export interface SimStats {
  elections: number;
  crashes: number;
  snapshotsInstalled: number;
  configChanges: number;
  transfers: number;
  partitions: number;
  proposals: number;
}

export class SimNode {
  node: RaftNode | null = null;
  /** Ready taken but not yet persisted/sent (async disk), and the round it completes. */
  pending: { ready: Ready; doneAt: number } | null = null;
  /** Last index applied by this replica's state machine. */
  appliedIndex = 0;
  downUntilTick = 0;
  incarnation = 0;

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryStorage,
  ) {}

  get raft(): Raft | null {
    return this.node?.raft ?? null;
  }
}

export class SimCluster {
  round = 0;
  readonly nodes: SimNode[];
  readonly network: SimNetwork;
  readonly checker = new SafetyChecker();
  private readonly packr = new Packr({ useRecords: false });
  /** Crash-while-handling-a-Ready probability in force (the profile's, or 0 once healed). */
  crashInReadyRate: number;
  private nextPayloadId = 1;
  readonly stats: SimStats = {
    elections: 0,
    crashes: 0,
    snapshotsInstalled: 0,
    configChanges: 0,
    transfers: 0,
    partitions: 0,
    proposals: 0,
  };

  constructor(
    readonly seed: number,
    readonly ids: readonly NodeId[],
    readonly profile: SimProfile,
    readonly rng: Mulberry32,
    private readonly trace: ((line: string) => void) | null,
  ) {
    this.network = new SimNetwork(rng, { ...profile.faults });
    this.crashInReadyRate = profile.crashInReadyRate;
    this.nodes = ids.map((id) => new SimNode(id, new MemoryStorage(ids)));
    for (const n of this.nodes) this.start(n);
  }

  get tickCount(): number {
    return Math.floor(this.round / ROUNDS_PER_TICK);
  }

  log(line: string): void {
    this.trace?.(`[r${this.round} t${this.tickCount}] ${line}`);
  }

  live(): SimNode[] {
    return this.nodes.filter((n) => n.node !== null);
  }

  /** The live leader with the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes) {
      const r = n.raft;
      if (r?.role !== 'leader') continue;
      if (best === undefined || (best.raft?.term ?? 0) < r.term) best = n;
    }
    return best;
  }

  private start(n: SimNode): void {
    n.incarnation++;
    n.node = new RaftNode({
      id: n.id,
      storage: n.storage,
      rng: createRng(this.seed ^ Math.imul(n.id, 0x9e3779b1) ^ Math.imul(n.incarnation, 0x85ebca6b)),
      electionTicks: this.profile.electionTicks,
      heartbeatTicks: 1,
      maxMsgBytes: this.profile.maxMsgBytes,
      maxInflightMsgs: this.profile.maxInflightMsgs,
      maxCommittedBytesPerReady: this.profile.maxCommittedBytesPerReady,
    });
    // The state machine rebuilds from the snapshot (fetched by the layer above) and re-applies the log.
    n.appliedIndex = n.storage.firstIndex() - 1;
    n.pending = null;
  }

  crash(n: SimNode, downTicks: number, why: string): void {
    if (n.node === null) return;
    this.log(`crash ${n.id} (${why}) for ${downTicks} ticks`);
    this.stats.crashes++;
    n.node = null;
    n.pending = null;
    n.downUntilTick = this.tickCount + downTicks;
  }

  restart(n: SimNode): void {
    if (n.node !== null) return;
    this.start(n);
    const hs = n.storage.getHardState();
    this.log(`restart ${n.id}: term ${hs.term} vote ${hs.vote} commit ${hs.commit} log ${n.storage.lastIndex()}`);
  }

  /** Ticks every live replica once (or, with clock skew, zero or two times). */
  tick(): void {
    for (const n of this.live()) {
      let ticks = 1;
      if (this.rng.nextFloat() < this.profile.clockSkewRate) ticks = this.rng.nextInt(2) * 2;
      for (let i = 0; i < ticks; i++) n.node?.tick();
    }
  }

  /** One round: deliver due messages, then check invariants, then handle Readies. */
  step(): void {
    this.round++;
    if (this.round % ROUNDS_PER_TICK === 0) this.tick();
    for (const m of this.network.takeDue(this.round)) {
      const target = this.nodes.find((n) => n.id === m.to);
      if (target?.node == null) continue;
      this.trace?.(`[r${this.round}] ${describe(m)}`);
      target.node.step(m);
    }
  }

  /** Checks the safety properties on the replicas' current state; returns newly elected leaders. */
  observe(full: boolean): SimNode[] {
    const elected: SimNode[] = [];
    for (const n of this.nodes) {
      const r = n.raft;
      if (r === null) continue;
      if (this.checker.observeRole(r)) {
        this.log(`leader ${r.id} term ${r.term} last ${r.log.lastIndex()} commit ${r.log.committed}`);
        this.stats.elections++;
        this.checker.checkLeaderCompleteness(r);
        elected.push(n);
      }
      this.checker.observeUnstable(r);
      this.checker.observeLeaderCommit(r);
      if (full) {
        this.checker.observeWholeLog(r);
        if (r.role === 'leader') this.checker.checkLeaderCompleteness(r);
      }
    }
    this.checker.checkCommitDurable(this.nodes.map((n) => this.view(n)));
    return elected;
  }

  private view(n: SimNode): ReplicaView {
    const storage = n.storage;
    const diskLast = storage.lastIndex();
    const disk: LogView = {
      firstIndex: storage.firstIndex(),
      lastIndex: diskLast,
      lastTerm: storage.term(diskLast) ?? 0,
      term: (index) => storage.term(index),
      voters: storage.initialState().config.voters,
    };
    const r = n.raft;
    const memory: LogView | null =
      r === null
        ? null
        : {
            firstIndex: r.log.firstIndex(),
            lastIndex: r.log.lastIndex(),
            lastTerm: r.log.lastTerm(),
            term: (index) => r.log.term(index),
            voters: r.tracker.config.voters,
          };
    return { id: n.id, memory, disk };
  }

  /**
   * Handles every replica's Ready: now, or later if its disk is "slow". A replica handles a few Readies
   * per round, as a driver would drain several within one event-loop turn.
   */
  handleReadies(): void {
    for (const n of this.nodes) {
      if (n.pending !== null && n.pending.doneAt <= this.round) this.finish(n, n.pending.ready);
      for (let i = 0; i < 4; i++) {
        const node = n.node;
        if (n.pending !== null || node === null || !node.hasReady()) break;
        const ready = node.ready();
        if (this.rng.nextFloat() < this.profile.asyncReadyRate) {
          n.pending = { ready, doneAt: this.round + 1 + this.rng.nextInt(3) };
        } else {
          this.finish(n, ready);
        }
      }
    }
  }

  /** Persist, send, apply, advance, in the order RaftNode.ready() demands; maybe crash part way. */
  private finish(n: SimNode, rd: Ready): void {
    const node = n.node;
    if (node === null) return;
    n.pending = null;
    const crash = this.rng.nextFloat() < this.crashInReadyRate ? this.rng.nextInt(3) : -1;
    if (crash === 0) {
      this.crash(n, 1 + this.rng.nextInt(20), 'before persisting a ready');
      return;
    }
    if (rd.snapshot !== null) {
      this.checker.observeSnapshot(n.id, rd.snapshot);
      n.storage.applySnapshot(rd.snapshot);
      this.log(`${n.id} installs snapshot ${rd.snapshot.index}/${rd.snapshot.term}`);
      this.stats.snapshotsInstalled++;
    }
    if (rd.entries.length > 0) n.storage.append(rd.entries);
    if (rd.hardState !== null) n.storage.setHardState(rd.hardState);
    if (crash === 1) {
      this.crash(n, 1 + this.rng.nextInt(20), 'after persisting, before sending');
      return;
    }
    const sendCount = crash === 2 ? this.rng.nextInt(rd.messages.length + 1) : rd.messages.length;
    for (let i = 0; i < sendCount; i++) {
      const m = rd.messages[i];
      if (m !== undefined) this.network.send(this.wire(m), this.round);
    }
    if (crash === 2) {
      this.crash(n, 1 + this.rng.nextInt(20), `after sending ${sendCount}/${rd.messages.length} messages`);
      return;
    }
    if (rd.snapshot !== null) n.appliedIndex = Math.max(n.appliedIndex, rd.snapshot.index);
    const term = node.raft.term;
    for (const entry of rd.committedEntries) {
      this.checker.observeApply(n.id, entry, n.appliedIndex, term);
      n.appliedIndex = entry.index;
    }
    node.advance();
  }

  /** What the receiver gets: a serialised copy, or the same object frozen so that nobody can mutate it. */
  private wire(m: Message): Message {
    if (this.profile.serialize) return this.packr.unpack(this.packr.pack(m)) as Message;
    if (m.type === 'app') {
      for (const entry of m.entries) Object.freeze(entry);
      Object.freeze(m.entries);
    }
    return Object.freeze(m);
  }

  /** Unique client data: a 4-byte id plus random padding (so byte limits split batches). */
  payload(): { data: Uint8Array; key: string } {
    const id = this.nextPayloadId++;
    const data = new Uint8Array(4 + this.rng.nextInt(48));
    new DataView(data.buffer).setUint32(0, id);
    let hex = '';
    for (const byte of data) hex += byte.toString(16).padStart(2, '0');
    return { data, key: `d:${hex}` };
  }

  /** Proposes 1-3 entries at a random live replica (only a leader accepts). */
  proposeRandom(): void {
    const live = this.live();
    const n = live[this.rng.nextInt(Math.max(1, live.length))];
    if (n?.node == null) return;
    const count = 1 + this.rng.nextInt(3);
    const data = Array.from({ length: count }, () => this.payload().data);
    const result = n.node.propose(data);
    if (!result.ok) return;
    this.log(`${n.id} accepted ${count} at ${result.firstIndex}-${result.lastIndex}`);
    this.stats.proposals += count;
  }
}

function describe(m: Message): string {
  const head = `${m.type} ${m.from}->${m.to} t${m.term}`;
  switch (m.type) {
    case 'app':
      return `${head} prev ${m.index}/${m.logTerm} n${m.entries.length} ${entriesBrief(m.entries)} c${m.commit}`;
    case 'appResp':
      return `${head} ${m.reject ? `reject ${m.index} hint ${m.rejectHint}/${m.logTerm}` : `ok ${m.index}`}`;
    case 'vote':
    case 'preVote':
      return `${head} last ${m.index}/${m.logTerm}${m.transfer ? ' transfer' : ''}`;
    case 'voteResp':
    case 'preVoteResp':
      return `${head} ${m.reject ? 'reject' : 'grant'}`;
    case 'heartbeat':
      return `${head} c${m.commit}`;
    case 'snap':
      return `${head} ${m.snapshot.index}/${m.snapshot.term} [${m.snapshot.config.voters.join(',')}]`;
    default:
      return head;
  }
}

function entriesBrief(entries: readonly Entry[]): string {
  if (entries.length === 0) return '';
  const first = entries[0];
  const last = entries.at(-1);
  return `[${first?.index}/${first?.term}..${last?.index}/${last?.term}]`;
}
