/**
 * End-to-end latency summaries. Each sample carries the INTENDED send time of an open-loop schedule (not the moment
 * the send call happened to run) and the moment the record reached the application. Measuring from the intended
 * time corrects for coordinated omission: when the sender, the client or the broker stalls, the records that should
 * have gone out during the stall are charged for the whole wait, instead of the stall hiding itself by delaying
 * the sends it would have slowed.
 */
import { build } from 'hdr-histogram-js';
import type { LatencySample } from './system.js';

/** Percentiles of one latency run, in ms; null fields when no record arrived. */
export interface LatencySummary {
  /** Records delivered (samples summarised). */
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly p999Ms: number | null;
  readonly maxMs: number | null;
}

/** Histogram resolution: values are recorded in microseconds with 3 significant digits (0.1% error). */
const MICROS_PER_MS = 1000;

/** p50, p99, p99.9 and max of `deliverMs - sendMs` over `samples`, through an HDR histogram. */
export function latencySummary(samples: readonly LatencySample[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50Ms: null, p99Ms: null, p999Ms: null, maxMs: null };
  const histogram = build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1 });
  try {
    for (const s of samples) {
      // A delivery can never precede its intended send (sends only leave when due); clamp clock noise to 0.
      histogram.recordValue(Math.max(0, Math.round((s.deliverMs - s.sendMs) * MICROS_PER_MS)));
    }
    const at = (p: number): number => histogram.getValueAtPercentile(p) / MICROS_PER_MS;
    return {
      count: samples.length,
      p50Ms: at(50),
      p99Ms: at(99),
      p999Ms: at(99.9),
      maxMs: histogram.maxValue / MICROS_PER_MS,
    };
  } finally {
    histogram.destroy();
  }
}
