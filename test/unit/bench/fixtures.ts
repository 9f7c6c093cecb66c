/** Outcomes for the report tests: throughput runs of given rates, latency runs of given summaries. */
import type { LatencySummary } from '../../../bench/latency.js';
import type { Scenario } from '../../../bench/plan.js';
import type { Outcome, RunRecord } from '../../../bench/results.js';

export const produce100: Scenario = {
  kind: 'produce',
  id: 'produce-100B',
  title: 'produce 100 B',
  recordBytes: 100,
  records: 1000,
  producers: 1,
  knobs: {},
  peers: true,
  deployment: 'single',
};

export const latency10k: Scenario = {
  kind: 'latency',
  id: 'latency-10k',
  title: 'latency @ 10k rec/s, 1 KiB',
  recordBytes: 1024,
  ratePerSec: 10_000,
  seconds: 1,
  knobs: {},
  peers: true,
  deployment: 'single',
};

/** Runs that each moved 1,000 records in 1000/rate seconds. */
export function throughputOutcome(scenario: Scenario, system: string, rates: readonly number[], rssBytes = 0): Outcome {
  const runs: RunRecord[] = rates.map((rate) => ({
    measurement: { records: 1000, bytes: 1000 * scenario.recordBytes, seconds: 1000 / rate },
    latency: null,
    expectedRecords: null,
    rssBytes,
  }));
  return { scenario, system, runs, errors: [], notes: [] };
}

export function latencyOutcome(scenario: Scenario, system: string, summaries: readonly LatencySummary[]): Outcome {
  const runs: RunRecord[] = summaries.map((latency) => ({
    measurement: null,
    latency,
    expectedRecords: 10_000,
    rssBytes: 50 * 2 ** 20,
  }));
  return { scenario, system, runs, errors: [], notes: [] };
}

export function summary(p50Ms: number, p99Ms: number, p999Ms: number, maxMs: number, count = 10_000): LatencySummary {
  return { count, p50Ms, p99Ms, p999Ms, maxMs };
}
