/**
 * The replication benchmarks of issue 3 that need brokers killed or left idle: failover time (median of N leader
 * kills) and the CPU of idle brokers with many replicated partitions. Writes bench/results/cluster.json.
 *
 *   node dist/bench/cluster-checks.js [--kills 20] [--partitions 1000] [--window-ms 10000]
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureFailover } from './failover.js';
import { measureIdleCpu } from './idle-cpu.js';
import { brokerDirsUnder, LocalCluster } from './harness/local-cluster.js';
import { spread } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.resolve(here, '..', 'cli', 'main.js');
const RESULTS = path.resolve(here, '..', '..', 'bench', 'results');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
}

async function withCluster<T>(run: (cluster: LocalCluster) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'brook-cluster-bench-'));
  const cluster = await LocalCluster.start({ launch: { entry: ENTRY }, dataDir: brokerDirsUnder(dataDir) });
  try {
    return await run(cluster);
  } finally {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const kills = flag('--kills', 20);
const partitions = flag('--partitions', 1000);
const windowMs = flag('--window-ms', 10_000);

const failoverMs = await withCluster((cluster) =>
  measureFailover(cluster, kills, (round, ms) => {
    process.stderr.write(`failover ${String(round)}/${String(kills)}: ${ms.toFixed(0)} ms\n`);
  }),
);
const s = spread(failoverMs);
const failover = {
  kills,
  medianMs: s.median,
  minMs: s.min,
  maxMs: s.max,
  runsMs: failoverMs.map((ms) => Math.round(ms)),
};
process.stderr.write(
  `failover: median ${failover.medianMs.toFixed(0)} ms (min ${failover.minMs.toFixed(0)}, max ${failover.maxMs.toFixed(0)})\n`,
);

process.stderr.write(`idle CPU with ${String(partitions)} partitions x 3 replicas...\n`);
const idle = await withCluster((cluster) => measureIdleCpu(cluster, partitions, windowMs));
process.stderr.write(
  `idle: CPU ${idle.cpuPercent.map((c) => `${c.toFixed(1)}%`).join(' / ')}, RSS ${idle.rssBytes.map((b) => `${(b / 2 ** 20).toFixed(0)} MiB`).join(' / ')}\n`,
);

mkdirSync(RESULTS, { recursive: true });
writeFileSync(
  path.join(RESULTS, 'cluster.json'),
  JSON.stringify(
    {
      machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
      timestamp: new Date().toISOString(),
      failover,
      idle,
    },
    null,
    2,
  ) + '\n',
);
