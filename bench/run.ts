/**
 * `make bench` / `make bench-quick`: Brook and the peer systems side by side, driven by this process over loopback.
 *
 *   node dist/bench/run.js [--quick] [--runs 3] [--only <id substring>] [--no-peers] [--cpu-prof]
 *
 * --cpu-prof runs the brokers under `node --cpu-prof`: one .cpuprofile per broker process in bench/results/profiles
 * (open in Chrome DevTools > Performance), to see where the time of a missed target goes.
 *
 * Every scenario runs on every system it applies to, run by run (run 1 of every scenario and system, then run 2...),
 * so each figure is the median of interleaved runs and ratios compare runs that saw the same machine. Scale points
 * get a fresh broker each (their RSS is theirs). Writes bench/results/latest.{json,md} + throughput.svg +
 * latency.svg (quick: quick.{json,md} + *-quick.svg) and prints the Markdown.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BrookDeployment, BrookSystem } from './brook-system.js';
import { latencySummary } from './latency.js';
import { fullPlan, quickPlan, type Scenario } from './plan.js';
import { Progress } from './progress.js';
import { writeReport } from './report.js';
import { runRates, type Outcome, type RunRecord } from './results.js';
import { loadPeerSystems, type BenchSystem, type Unavailable } from './system.js';
import { count } from './table.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    'no-peers': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const quick = args.quick;
const RUNS = Number(args.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a positive integer');
/** A run that takes longer than this failed (a hung server must not hang the whole invocation). */
const RUN_TIMEOUT_MS = (quick ? 1 : 5) * 60_000;

const repo = path.resolve(import.meta.dirname, '..', '..');
const entry = path.join(repo, 'dist', 'cli', 'main.js');
const nodeArgs = args['cpu-prof']
  ? ['--cpu-prof', '--cpu-prof-dir', path.join(repo, 'bench', 'results', 'profiles')]
  : [];
const cpu = os.cpus()[0]?.model.replace(/\s+\d+-Core Processor$/, '') ?? 'cpu';
const machine = `${String(os.cpus().length)} x ${cpu}, ${String(Math.round(os.totalmem() / 2 ** 30))} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no result after ${String(ms / 1000)} s`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The topic / stream a run writes (consume runs read their source's). Names are [a-z0-9-]: every peer takes them. */
function topicOf(scenario: Scenario, run: number): string {
  const id = scenario.kind === 'consume' ? scenario.source : scenario.id;
  return scenario.kind === 'produce' && scenario.sameTopic === true ? `bench-${id}` : `bench-${id}-r${String(run)}`;
}

/** One run of `scenario` on `system`; what the progress line shows and the record kept. */
/**
 * A produce run of a slow system is shortened to about MAX_RUN_SECONDS at the rate its earlier runs showed (never
 * below a tenth of the scenario's records; a tenth after failed runs), so one slow peer cannot stretch the invocation
 * past its budget; the figure is a rate either way.
 */
const MAX_RUN_SECONDS = quick ? 5 : 30;

/** Records each produce run wrote, by system, scenario and run: the consume run of the same run reads that many. */
const produced = new Map<string, number>();
const producedKey = (system: string, scenarioId: string, run: number): string =>
  `${system}|${scenarioId}|${String(run)}`;

function recordsFor(outcome: Outcome, records: number): number {
  const rates = runRates(outcome);
  // Every earlier run failed (often: timed out): try a tenth, so one stuck system cannot eat the budget again.
  if (rates.length === 0) return outcome.errors.length === 0 ? records : Math.round(records / 10);
  const fit = Math.round(Math.min(...rates) * MAX_RUN_SECONDS);
  return Math.min(records, Math.max(Math.round(records / 10), fit));
}

async function measure(
  system: BenchSystem,
  outcome: Outcome,
  run: number,
): Promise<{ record: RunRecord; shown: string }> {
  const scenario = outcome.scenario;
  const name = topicOf(scenario, run);
  const throughput = (records: number, seconds: number): string => `${count(records / seconds)} records/s`;
  switch (scenario.kind) {
    case 'produce':
    case 'consume':
    case 'tail': {
      let m;
      if (scenario.kind === 'produce') {
        const records = recordsFor(outcome, scenario.records);
        m = await system.produce(name, {
          records,
          recordBytes: scenario.recordBytes,
          producers: scenario.producers,
        });
        produced.set(producedKey(system.name, scenario.id, run), records);
      } else if (scenario.kind === 'consume') {
        const records = produced.get(producedKey(system.name, scenario.source, run));
        if (records === undefined)
          throw new Error(`nothing to read: run ${String(run + 1)} of ${scenario.source} failed`);
        m = await system.consume(name, records);
        if (m.records < records) throw new Error(`read ${String(m.records)} of ${String(records)} records`);
      } else {
        if (!(system instanceof BrookSystem)) throw new Error('live tail is measured for Brook only');
        m = await system.tail(name, {
          subscribers: scenario.subscribers,
          records: scenario.records,
          recordBytes: scenario.recordBytes,
        });
      }
      const record = { measurement: m, latency: null, expectedRecords: null, rssBytes: system.rssBytes() };
      return { record, shown: throughput(m.records, m.seconds) };
    }
    case 'latency': {
      const samples = await system.latency(name, {
        ratePerSec: scenario.ratePerSec,
        seconds: scenario.seconds,
        recordBytes: scenario.recordBytes,
      });
      const summary = latencySummary(samples);
      const expected = Math.round(scenario.ratePerSec * scenario.seconds);
      const lost = expected - summary.count;
      const f = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(2));
      const record = { measurement: null, latency: summary, expectedRecords: expected, rssBytes: system.rssBytes() };
      return {
        record,
        shown: `p50 ${f(summary.p50Ms)} p99 ${f(summary.p99Ms)} p99.9 ${f(summary.p999Ms)} max ${f(summary.maxMs)} ms${lost > 0 ? `, ${count(lost)} lost` : ''}`,
      };
    }
  }
}

