/** Exponential backoff with jitter, shared by reconnects and request retries. Pure: the caller passes randomness. */
import type { Random } from './clock.js';

/** How long to wait between attempts. */
export interface BackoffOptions {
  /** Delay before the first retry, in milliseconds. */
  readonly initialMs: number;
  /** Upper bound on any delay, in milliseconds. */
  readonly maxMs: number;
  /**
   * Fraction of the delay that is randomised, in [0, 1]: the delay is drawn uniformly from
   * `base * (1 - jitter/2)` to `base * (1 + jitter/2)` (never above maxMs), so clients that lost the same broker
   * do not all come back at once.
   */
  readonly jitter: number;
}

/** Delay before retry number `attempt` (0 for the first retry): `initialMs * 2^attempt`, capped, with jitter. */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: Random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 52));
  const spread = base * options.jitter;
  const delay = base - spread / 2 + spread * random.next();
  return Math.max(0, Math.min(options.maxMs, Math.round(delay)));
}
