/**
 * Reconnect delays for peer links: exponential, capped, jittered. Pure (randomness is injected), so the schedule
 * is tested without sockets or sleeps.
 */
import type { Rng } from '../raft/rng.js';

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms (before jitter). */
  readonly minMs: number;
  /** Largest delay, in ms (before jitter). */
  readonly maxMs: number;
  /** Source of jitter. */
  readonly rng: Rng;
}

/**
 * Attempt n (counting from 0) waits a delay drawn uniformly from [d/2, d] where d = min(maxMs, minMs * 2^n).
 * Jitter keeps brokers that lost a peer at the same moment from redialling it in lockstep; the lower bound of d/2
 * keeps the delay growing, so a peer that refuses connections is not hammered.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.minMs > 0) || !(options.maxMs >= options.minMs)) {
      throw new RangeError(`backoff needs 0 < minMs <= maxMs, got ${options.minMs} and ${options.maxMs}`);
    }
  }

  /** Attempts made since the last {@link reset}. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt, in ms; each call counts one more attempt. */
  nextDelayMs(): number {
    const { minMs, maxMs, rng } = this.options;
    // Capping the exponent keeps 2^n finite however long a peer stays away.
    const ceilingMs = Math.min(maxMs, minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const halfMs = ceilingMs / 2;
    return Math.round(halfMs + (rng.nextInt(1_000_000) / 1_000_000) * halfMs);
  }

  /** Starts over from `minMs` (after a connection that proved healthy). */
  reset(): void {
    this.attempt = 0;
  }
}
