/** Summaries of repeated runs: the median with min and max, as every published figure shows. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median (mean of the two middle values for an even count), min and max of `values`; throws if empty. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

/**
 * The nearest-rank percentile of `values` (p in [0, 100]): the smallest value with at least p% of the values at or
 * below it. Exact, for small samples; latency samples go through an HDR histogram instead (see latency.ts).
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${String(p)}`);
  const sorted = [...values].sort((a, b) => a - b);
  // Rounded first: (99.9 / 100) * 1000 is 999.0000000000001 in floating point, which must not ceil to 1000.
  const rank = Math.max(1, Math.ceil(Number(((p / 100) * sorted.length).toFixed(9))));
  return sorted[rank - 1] ?? 0;
}

/**
 * Ratios of run i of `a` to run i of `b` (runs interleaved in one invocation, so each pair saw the same machine
 * load), summarised as a spread. Pairs up to the shorter list; throws if there is no pair.
 */
export function pairedRatios(a: readonly number[], b: readonly number[]): Spread {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    const denominator = b[i] ?? 0;
    if (denominator > 0) ratios.push((a[i] ?? 0) / denominator);
  }
  return spread(ratios);
}
