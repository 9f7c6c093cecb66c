/** Issue 5's targets, checked against the outcomes of one invocation (ratios from its interleaved runs). */
import type { Outcome } from './results.js';
import { runRates } from './results.js';
import { pairedRatios, spread } from './stats.js';

export const TargetStatuses = { met: 'met', missed: 'missed', unmeasured: 'not measured' } as const;
export type TargetStatus = (typeof TargetStatuses)[keyof typeof TargetStatuses];

/** One target's verdict. */
export interface TargetResult {
  /** The Brook scenario it is judged on (its table row gets the verdict). */
  readonly scenarioId: string;
  readonly target: string;
  readonly status: TargetStatus;
  /** The figures behind the verdict, and by how much a miss missed. */
  readonly detail: string;
}

/** Replicated (RF=3, acks=all) produce: required fraction of the single-broker acks=1 figure. */
const REPLICATED_FRACTION = 0.4;

/** Produce 100 B: required multiple of each peer's records/s. */
const PRODUCE_MULTIPLES: Readonly<Record<string, number>> = {
  'nats-jetstream': 5,
  'redis-streams': 5,
  'rabbitmq-streams': 3,
};
const DEFAULT_PRODUCE_MULTIPLE = 5;
const CONSUME_MULTIPLE = 3;
const P99_LIMIT_MS = 5;
const P999_LIMIT_MS = 20;
const RSS_LIMIT_BYTES = 2 * 2 ** 30;
const PARTITION_SCALE_FRACTION = 0.5;

const x = (n: number): string => `${n.toFixed(1)}x`;
const pct = (n: number): string => `${String(Math.round(n * 100))}%`;

function find(outcomes: readonly Outcome[], scenarioId: string, system: string): Outcome | undefined {
  return outcomes.find((o) => o.scenario.id === scenarioId && o.system === system && o.runs.length > 0);
}

function peersOf(outcomes: readonly Outcome[], scenarioId: string): Outcome[] {
  return outcomes.filter((o) => o.scenario.id === scenarioId && o.system !== 'brook' && o.runs.length > 0);
}

function produceTarget(outcomes: readonly Outcome[]): TargetResult {
  const scenarioId = 'produce-100B';
  const target = 'produce 100 B acks=1: >= 5x NATS JetStream and Redis Streams, >= 3x RabbitMQ Streams';
  const brook = find(outcomes, scenarioId, 'brook');
  const peers = peersOf(outcomes, scenarioId);
  if (brook === undefined || peers.length === 0) {
    return {
      scenarioId,
      target,
      status: 'not measured',
      detail: brook === undefined ? 'no Brook runs' : 'no peer ran',
    };
  }
  const parts: string[] = [];
  let met = true;
  for (const peer of peers) {
    const need = PRODUCE_MULTIPLES[peer.system] ?? DEFAULT_PRODUCE_MULTIPLE;
    const ratio = pairedRatios(runRates(brook), runRates(peer)).median;
    if (ratio >= need) parts.push(`${x(ratio)} ${peer.system} (>= ${String(need)}x)`);
    else {
      met = false;
      parts.push(`${x(ratio)} ${peer.system}, needs ${String(need)}x (${pct(1 - ratio / need)} short)`);
    }
  }
  return { scenarioId, target, status: met ? 'met' : 'missed', detail: parts.join('; ') };
}

function consumeTarget(outcomes: readonly Outcome[]): TargetResult {
  const scenarioId = 'consume-100B';
  const target = `consume catch-up 100 B: >= ${String(CONSUME_MULTIPLE)}x the better peer`;
  const brook = find(outcomes, scenarioId, 'brook');
  const peers = peersOf(outcomes, scenarioId);
  if (brook === undefined || peers.length === 0) {
    return {
      scenarioId,
      target,
      status: 'not measured',
      detail: brook === undefined ? 'no Brook runs' : 'no peer ran',
    };
  }
  const best = peers.reduce((a, b) => (spread(runRates(b)).median > spread(runRates(a)).median ? b : a));
  const ratio = pairedRatios(runRates(brook), runRates(best)).median;
  const met = ratio >= CONSUME_MULTIPLE;
  const detail = met
    ? `${x(ratio)} ${best.system}`
    : `${x(ratio)} ${best.system}, needs ${String(CONSUME_MULTIPLE)}x (${pct(1 - ratio / CONSUME_MULTIPLE)} short)`;
  return { scenarioId, target, status: met ? 'met' : 'missed', detail };
}

