/**
 * A tiny seeded pseudo-random source (mulberry32). The Raft core draws its election-timeout jitter from an
 * injected {@link Rng}, never from `Math.random`, so a seed replays a run exactly.
 */

/** A source of pseudo-random integers. */
export interface Rng {
  /** A uniformly distributed integer in [0, bound). `bound` must be a positive integer below 2^32. */
  nextInt(bound: number): number;
}

/** mulberry32: 32 bits of state, period 2^32, good enough for jitter and simulation choices. */
export class Mulberry32 implements Rng {
  private state: number;

  /** @param seed any number; only its low 32 bits are used. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned value. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 4294967296) {
      throw new RangeError(`nextInt bound must be an integer in [1, 2^32], got ${String(bound)}`);
    }
    // Multiply-shift maps 32 random bits onto [0, bound) with negligible bias for the small bounds used here.
    return Math.floor(this.nextFloat() * bound);
  }
}

/** A seeded {@link Rng}. */
export function createRng(seed: number): Mulberry32 {
  return new Mulberry32(seed);
}
