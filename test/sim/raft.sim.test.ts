/**
 * Deterministic simulation of Raft groups under faults. Each seed fixes everything: cluster size (even
 * seeds 3 nodes, odd seeds 5), fault profile, schedule. Safety is checked after every round; liveness
 * after healing.
 *
 * Env: RAFT_SEED=n replays one seed (add RAFT_TRACE=1 for an event trace); RAFT_SIM_RUNS=n sets how many
 * seeds run (soak); RAFT_SIM_BASE=n shifts the first seed.
 */
import t from 'tap';
import { LivenessFailure, runSim } from './scenario.js';
import type { SimStats } from './cluster.js';
import type { SimResult } from './scenario.js';

const CHAOS_TICKS = 300;
const LIVENESS_ELECTION_TIMEOUTS = 30;
const CATCH_UP_TICKS = 1000;
/**
 * Seeds per `make test`: 1,000 take about 25 s here. A soak runs more (RAFT_SIM_RUNS=20000 RAFT_SIM_BASE=...), each
 * seed a different cluster size, fault profile and schedule.
 */
const DEFAULT_RUNS = 1000;

const replaySeed = process.env.RAFT_SEED === undefined ? undefined : Number(process.env.RAFT_SEED);
const runs = Number(process.env.RAFT_SIM_RUNS ?? DEFAULT_RUNS);
const base = Number(process.env.RAFT_SIM_BASE ?? 1);
const traceOn = process.env.RAFT_TRACE === '1';

function nodeCountFor(seed: number): number {
  return seed % 2 === 0 ? 3 : 5;
}

function run(seed: number, trace?: (line: string) => void): SimResult {
  return runSim(seed, {
    nodeCount: nodeCountFor(seed),
    chaosTicks: CHAOS_TICKS,
    livenessElectionTimeouts: LIVENESS_ELECTION_TIMEOUTS,
    catchUpTicks: CATCH_UP_TICKS,
    ...(trace === undefined ? {} : { trace }),
  });
}

/** Reruns a failing seed with tracing on and returns the last lines before the failure. */
function traceTail(seed: number, lines: number): string {
  const tail: string[] = [];
  try {
    run(seed, (line) => {
      tail.push(line);
      if (tail.length > lines) tail.shift();
    });
  } catch {
    // Expected: the same failure again.
  }
  return tail.join('\n');
}

function replayCommand(seed: number): string {
  return `RAFT_SEED=${seed} RAFT_TRACE=1 npx tap test/sim/raft.sim.test.ts`;
}

if (replaySeed !== undefined) {
  void t.test(`replay seed ${replaySeed} (${nodeCountFor(replaySeed)} nodes)`, (t) => {
    const trace = traceOn
      ? (line: string) => {
          console.error(line);
        }
      : undefined;
    const result = run(replaySeed, trace);
    t.pass(`ok: ${JSON.stringify(result)}`);
    t.end();
  });
} else {
  void t.test(`${runs} seeded runs (3 and 5 nodes)`, (t) => {
    const started = performance.now();
    let maxRecovery = 0;
    let maxCatchUp = 0;
    let committed = 0;
    let messages = 0;
    let checks = 0;
    let failures = 0;
    let ran = 0;
    const totals: Record<string, number> = {};
    for (let seed = base; seed < base + runs; seed++) {
      ran++;
      let result: SimResult;
      try {
        result = run(seed);
      } catch (err: unknown) {
        failures++;
        const kind = err instanceof LivenessFailure ? 'liveness' : 'safety';
        const message = err instanceof Error ? err.message : String(err);
        t.fail(`seed ${seed} (${nodeCountFor(seed)} nodes) ${kind}: ${message}\nreplay: ${replayCommand(seed)}`, {
          diagnostic: true,
          trace: traceTail(seed, 60),
        });
        if (failures >= 3) break;
        continue;
      }
      maxRecovery = Math.max(maxRecovery, result.recoveryTicks);
      maxCatchUp = Math.max(maxCatchUp, result.catchUpTicks);
      committed += result.committed;
      messages += result.messages;
      checks += result.checks;
      for (const key of Object.keys(result.stats) as (keyof SimStats)[]) {
        totals[key] = (totals[key] ?? 0) + result.stats[key];
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    t.equal(failures, 0, 'every seed keeps safety and recovers liveness');
    t.comment(
      `${ran} runs in ${seconds}s: ${committed} entries committed, ${messages} messages, ${checks} entry checks, ` +
        `slowest recovery ${maxRecovery} ticks, slowest catch-up ${maxCatchUp} ticks; totals ${JSON.stringify(totals)}`,
    );
    t.end();
  });
}
