/**
 * A tiny in-memory cluster for Raft unit tests (after etcd's test network): replicas are RaftNodes over
 * MemoryStorage, Readies are persisted then their messages delivered, and links can be cut.
 */
import { MemoryStorage, RaftNode, createRng } from '../../../broker/raft/index.js';
import type { Entry, Message, NodeId, RaftOptions } from '../../../broker/raft/index.js';
import type { Raft } from '../../../broker/raft/raft.js';

export type NodeOptions = Partial<Omit<RaftOptions, 'id' | 'storage' | 'rng'>>;

/** Paper-style defaults: no pre-vote, no check-quorum (tests turn them on when they check them). */
export const paperOptions: NodeOptions = { electionTicks: 10, heartbeatTicks: 1, preVote: false, checkQuorum: false };

export function makeNode(id: NodeId, storage: MemoryStorage, options: NodeOptions = paperOptions): RaftNode {
  return new RaftNode({ ...paperOptions, ...options, id, storage, rng: createRng(id * 7919) });
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

/** A log entry for building storage by hand. */
export function entry(index: number, term: number, data = `e${index}t${term}`): Entry {
  return { index, term, type: 'normal', data: bytes(data) };
}

/** Storage holding `terms[i]` as the term of entry i + 1 (a log "shape" as in the paper's figures). */
export function storageWithTerms(
  voters: readonly NodeId[],
  terms: readonly number[],
  hardTerm?: number,
): MemoryStorage {
  const storage = new MemoryStorage(voters);
  storage.append(terms.map((term, i) => entry(i + 1, term)));
  const last = terms.at(-1) ?? 0;
  storage.setHardState({ term: hardTerm ?? last, vote: 0, commit: 0 });
  return storage;
}

export class TestCluster {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly storages = new Map<NodeId, MemoryStorage>();
  /** Links that lose messages: `${from}>${to}`. */
  private readonly cut = new Set<string>();
  /** Every message delivered, in order (for assertions). */
  readonly delivered: Message[] = [];
  /** Applied entries per node. */
  readonly applied = new Map<NodeId, Entry[]>();
  /** Optional interceptor: return the message to deliver (possibly altered), or null to drop it. */
  intercept: ((m: Message) => Message | null) | null = null;

  constructor(
    readonly ids: readonly NodeId[],
    private readonly options: NodeOptions = paperOptions,
    storages?: ReadonlyMap<NodeId, MemoryStorage>,
  ) {
    for (const id of ids) {
      const storage = storages?.get(id) ?? new MemoryStorage(ids);
      this.storages.set(id, storage);
      this.nodes.set(id, makeNode(id, storage, options));
      this.applied.set(id, []);
    }
  }

  node(id: NodeId): RaftNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raft(id: NodeId): Raft {
    return this.node(id).raft;
  }

  storage(id: NodeId): MemoryStorage {
    const storage = this.storages.get(id);
    if (storage === undefined) throw new Error(`no storage ${id}`);
    return storage;
  }

  /** Replaces a node by one restarted from its storage (unpersisted state is lost). */
  restart(id: NodeId): RaftNode {
    const node = makeNode(id, this.storage(id), this.options);
    this.nodes.set(id, node);
    this.applied.set(id, []);
    return node;
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  recover(): void {
    this.cut.clear();
  }

  /** Persists and applies every node's Ready and returns the messages they send (not yet delivered). */
  flush(): Message[] {
    const out: Message[] = [];
    for (const [id, node] of this.nodes) {
      while (node.hasReady()) {
        const rd = node.ready();
        const storage = this.storage(id);
        if (rd.snapshot !== null) storage.applySnapshot(rd.snapshot);
        if (rd.entries.length > 0) storage.append(rd.entries);
        if (rd.hardState !== null) storage.setHardState(rd.hardState);
        out.push(...rd.messages);
        this.applied.get(id)?.push(...rd.committedEntries);
        node.advance();
      }
    }
    return out;
  }

  /** Delivers messages (subject to cut links and the filter); returns what the receivers then send. */
  deliver(messages: readonly Message[]): Message[] {
    for (const sent of messages) {
      if (this.cut.has(`${sent.from}>${sent.to}`)) continue;
      const m = this.intercept === null ? sent : this.intercept(sent);
      if (m === null) continue;
      const target = this.nodes.get(m.to);
      if (target === undefined) continue;
      this.delivered.push(m);
      target.step(m);
    }
    return this.flush();
  }

  /** Runs message exchange (starting with `pending`, if given) until the cluster is quiet. */
  stabilize(pending: Message[] = [], maxRounds = 1000): void {
    pending = pending.concat(this.flush());
    for (let round = 0; pending.length > 0; round++) {
      if (round > maxRounds) throw new Error('cluster did not stabilize');
      pending = this.deliver(pending);
    }
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.node(id).tick();
  }

  /** Ticks every node `times` times, stabilizing after each tick. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const node of this.nodes.values()) node.tick();
      this.stabilize();
    }
  }

  /** Starts an election at `id` and runs it to the end. */
  elect(id: NodeId): void {
    this.node(id).campaign();
    this.stabilize();
  }

  propose(id: NodeId, ...data: string[]): void {
    const result = this.node(id).propose(data.map(bytes));
    if (!result.ok) throw new Error(`proposal at ${id} refused: ${result.reason}`);
    this.stabilize();
  }

  /** Terms of a node's log from firstIndex to lastIndex. */
  logTerms(id: NodeId): number[] {
    const log = this.raft(id).log;
    const terms: number[] = [];
    for (let i = log.firstIndex(); i <= log.lastIndex(); i++) terms.push(log.term(i) ?? -1);
    return terms;
  }

  appliedData(id: NodeId): string[] {
    return (this.applied.get(id) ?? []).filter((e) => e.type === 'normal').map((e) => text(e.data));
  }
}

/** A single replica driven by hand: feed messages, read what it sends. */
export function soloRaft(id: NodeId, storage: MemoryStorage, options: NodeOptions = paperOptions): RaftNode {
  return makeNode(id, storage, options);
}

/** Drains a node's Ready (persisting into `storage`) and returns the messages it sends. */
export function drain(node: RaftNode, storage: MemoryStorage): Message[] {
  const out: Message[] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    if (rd.snapshot !== null) storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) storage.append(rd.entries);
    if (rd.hardState !== null) storage.setHardState(rd.hardState);
    out.push(...rd.messages);
    node.advance();
  }
  return out;
}
