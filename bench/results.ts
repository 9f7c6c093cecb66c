/** What the runs of one scenario on one system produced, and the JSON row it becomes. */
import { BASE_KNOBS } from './brook-system.js';
import type { LatencySummary } from './latency.js';
import type { Scenario } from './plan.js';
import { spread } from './stats.js';
import type { Measurement } from './system.js';

/** One run of one scenario on one system. */
export interface RunRecord {
  /** Throughput runs: what moved. Latency runs: null. */
  readonly measurement: Measurement | null;
  /** Latency runs: the summary. Throughput runs: null. */
  readonly latency: LatencySummary | null;
  /** Latency runs: records sent (delivered ones are latency.count). */
  readonly expectedRecords: number | null;
  /** Server RSS right after the run, in bytes. */
  readonly rssBytes: number;
}

/** All runs of one scenario on one system. */
export interface Outcome {
  readonly scenario: Scenario;
  readonly system: string;
  readonly runs: RunRecord[];
  /** Runs that failed, with why. */
  readonly errors: string[];
  /** Extra facts for the notes (e.g. how long creating 10,000 partitions took). */
  readonly notes: string[];
}

/** One line of latest.json: the fields issue 5 lists, plus min and max of every median. */
export interface ResultRow {
  system: string;
  scenario: string;
  recordBytes: number;
  producers: number | null;
  partitions: number | null;
  replicas: number | null;
  acks: string | null;
  transport: string;
  recordsPerSec: number | null;
  recordsPerSecMin: number | null;
  recordsPerSecMax: number | null;
  mbPerSec: number | null;
  mbPerSecMin: number | null;
  mbPerSecMax: number | null;
  p50Ms: number | null;
  p50MsMin: number | null;
  p50MsMax: number | null;
  p99Ms: number | null;
  p99MsMin: number | null;
  p99MsMax: number | null;
  p999Ms: number | null;
  p999MsMin: number | null;
  p999MsMax: number | null;
  maxMs: number | null;
  maxMsMin: number | null;
  maxMsMax: number | null;
  brokerRssBytes: number | null;
  machine: string;
  timestamp: string;
}

/** Records per second of each run (throughput runs; latency runs: delivered records over the sending time). */
export function runRates(outcome: Outcome): number[] {
  return outcome.runs.flatMap((r) => {
    if (r.measurement !== null) return r.measurement.seconds > 0 ? [r.measurement.records / r.measurement.seconds] : [];
    if (r.latency !== null && outcome.scenario.kind === 'latency') return [r.latency.count / outcome.scenario.seconds];
    return [];
  });
}

type Triple = [number | null, number | null, number | null];

function triple(values: readonly number[], round: (n: number) => number): Triple {
  if (values.length === 0) return [null, null, null];
  const s = spread(values);
  return [round(s.median), round(s.min), round(s.max)];
}

const whole = (n: number): number => Math.round(n);
const tenth = (n: number): number => Math.round(n * 10) / 10;
const thousandth = (n: number): number => Math.round(n * 1000) / 1000;

function latencyTriple(outcome: Outcome, pick: (l: LatencySummary) => number | null): Triple {
  const values = outcome.runs.flatMap((r) => {
    const v = r.latency === null ? null : pick(r.latency);
    return v === null ? [] : [v];
  });
  return triple(values, thousandth);
}

/** The JSON row of an outcome. Brook's knobs fill partitions/replicas/acks/transport; peers: one stream over TCP. */
export function toRow(outcome: Outcome, machine: string, timestamp: string): ResultRow {
  const s = outcome.scenario;
  const brook = outcome.system === 'brook';
  const knobs = { ...BASE_KNOBS, ...s.knobs };
  const rates = runRates(outcome);
  const [recordsPerSec, recordsPerSecMin, recordsPerSecMax] = triple(rates, whole);
  const [mbPerSec, mbPerSecMin, mbPerSecMax] = triple(
    rates.map((r) => (r * s.recordBytes) / 1e6),
    tenth,
  );
  const [p50Ms, p50MsMin, p50MsMax] = latencyTriple(outcome, (l) => l.p50Ms);
  const [p99Ms, p99MsMin, p99MsMax] = latencyTriple(outcome, (l) => l.p99Ms);
  const [p999Ms, p999MsMin, p999MsMax] = latencyTriple(outcome, (l) => l.p999Ms);
  const [maxMs, maxMsMin, maxMsMax] = latencyTriple(outcome, (l) => l.maxMs);
  const rss = outcome.runs.map((r) => r.rssBytes).filter((b) => b > 0);
  const produces = s.kind !== 'consume';
  return {
    system: outcome.system,
    scenario: s.title,
    recordBytes: s.recordBytes,
    producers: s.kind === 'produce' ? s.producers : produces ? 1 : null,
    partitions: brook ? knobs.partitions : 1,
    replicas: brook ? knobs.replicas : 1,
    acks: brook && produces ? String(knobs.acks) : null,
    transport: brook && knobs.transport === 'ws' ? 'websocket' : 'tcp',
    recordsPerSec,
    recordsPerSecMin,
    recordsPerSecMax,
    mbPerSec,
    mbPerSecMin,
    mbPerSecMax,
    p50Ms,
    p50MsMin,
    p50MsMax,
    p99Ms,
    p99MsMin,
    p99MsMax,
    p999Ms,
    p999MsMin,
    p999MsMax,
    maxMs,
    maxMsMin,
    maxMsMax,
    brokerRssBytes: rss.length === 0 ? null : Math.max(...rss),
    machine,
    timestamp,
  };
}
