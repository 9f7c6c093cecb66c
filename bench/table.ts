/** The Markdown report: systems, throughput, latency, scale and targets, from the outcomes of one invocation. */
import type { Outcome } from './results.js';
import { runRates } from './results.js';
import { pairedRatios, spread } from './stats.js';
import type { TargetResult } from './targets.js';
import type { Unavailable } from './system.js';

export type Align = 'left' | 'right';

/** A Markdown table with padded columns (so it reads as text too). Cells must not contain `|` or newlines. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[],
): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cell: string, i: number): string =>
    align[i] === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
  const line = (cells: readonly string[]): string => `| ${header.map((_, i) => pad(cells[i] ?? '', i)).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** 1234567.8 -> "1,234,568". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Median with (min-max), rounded to whole numbers. */
export function countSpread(values: readonly number[]): string {
  if (values.length === 0) return 'n/a';
  const s = spread(values);
  return `${count(s.median)} (${count(s.min)}-${count(s.max)})`;
}

function ms(values: readonly number[]): string {
  if (values.length === 0) return 'n/a';
  const s = spread(values);
  const f = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));
  return values.length === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}-${f(s.max)})`;
}

function mib(bytes: number): string {
  return bytes > 0 ? `${count(bytes / 2 ** 20)} MiB` : 'n/a';
}

/** A system's identity for the report. */
export interface SystemInfo {
  readonly name: string;
  readonly version: string;
  readonly durability: string;
}

/** Everything the report needs. */
export interface ReportInput {
  readonly outcomes: readonly Outcome[];
  readonly targets: readonly TargetResult[];
  readonly systems: readonly SystemInfo[];
  readonly unavailable: readonly Unavailable[];
  readonly machine: string;
  readonly timestamp: string;
  readonly runs: number;
  readonly command: string;
  readonly elapsedSeconds: number;
}

function verdict(targets: readonly TargetResult[], outcome: Outcome): string {
  if (outcome.system !== 'brook') return '';
  const t = targets.find((x) => x.scenarioId === outcome.scenario.id);
  return t === undefined ? '' : `${t.status}: ${t.detail}`;
}

/** "6.1x nats-jetstream, 9.0x redis-streams": Brook's run-by-run ratios to each peer in the same scenario. */
function versusPeers(outcomes: readonly Outcome[], brook: Outcome): string {
  if (brook.system !== 'brook') return '';
  const ours = runRates(brook);
  return outcomes
    .filter((o) => o.scenario.id === brook.scenario.id && o.system !== 'brook' && o.runs.length > 0)
    .map((peer) => `${pairedRatios(ours, runRates(peer)).median.toFixed(1)}x ${peer.system}`)
    .join(', ');
}

const isScale = (o: Outcome): boolean => o.scenario.deployment === 'fresh';

function throughputTable(input: ReportInput): string {
  const rows = input.outcomes
    .filter((o) => o.scenario.kind !== 'latency' && !isScale(o) && o.runs.length > 0)
    .map((o) => {
      const rates = runRates(o);
      const mb = rates.map((r) => (r * o.scenario.recordBytes) / 1e6);
      return [
        o.scenario.title,
        o.system,
        countSpread(rates),
        mb.length === 0 ? 'n/a' : spread(mb).median.toFixed(1),
        versusPeers(input.outcomes, o),
        mib(Math.max(0, ...o.runs.map((r) => r.rssBytes))),
        verdict(input.targets, o),
      ];
    });
  return markdownTable(
    ['scenario', 'system', 'records/s (min-max)', 'MB/s', 'Brook vs peer', 'server RSS', 'target'],
    rows,
    ['left', 'left', 'right', 'right', 'left', 'right', 'left'],
  );
}

function latencyTable(input: ReportInput): string {
  const rows = input.outcomes
    .filter((o) => o.scenario.kind === 'latency' && o.runs.length > 0)
    .map((o) => {
      const l = o.runs.flatMap((r) => (r.latency === null ? [] : [r.latency]));
      const pick = (f: (x: (typeof l)[number]) => number | null): number[] =>
        l.flatMap((x) => {
          const v = f(x);
          return v === null ? [] : [v];
        });
      const sent = o.runs.reduce((a, r) => a + (r.expectedRecords ?? 0), 0);
      const got = l.reduce((a, x) => a + x.count, 0);
      return [
        o.scenario.title,
        o.system,
        ms(pick((x) => x.p50Ms)),
        ms(pick((x) => x.p99Ms)),
        ms(pick((x) => x.p999Ms)),
        ms(pick((x) => x.maxMs)),
        sent === got ? 'all' : `${count(sent - got)} of ${count(sent)} lost`,
        verdict(input.targets, o),
      ];
    });
  return markdownTable(['scenario', 'system', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'delivered', 'target'], rows, [
    'left',
    'left',
    'right',
    'right',
    'right',
    'right',
    'left',
    'left',
  ]);
}

function scaleTable(input: ReportInput): string {
  const rows = input.outcomes
    .filter((o) => isScale(o))
    .map((o) => [
      o.scenario.title,
      o.runs.length === 0 ? 'failed' : countSpread(runRates(o)),
      mib(Math.max(0, ...o.runs.map((r) => r.rssBytes))),
      [...o.notes, ...(o.errors.length > 0 ? ['failed: see below'] : [])].join('; '),
      verdict(input.targets, o),
    ]);
  return markdownTable(
    ['scenario (Brook, a fresh broker each)', 'records/s (min-max)', 'broker RSS', 'notes', 'target'],
    rows,
    ['left', 'right', 'right', 'left', 'left'],
  );
}

/** The whole report (latest.md / quick.md). */
export function reportMarkdown(input: ReportInput): string {
  const out: string[] = [
    `Machine: ${input.machine}. ${input.timestamp}, \`${input.command}\` (${count(input.elapsedSeconds)} s).`,
    `Each figure: median of ${String(input.runs)} runs (min-max), the systems' runs interleaved; "Brook vs peer" is the median of run-by-run ratios.`,
    'Brook: one broker process (a cluster of 3 for RF=3) and one client process on loopback; 1 partition, 1 producer, acks=1, TCP unless the scenario says otherwise.',
    '',
    markdownTable(
      ['system', 'version', 'durability'],
      input.systems.map((s) => [s.name, s.version, s.durability]),
      ['left', 'left', 'left'],
    ),
  ];
  for (const u of input.unavailable) out.push('', `Skipped ${u.name}: ${u.reason}`);
  out.push('', '### Throughput', '', throughputTable(input));
  if (input.outcomes.some((o) => o.scenario.kind === 'latency')) {
    out.push(
      '',
      '### End-to-end latency',
      '',
      "Open loop, measured from each record's intended send time (corrected for coordinated omission) to its delivery to the application; ms, median of runs (min-max).",
      '',
      latencyTable(input),
    );
  }
  if (input.outcomes.some(isScale)) out.push('', '### Scale', '', scaleTable(input));
  if (input.targets.length > 0) {
    out.push('', '### Targets', '');
    for (const t of input.targets)
      out.push(`- ${t.status === 'met' ? 'met' : t.status.toUpperCase()}: ${t.target}. ${t.detail}`);
  }
  const errors = input.outcomes.flatMap((o) => o.errors.map((e) => `- ${o.scenario.title} (${o.system}): ${e}`));
  if (errors.length > 0) out.push('', '### Failed runs', '', ...errors);
  return out.join('\n') + '\n';
}
