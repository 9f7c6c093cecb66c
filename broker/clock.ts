/**
 * Time, timers and randomness of the broker. This is the one module of the broker that reads `Date.now`,
 * `performance.now`, `Math.random` and the global timers (lint holds that), so every driver takes them from the
 * composition root and tests and simulations run the drivers on a manual clock and a seeded source.
 */
import { createRng, type Rng } from './raft/rng.js';

/** A source of time in milliseconds; which scale (wall clock or monotonic) is the instance's. */
export interface Clock {
  /** The current time in milliseconds. */
  nowMs(): number;
}

/** The wall clock, in milliseconds since the Unix epoch: for times that leave the process (record, topic times). */
export const wallClock: Clock = Object.freeze({ nowMs: () => Date.now() });

/**
 * The process's monotonic clock (sub-millisecond, unaffected by wall-clock changes; only differences mean anything):
 * for durations and deadlines.
 */
export const monotonicClock: Clock = Object.freeze({ nowMs: () => performance.now() });

/** An opaque handle of a timer scheduled with {@link Timers}. */
export type TimerHandle = object;

/** Timer scheduling. A timer never keeps the process alive by itself: background upkeep must not hold an exit. */
export interface Timers {
  /** Calls `callback` once after `delayMs` milliseconds. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Calls `callback` every `intervalMs` milliseconds. */
  setInterval(callback: () => void, intervalMs: number): TimerHandle;
  /** Cancels a timer of either kind; harmless for one that already fired. */
  clear(handle: TimerHandle): void;
}

/** Node's timers, unref'd. */
export const systemTimers: Timers = Object.freeze({
  setTimeout: (callback: () => void, delayMs: number): TimerHandle => setTimeout(callback, delayMs).unref(),
  setInterval: (callback: () => void, intervalMs: number): TimerHandle => setInterval(callback, intervalMs).unref(),
  clear: (handle: TimerHandle): void => {
    // Node's clearTimeout cancels intervals too; only handles made above get here.
    clearTimeout(handle as NodeJS.Timeout);
  },
});

/** The time, timers and randomness one broker runs on: made once by the composition root and passed down. */
export interface Runtime {
  /** Wall-clock time (epoch milliseconds). */
  readonly wall: Clock;
  /** Monotonic time, for durations and deadlines. */
  readonly monotonic: Clock;
  readonly timers: Timers;
  /** The broker's random source: election and redial jitter are seeded from it, so one seed replays a run. */
  readonly rng: Rng;
}

/** The real clocks and timers, and a random source seeded by `seed` (default: a fresh random seed per process). */
export function systemRuntime(seed: number = Math.floor(Math.random() * 2 ** 32)): Runtime {
  return { wall: wallClock, monotonic: monotonicClock, timers: systemTimers, rng: createRng(seed) };
}
