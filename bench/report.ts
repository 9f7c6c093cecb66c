/** Turns the outcomes of an invocation into the files: <name>.json, <name>.md and the two SVG charts. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Outcome } from './results.js';
import { runRates, toRow } from './results.js';
import { spread } from './stats.js';
import { latencyChartSvg, throughputChartSvg, type BarGroup, type LatencyPanel } from './svg.js';
import { reportMarkdown, type ReportInput } from './table.js';

function bar(label: string, outcome: Outcome): BarGroup['bars'][number] | undefined {
  const rates = runRates(outcome);
  if (rates.length === 0) return undefined;
  const s = spread(rates);
  return { label, system: outcome.system, value: s.median, min: s.min, max: s.max };
}

/** Throughput chart groups: each peer scenario (Brook vs peers), then Brook's own matrix and scale series. */
export function throughputGroups(outcomes: readonly Outcome[]): BarGroup[] {
  const throughput = outcomes.filter((o) => o.scenario.kind !== 'latency');
  const groups: BarGroup[] = [];
  const compared = [...new Set(throughput.filter((o) => o.scenario.peers).map((o) => o.scenario.id))];
  for (const id of compared) {
    const members = throughput.filter((o) => o.scenario.id === id);
    const bars = members.flatMap((o) => bar(o.system, o) ?? []);
    if (bars.length > 0) groups.push({ label: members[0]?.scenario.title ?? id, bars });
  }
  const brookOnly = (fresh: boolean, match: (id: string) => boolean, label: string): void => {
    const bars = throughput
      .filter((o) => !o.scenario.peers && (o.scenario.deployment === 'fresh') === fresh && match(o.scenario.id))
      .flatMap((o) => bar(o.scenario.title.replace(/^produce across /, '').replace(/^fan-out to /, ''), o) ?? []);
    if (bars.length > 0) groups.push({ label, bars });
  };
  brookOnly(false, () => true, "Brook's matrix (one knob at a time)");
  brookOnly(true, (id) => id.startsWith('scale-partitions'), 'Brook: produce 100 B as partitions grow');
  brookOnly(true, (id) => id.startsWith('scale-subscribers'), 'Brook: deliveries/s as WebSocket subscribers grow');
  return groups;
}

/** Latency chart panels: one per latency scenario, a series per system (medians of the runs). */
export function latencyPanels(outcomes: readonly Outcome[]): LatencyPanel[] {
  const latency = outcomes.filter((o) => o.scenario.kind === 'latency' && o.runs.length > 0);
  const ids = [...new Set(latency.map((o) => o.scenario.id))];
  return ids.map((id) => {
    const members = latency.filter((o) => o.scenario.id === id);
    const median = (o: Outcome, pick: (l: NonNullable<Outcome['runs'][number]['latency']>) => number | null) => {
      const values = o.runs.flatMap((r) => {
        const v = r.latency === null ? null : pick(r.latency);
        return v === null ? [] : [v];
      });
      return values.length === 0 ? null : spread(values).median;
    };
    return {
      label: (members[0]?.scenario.title ?? id).replace(/^latency @ /, ''),
      series: members.map((o) => ({
        system: o.system,
        p50Ms: median(o, (l) => l.p50Ms),
        p99Ms: median(o, (l) => l.p99Ms),
        p999Ms: median(o, (l) => l.p999Ms),
        maxMs: median(o, (l) => l.maxMs),
      })),
    };
  });
}

/** Which results a run writes: the full matrix, the quick plan, or a subset picked with --only. */
export type ReportKind = 'latest' | 'quick' | 'partial';

/**
 * Writes `<kind>.json`, `<kind>.md`, throughput`<suffix>`.svg and latency`<suffix>`.svg (no suffix for 'latest');
 * returns the Markdown. A partial run never overwrites the full results.
 */
export function writeReport(dir: string, kind: ReportKind, input: ReportInput): string {
  mkdirSync(dir, { recursive: true });
  const base = kind;
  const suffix = kind === 'latest' ? '' : `-${kind}`;
  const rows = input.outcomes.map((o) => toRow(o, input.machine, input.timestamp));
  writeFileSync(path.join(dir, `${base}.json`), JSON.stringify(rows, null, 2) + '\n');
  const markdown = reportMarkdown(input);
  writeFileSync(path.join(dir, `${base}.md`), markdown);
  writeFileSync(
    path.join(dir, `throughput${suffix}.svg`),
    throughputChartSvg(
      `Records/s, median of ${String(input.runs)} runs with min-max (${input.timestamp.slice(0, 10)})`,
      throughputGroups(input.outcomes),
    ),
  );
  const panels = latencyPanels(input.outcomes);
  if (panels.length > 0) {
    writeFileSync(
      path.join(dir, `latency${suffix}.svg`),
      latencyChartSvg('End-to-end latency percentiles by rate, 1 KiB records (ms, log scale)', panels),
    );
  }
  return markdown;
}