/** A failed run is recorded as an error and the invocation goes on (a peer must not sink Brook's figures). */
async function runOnce(progress: Progress, outcome: Outcome, system: BenchSystem, run: number): Promise<void> {
  progress.begin(outcome.scenario.title, run + 1, RUNS, system.name);
  try {
    const { record, shown } = await withTimeout(measure(system, outcome, run), RUN_TIMEOUT_MS);
    outcome.runs.push(record);
    progress.end(shown);
  } catch (err: unknown) {
    outcome.errors.push(`run ${String(run + 1)}: ${message(err)}`);
    progress.end(`FAILED: ${message(err)}`);
    // BENCH_DEBUG=1 shows where a failure came from.
    if (process.env.BENCH_DEBUG !== undefined && err instanceof Error) progress.note(err.stack ?? '');
  }
}

async function startPeers(progress: Progress, unavailable: Unavailable[]): Promise<BenchSystem[]> {
  if (args['no-peers']) {
    unavailable.push({ name: 'peers', reason: '--no-peers' });
    return [];
  }
  const loaded = await loadPeerSystems(!quick);
  unavailable.push(...loaded.unavailable);
  const started: BenchSystem[] = [];
  for (const peer of loaded.peers) {
    progress.note(`starting ${peer.name}...`);
    try {
      running.add(peer);
      await withTimeout(peer.start(), 120_000);
      started.push(peer);
    } catch (err: unknown) {
      unavailable.push({ name: peer.name, reason: `did not start: ${message(err)}` });
      await peer.stop().catch(() => undefined);
    }
  }
  for (const u of unavailable) progress.note(`skipping ${u.name}: ${u.reason}`);
  return started;
}

