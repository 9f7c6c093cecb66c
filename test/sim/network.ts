/**
 * A deterministic lossy network for the Raft simulator. Time is counted in rounds; every fault decision
 * comes from the injected seeded rng.
 */
import type { Message, NodeId } from '../../broker/raft/index.js';
import type { Mulberry32 } from '../../broker/raft/rng.js';

/** Fault settings; change them at any time (e.g. heal for the liveness phase). */
export interface NetworkFaults {
  /** Probability a message is lost. */
  dropRate: number;
  /** Probability a message is delivered twice (the copy with its own delay). */
  duplicateRate: number;
  /** Delay of each message, uniform in [minDelayRounds, maxDelayRounds]; different delays reorder. */
  minDelayRounds: number;
  maxDelayRounds: number;
}

interface InFlight {
  readonly deliverAt: number;
  readonly seq: number;
  readonly message: Message;
}

export class SimNetwork {
  faults: NetworkFaults;
  /** Directed links that lose every message: `${from}>${to}`. */
  private readonly blocked = new Set<string>();
  private queue: InFlight[] = [];
  private seq = 0;
  sent = 0;
  delivered = 0;

  constructor(
    private readonly rng: Mulberry32,
    faults: NetworkFaults,
  ) {
    this.faults = faults;
  }

  send(message: Message, now: number): void {
    this.sent++;
    if (this.rng.nextFloat() < this.faults.dropRate) return;
    const copies = this.rng.nextFloat() < this.faults.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const span = this.faults.maxDelayRounds - this.faults.minDelayRounds + 1;
      const delay = this.faults.minDelayRounds + this.rng.nextInt(Math.max(1, span));
      this.queue.push({ deliverAt: now + delay, seq: this.seq++, message });
    }
  }

  /** Messages due at `now` on links that are up, in a random order. */
  takeDue(now: number): Message[] {
    const due: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const item of this.queue) (item.deliverAt <= now ? due : rest).push(item);
    this.queue = rest;
    const out: Message[] = [];
    for (const item of due) {
      if (this.blocked.has(link(item.message.from, item.message.to))) continue;
      out.push(item.message);
    }
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.rng.nextInt(i + 1);
      const a = out[i];
      const b = out[j];
      if (a === undefined || b === undefined) continue;
      out[i] = b;
      out[j] = a;
    }
    this.delivered += out.length;
    return out;
  }

  pending(): number {
    return this.queue.length;
  }

  /** Drops everything in flight to or from `id` (a crashed node's sockets die with it). */
  dropInFlight(id: NodeId): void {
    this.queue = this.queue.filter((item) => item.message.to !== id && item.message.from !== id);
  }

  heal(): void {
    this.blocked.clear();
  }

  /** Blocks every message from any of `from` to any of `to` (one direction only). */
  cutOneWay(from: readonly NodeId[], to: readonly NodeId[]): void {
    for (const a of from) for (const b of to) if (a !== b) this.blocked.add(link(a, b));
  }

  /** Splits the nodes into groups that cannot reach each other. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a !== b) this.cutOneWay(a, b);
      }
    }
  }

  isolate(id: NodeId, all: readonly NodeId[]): void {
    this.partition([[id], all.filter((x) => x !== id)]);
  }

  /** Two sides that cannot reach each other, plus `bridge` that reaches both. */
  bridge(left: readonly NodeId[], right: readonly NodeId[]): void {
    this.cutOneWay(left, right);
    this.cutOneWay(right, left);
  }

  describe(): string {
    return this.blocked.size === 0 ? 'healed' : [...this.blocked].sort().join(',');
  }
}

function link(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
