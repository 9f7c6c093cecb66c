/**
 * A rate measured over a sliding window of samples, as Kafka measures quotas (`quota.window.num` samples of
 * `quota.window.size.seconds`), and the throttle time that brings a client back under its quota. Pure: every call
 * takes the time.
 */

/** How a rate is sampled: `samples` samples of `sampleMs` each make the window. */
export interface RateWindow {
  readonly samples: number;
  readonly sampleMs: number;
}

interface Sample {
  readonly startMs: number;
  total: number;
}

export class WindowedRate {
  /** Oldest first; the last one takes new amounts until its `sampleMs` is over. */
  private readonly live: Sample[] = [];

  constructor(private readonly window: RateWindow) {}

  /** Adds `amount` (bytes, partitions...) at `nowMs`. */
  record(amount: number, nowMs: number): void {
    this.purge(nowMs);
    let current = this.live.at(-1);
    if (current === undefined || nowMs >= current.startMs + this.window.sampleMs) {
      current = { startMs: nowMs, total: 0 };
      this.live.push(current);
      if (this.live.length > this.window.samples) this.live.shift();
    }
    current.total += amount;
  }

  /** Whether nothing recorded is left in the window at `nowMs` (the rate is 0 and the entry can go). */
  isIdle(nowMs: number): boolean {
    this.purge(nowMs);
    return this.live.length === 0;
  }

  /** The rate per second at `nowMs`. */
  ratePerSec(nowMs: number): number {
    this.purge(nowMs);
    return (this.total() * 1000) / this.elapsedMs(nowMs);
  }

  /**
   * How long the client must wait, from `nowMs`, for its rate to fall back to `quotaPerSec`: 0 while it is within it.
   * Kafka's formula, `(rate - quota) / quota * window`, which is the time the window's total takes at the quota minus
   * the window's length. At most the full window: a single huge request is not punished for longer than that.
   */
  throttleMs(quotaPerSec: number, nowMs: number): number {
    this.purge(nowMs);
    const overMs = (this.total() * 1000) / quotaPerSec - this.elapsedMs(nowMs);
    if (overMs <= 0) return 0;
    return Math.min(Math.ceil(overMs), this.window.samples * this.window.sampleMs);
  }

  private total(): number {
    let sum = 0;
    for (const sample of this.live) sum += sample.total;
    return sum;
  }

  /**
   * The time the rate is measured over. As in Kafka, never less than all samples but the current one: otherwise the
   * first request after a quiet spell would be measured over a few milliseconds and look like a huge rate.
   */
  private elapsedMs(nowMs: number): number {
    const oldest = this.live[0]?.startMs ?? nowMs;
    const minMs = (this.window.samples - 1) * this.window.sampleMs;
    return Math.max(nowMs - oldest, minMs, 1);
  }

  /** Drops samples that ended a whole window ago. */
  private purge(nowMs: number): void {
    const windowMs = this.window.samples * this.window.sampleMs;
    while (this.live.length > 0 && (this.live[0]?.startMs ?? nowMs) + windowMs <= nowMs) this.live.shift();
  }
}
