/**
 * A broker {@link Runtime} driven by hand: one manual time for both clocks, timers that fire only when the test
 * advances time, and a seeded random source. Nothing here sleeps or touches Node's timers.
 */
import type { Clock, Runtime, TimerHandle, Timers } from '../../../../broker/clock.js';
import { createRng, type Rng } from '../../../../broker/raft/index.js';

/** Where the manual wall clock starts (a plausible epoch time, so timestamps look real). */
export const WALL_START_MS = 1_700_000_000_000;

interface Timer {
  readonly handle: TimerHandle;
  dueMs: number;
  /** null for a one-shot timer. */
  readonly intervalMs: number | null;
  readonly callback: () => void;
}

export class ManualRuntime implements Runtime, Timers {
  /** Milliseconds since the runtime was made (the monotonic reading). */
  private elapsedMs = 0;
  private readonly pending: Timer[] = [];
  readonly wall: Clock = { nowMs: () => WALL_START_MS + this.elapsedMs };
  readonly monotonic: Clock = { nowMs: () => this.elapsedMs };
  readonly timers: Timers = this;
  readonly rng: Rng;

  constructor(seed = 1) {
    this.rng = createRng(seed);
  }

  /** Timers scheduled and not cancelled (intervals count until cleared). */
  get pendingTimers(): number {
    return this.pending.length;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.schedule(callback, delayMs, null);
  }

  setInterval(callback: () => void, intervalMs: number): TimerHandle {
    return this.schedule(callback, intervalMs, intervalMs);
  }

  clear(handle: TimerHandle): void {
    const i = this.pending.findIndex((timer) => timer.handle === handle);
    if (i >= 0) this.pending.splice(i, 1);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order of due time. */
  advance(ms: number): void {
    const targetMs = this.elapsedMs + ms;
    for (;;) {
      const next = this.pending.reduce<Timer | undefined>(
        (a, b) => (a === undefined || b.dueMs < a.dueMs ? b : a),
        undefined,
      );
      if (next === undefined || next.dueMs > targetMs) break;
      this.elapsedMs = next.dueMs;
      if (next.intervalMs === null) this.clear(next.handle);
      else next.dueMs += next.intervalMs;
      next.callback();
    }
    this.elapsedMs = targetMs;
  }

  private schedule(callback: () => void, delayMs: number, intervalMs: number | null): TimerHandle {
    const handle = {};
    // Like Node, a non-positive delay runs on the next advance rather than now; an interval never repeats at 0 ms.
    this.pending.push({
      handle,
      dueMs: this.elapsedMs + Math.max(1, delayMs),
      intervalMs: intervalMs === null ? null : Math.max(1, intervalMs),
      callback,
    });
    return handle;
  }
}
