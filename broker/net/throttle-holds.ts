/**
 * Answers and credit a session holds back for a quota's throttle time (broker/quota/). Held work runs when its time
 * is up, or at once when the session drains or ends: a stopping broker does not wait out throttles, and the
 * accounting they finish (windows, in-flight counts) is never left open.
 */
import type { TimerHandle, Timers } from '../clock.js';

export class ThrottleHolds {
  private readonly held = new Map<TimerHandle, () => void>();
  private released = false;

  constructor(private readonly timers: Timers) {}

  /** Runs `fn` after `delayMs` (at once for 0, or once {@link releaseAll} was called). */
  after(delayMs: number, fn: () => void): void {
    if (delayMs <= 0 || this.released) {
      fn();
      return;
    }
    const handle = this.timers.setTimeout(() => {
      this.held.delete(handle);
      fn();
    }, delayMs);
    this.held.set(handle, fn);
  }

  /** Runs everything held now, and from now on holds nothing. */
  releaseAll(): void {
    this.released = true;
    const held = [...this.held];
    this.held.clear();
    for (const [handle, fn] of held) {
      this.timers.clear(handle);
      fn();
    }
  }
}