function latencyTarget(outcomes: readonly Outcome[]): TargetResult {
  const scenarioId = 'latency-10k';
  const target = `latency 10k rec/s 1 KiB acks=1: p99 < ${String(P99_LIMIT_MS)} ms, p99.9 < ${String(P999_LIMIT_MS)} ms`;
  const brook = find(outcomes, scenarioId, 'brook');
  const summaries = brook?.runs.flatMap((r) => (r.latency === null ? [] : [r.latency])) ?? [];
  const p99s = summaries.flatMap((l) => (l.p99Ms === null ? [] : [l.p99Ms]));
  const p999s = summaries.flatMap((l) => (l.p999Ms === null ? [] : [l.p999Ms]));
  if (p99s.length === 0 || p999s.length === 0)
    return { scenarioId, target, status: 'not measured', detail: 'no Brook runs' };
  const p99 = spread(p99s).median;
  const p999 = spread(p999s).median;
  const misses: string[] = [];
  if (p99 >= P99_LIMIT_MS) misses.push(`p99 over by ${(p99 - P99_LIMIT_MS).toFixed(2)} ms`);
  if (p999 >= P999_LIMIT_MS) misses.push(`p99.9 over by ${(p999 - P999_LIMIT_MS).toFixed(2)} ms`);
  return judged(scenarioId, target, `p99 ${p99.toFixed(2)} ms, p99.9 ${p999.toFixed(2)} ms`, misses);
}

/** Met when nothing missed; the detail is the measured figures, then what missed. */
function judged(scenarioId: string, target: string, figures: string, misses: readonly string[]): TargetResult {
  return {
    scenarioId,
    target,
    status: misses.length === 0 ? 'met' : 'missed',
    detail: misses.length === 0 ? figures : `${figures}: ${misses.join(', ')}`,
  };
}

function partitionsTarget(outcomes: readonly Outcome[]): TargetResult {
  const scenarioId = 'scale-partitions-10000';
  const target = '10,000 partitions: starts, < 2 GiB RSS, produce >= half the 8-partition figure';
  const big = find(outcomes, scenarioId, 'brook');
  const eight = find(outcomes, 'scale-partitions-8', 'brook');
  if (big === undefined || eight === undefined) {
    const failed = outcomes.find((o) => o.scenario.id === scenarioId && o.errors.length > 0);
    return failed === undefined
      ? { scenarioId, target, status: 'not measured', detail: 'not in this run' }
      : { scenarioId, target, status: 'missed', detail: 'its runs failed (see Failed runs)' };
  }
  const rss = Math.max(...big.runs.map((r) => r.rssBytes));
  const ratio = spread(runRates(big)).median / spread(runRates(eight)).median;
  const misses: string[] = [];
  if (rss >= RSS_LIMIT_BYTES) misses.push(`RSS over by ${String(Math.round((rss - RSS_LIMIT_BYTES) / 2 ** 20))} MiB`);
  if (ratio < PARTITION_SCALE_FRACTION) misses.push(`throughput ${pct(ratio)} of 8 partitions, needs 50%`);
  const figures = `RSS ${String(Math.round(rss / 2 ** 20))} MiB, ${pct(ratio)} of the 8-partition records/s`;
  return judged(scenarioId, target, figures, misses);
}

/** Issue 3: replicated produce keeps a good share of the single broker's throughput. */
function replicationTarget(outcomes: readonly Outcome[]): TargetResult {
  const scenarioId = 'produce-100B-rf3-acksall';
  const target = `produce 100 B, RF=3 acks=all: >= ${pct(REPLICATED_FRACTION)} of one broker's acks=1 records/s`;
  const replicated = find(outcomes, scenarioId, 'brook');
  const single = find(outcomes, 'produce-100B', 'brook');
  if (replicated === undefined || single === undefined) {
    return { scenarioId, target, status: 'not measured', detail: 'needs both produce-100B and this scenario' };
  }
  const ratio = pairedRatios(runRates(replicated), runRates(single)).median;
  const met = ratio >= REPLICATED_FRACTION;
  return {
    scenarioId,
    target,
    status: met ? 'met' : 'missed',
    detail: `${pct(ratio)} of the single-broker figure${met ? '' : `, needs ${pct(REPLICATED_FRACTION)}`}`,
  };
}

/** Every target that this invocation's scenarios can judge. */
export function evaluateTargets(outcomes: readonly Outcome[]): TargetResult[] {
  const ids = new Set(outcomes.map((o) => o.scenario.id));
  const all = [produceTarget, consumeTarget, latencyTarget, partitionsTarget, replicationTarget].map((f) =>
    f(outcomes),
  );
  return all.filter((t) => ids.has(t.scenarioId) || t.status !== 'not measured');
}
