/** Time as the network layer reads it, injected so session logic is testable without sleeping. */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are meaningful). */
  nowMs(): number;
}

/** The process's monotonic clock (sub-millisecond, unaffected by wall-clock changes). */
export const monotonicClock: Clock = { nowMs: () => performance.now() };
