/**
 * The chaos workload: idempotent producers (acks 'all') writing unique values `${producer}-${seq}` to the
 * partitions of one topic, each to a partition drawn from a seeded source, at a paced rate with a bounded number of
 * sends in flight. Every send and its outcome is kept for the checker.
 */
import { Producer, stringCodec } from '../../client/index.js';
import { Mulberry32 } from '../../broker/raft/rng.js';
import type { SentWrite } from './checker.js';

/** Options of {@link Workload}. */
export interface WorkloadOptions {
  readonly bootstrap: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  /** Producer names (each its own Producer and connection). */
  readonly producers: readonly string[];
  /** Seeds the partition choices. */
  readonly seed: number;
  /** Sends per second per producer. Default 200. */
  readonly ratePerSec?: number;
  /** Sends per producer awaiting their acknowledgement at once. Default 50. */
  readonly maxInFlight?: number;
}

/** One write and what became of it. */
interface Send {
  readonly producer: string;
  readonly seq: number;
  readonly partition: number;
  ackedOffset: number | undefined;
  error: string | undefined;
}

const TICK_MS = 20;

/** Runs producers until {@link stop}; then {@link drain} waits for every outstanding send. */
export class Workload {
  private readonly sends: Send[] = [];
  private readonly producers = new Map<string, Producer<string>>();
  private readonly inFlight = new Map<string, number>();
  private readonly nextSeq = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly rng: Mulberry32;

  constructor(private readonly options: WorkloadOptions) {
    this.rng = new Mulberry32(options.seed);
    for (const name of options.producers) {
      this.producers.set(
        name,
        new Producer<string>({
          bootstrap: options.bootstrap,
          clientId: `chaos-${name}`,
          codec: stringCodec(),
          acks: 'all',
          idempotent: true,
          lingerMs: 2,
          // A paused broker must not hold a request for the default 30 s: time out, refresh metadata, retry.
          requestTimeoutMs: 5_000,
          connectTimeoutMs: 2_000,
          reconnectBackoffMs: { initial: 50, max: 1_000 },
          deliveryTimeoutMs: 300_000,
          // Faults leave a partition without a reachable leader for longer than the 5 s default at times; every send
          // must still get through, so the producer waits as long as its delivery timeout.
          leaderWaitMs: 300_000,
        }),
      );
      this.inFlight.set(name, 0);
      this.nextSeq.set(name, 0);
    }
  }

  /** Starts sending. */
  start(): void {
    const perTick = ((this.options.ratePerSec ?? 200) * TICK_MS) / 1_000;
    const maxInFlight = this.options.maxInFlight ?? 50;
    let credit = 0;
    this.timer = setInterval(() => {
      credit += perTick;
      const whole = Math.floor(credit);
      credit -= whole;
      for (const name of this.options.producers) {
        for (let i = 0; i < whole && (this.inFlight.get(name) ?? 0) < maxInFlight; i++) this.sendOne(name);
      }
    }, TICK_MS);
  }

  /** Stops starting new sends. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Sends started so far. */
  get sent(): number {
    return this.sends.length;
  }

  /** Sends acknowledged so far. */
  get acknowledged(): number {
    return this.sends.filter((s) => s.ackedOffset !== undefined).length;
  }

  /** Sends not settled yet. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** Sends that failed for good, with their errors. */
  failures(): { value: string; error: string }[] {
    return this.sends
      .filter((s) => s.error !== undefined)
      .map((s) => ({ value: `${s.producer}-${String(s.seq)}`, error: s.error ?? '' }));
  }

  /** Every send with its acknowledged offset (undefined if not acknowledged), for the checker. */
  writes(): SentWrite[] {
    return this.sends.map(({ producer, seq, partition, ackedOffset }) => ({ producer, seq, partition, ackedOffset }));
  }

  /** Resolves once every send has settled, or rejects after `timeoutMs` saying how many are left. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(this.pending),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`${String(this.pending.size)} send(s) still unsettled after ${String(timeoutMs)} ms`));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops and closes every producer (what is unsettled then fails). */
  async close(): Promise<void> {
    this.stop();
    await Promise.all([...this.producers.values()].map((p) => p.close({ timeoutMs: 5_000 }).catch(() => undefined)));
  }

  private sendOne(name: string): void {
    const producer = this.producers.get(name);
    if (producer === undefined) return;
    const seq = this.nextSeq.get(name) ?? 0;
    this.nextSeq.set(name, seq + 1);
    const partition = this.rng.nextInt(this.options.partitions);
    const send: Send = { producer: name, seq, partition, ackedOffset: undefined, error: undefined };
    this.sends.push(send);
    this.inFlight.set(name, (this.inFlight.get(name) ?? 0) + 1);
    const settled = producer
      .send({ topic: this.options.topic, partition, value: `${name}-${String(seq)}` })
      .then(
        (meta) => {
          send.ackedOffset = meta.offset;
        },
        (err: unknown) => {
          send.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        },
      )
      .finally(() => {
        this.inFlight.set(name, (this.inFlight.get(name) ?? 0) - 1);
        this.pending.delete(settled);
      });
    this.pending.add(settled);
  }
}
