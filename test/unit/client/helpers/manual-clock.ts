/** A manual clock and a seeded random source for driving client logic deterministically. */
import type { Clock, Random, TimerHandle } from '../../../../client/clock.js';

interface Timer {
  readonly id: number;
  readonly atMs: number;
  readonly callback: () => void;
}

/** Lets every pending microtask and promise continuation run (no time passes). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private now: number;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, atMs: this.now + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  /** Delays of pending timers from now, sorted. */
  pendingDelays(): number[] {
    return this.timers.map((t) => t.atMs - this.now).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.atMs <= target).sort((a, b) => a.atMs - b.atMs || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = Math.max(this.now, due.atMs);
      due.callback();
      await settle();
    }
    this.now = target;
    await settle();
  }
}

/** mulberry32: a small seeded generator. */
export class SeededRandom implements Random {
  private state: number;

  constructor(seed = 42) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Always returns the same value (e.g. 0.5 = no jitter). */
export function fixedRandom(value: number): Random {
  return { next: () => value };
}
