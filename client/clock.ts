/**
 * Time and randomness, injected so the client's logic can be driven by a manual clock and a seeded generator in
 * tests. Only {@link systemClock} and {@link systemRandom} touch the globals.
 */

/** An opaque timer handle returned by {@link Clock.setTimeout} (a Timeout object in Node, a number in browsers). */
export type TimerHandle = object | number;

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch (record timestamps use it, so it must be wall-clock based). */
  nowMs(): number;
  /** Calls `callback` once after `delayMs` milliseconds. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; harmless for a timer that already fired. */
  clearTimeout(handle: TimerHandle): void;
}

/** A source of uniformly distributed numbers in [0, 1). */
export interface Random {
  next(): number;
}

/** The real clock: `Date.now()` and the global timers (works in Node and in browsers). */
export const systemClock: Clock = Object.freeze({
  nowMs: () => Date.now(),
  setTimeout: (callback: () => void, delayMs: number): TimerHandle => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle: TimerHandle): void => {
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  },
});

/** `Math.random()`. */
export const systemRandom: Random = Object.freeze({ next: () => Math.random() });