/** Everything running that must not outlive an interrupted invocation. */
const running = new Set<{ stop(): Promise<void> }>();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the servers...\n`);
    void Promise.allSettled([...running].map((r) => r.stop())).then(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const plan = (quick ? quickPlan() : fullPlan()).filter((s) => args.only === undefined || s.id.includes(args.only));
  const shared = plan.filter((s) => s.deployment !== 'fresh');
  const fresh = plan.filter((s) => s.deployment === 'fresh');
  const unavailable: Unavailable[] = [];
  const progress = new Progress(0);

  const single = new BrookSystem(new BrookDeployment({ entry, brokers: 1, nodeArgs }));
  const systems: BenchSystem[] = [single];
  const peers = shared.some((s) => s.peers) ? await startPeers(progress, unavailable) : [];
  systems.push(...peers);

  // RF=3 scenarios run on a 3-broker cluster; if it cannot start, they are reported as skipped with the reason.
  let cluster: BrookSystem | undefined;
  let clusterSkip: string | undefined;
  if (shared.some((s) => s.deployment === 'cluster')) {
    cluster = new BrookSystem(new BrookDeployment({ entry, brokers: 3, nodeArgs }));
    try {
      progress.note('starting a 3-broker Brook cluster...');
      running.add(cluster);
      await cluster.start();
    } catch (err: unknown) {
      clusterSkip = `the 3-broker cluster did not start: ${message(err)}`;
      await cluster.stop();
      cluster = undefined;
    }
    if (clusterSkip !== undefined) {
      unavailable.push({ name: 'Brook RF=3 scenarios', reason: clusterSkip });
      progress.note(`skipping the RF=3 scenarios: ${clusterSkip}`);
    }
  }
  const runnable = shared.filter((s) => s.deployment !== 'cluster' || cluster !== undefined);

  const outcomes: Outcome[] = [];
  const outcomeOf = (scenario: Scenario, system: string): Outcome => {
    let o = outcomes.find((x) => x.scenario.id === scenario.id && x.system === system);
    if (o === undefined) {
      o = { scenario, system, runs: [], errors: [], notes: [] };
      outcomes.push(o);
    }
    return o;
  };
  // Outcomes in plan order, Brook first, so tables and charts read in that order.
  for (const s of [...runnable, ...fresh]) {
    outcomeOf(s, 'brook');
    if (s.peers) for (const p of peers) outcomeOf(s, p.name);
  }
  const total = RUNS * (fresh.length + runnable.reduce((n, s) => n + 1 + (s.peers ? peers.length : 0), 0));
  const shown = new Progress(total);

  try {
    running.add(single);
    await single.start();
    for (let run = 0; run < RUNS; run++) {
      for (const scenario of runnable) {
        const base = scenario.deployment === 'cluster' && cluster !== undefined ? cluster : single;
        const targets: BenchSystem[] = [base.with(scenario.knobs), ...(scenario.peers ? peers : [])];
        for (const system of targets) await runOnce(shown, outcomeOf(scenario, system.name), system, run);
      }
    }
    // Brokers of the shared deployments would add their RSS and timers to the scale points: stop them first.
    await Promise.all([single.stop(), cluster?.stop(), ...peers.map((p) => p.stop())]);
    for (const scenario of fresh) await runFresh(shown, outcomeOf(scenario, 'brook'));
  } finally {
    await Promise.all([single.stop(), cluster?.stop(), ...peers.map((p) => p.stop().catch(() => undefined))]);
  }

  const kind = args.only !== undefined ? 'partial' : quick ? 'quick' : 'latest';
  const markdown = writeReport(path.join(repo, 'bench', 'results'), kind, {
    outcomes,
    targets: (await import('./targets.js')).evaluateTargets(outcomes),
    systems: [single, ...peers].map((s) => ({ name: s.name, version: s.version, durability: s.durability })),
    unavailable,
    machine,
    timestamp: new Date().toISOString(),
    runs: RUNS,
    command: `node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    elapsedSeconds: shown.elapsedSeconds,
  });
  process.stdout.write(`\n${markdown}`);
}

/** A scale point: a broker of its own; topic creation timed once, then the runs; RSS after each run. */
async function runFresh(progress: Progress, outcome: Outcome): Promise<void> {
  const scenario = outcome.scenario;
  const system = new BrookSystem(new BrookDeployment({ entry, brokers: 1, nodeArgs })).with(scenario.knobs);
  try {
    progress.note(`starting a fresh broker for ${scenario.title}...`);
    running.add(system);
    await system.start();
    if (scenario.kind === 'produce' && scenario.sameTopic === true) {
      const started = performance.now();
      await withTimeout(system.createTopic(topicOf(scenario, 0)), RUN_TIMEOUT_MS);
      const seconds = (performance.now() - started) / 1000;
      const idle = system.rssBytes();
      outcome.notes.push(`topic created in ${seconds.toFixed(1)} s, RSS then ${count(idle / 2 ** 20)} MiB`);
      progress.note(`  ${outcome.notes.at(-1) ?? ''}`);
    }
    for (let run = 0; run < RUNS; run++) {
      await runOnce(progress, outcome, system, run);
      // A scale point whose first run failed will not do better on the same broker; its time is better spent on the
      // next point.
      if (outcome.runs.length === 0) {
        progress.note('  skipping the remaining runs of this point');
        break;
      }
    }
  } catch (err: unknown) {
    outcome.errors.push(message(err));
    progress.note(`  FAILED: ${message(err)}`);
  } finally {
    await system.stop();
    running.delete(system);
  }
}

// Exits explicitly: a client of a broker that failed mid-run may still be retrying its connection in the background.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
