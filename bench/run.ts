/**
 * `make bench` / `make bench-quick`: produce and consume throughput of one broker process, driven by this process
 * through the public client over loopback. Every figure is the median of interleaved runs, with min and max.
 * Writes bench/results/latest.json and prints a Markdown table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrokerProcess, type BrokerProcess } from './broker-process.js';
import { consumeScenario, produceScenario, type Measurement } from './scenarios.js';
import { spread } from './stats.js';

interface Scenario {
  name: string;
  api: 'send' | 'write';
  recordBytes: number;
  records: number;
  transport: 'tcp' | 'ws';
  kind: 'produce' | 'consume';
}

interface Result {
  system: 'brook';
  scenario: string;
  recordBytes: number;
  producers: number;
  partitions: number;
  replicas: number;
  acks: string;
  transport: string;
  recordsPerSec: number;
  recordsPerSecMin: number;
  recordsPerSecMax: number;
  mbPerSec: number;
  p50Ms: null;
  p99Ms: null;
  p999Ms: null;
  maxMs: null;
  brokerRssBytes: number;
  runs: number;
  machine: string;
  timestamp: string;
}

const quick = process.argv.includes('--quick');
const RUNS = 3;
const scale = quick ? 0.25 : 1;
const scenarios: Scenario[] = [
  {
    name: 'produce write()',
    api: 'write',
    recordBytes: 100,
    records: 2_000_000 * scale,
    transport: 'tcp',
    kind: 'produce',
  },
  {
    name: 'consume catch-up',
    api: 'write',
    recordBytes: 100,
    records: 2_000_000 * scale,
    transport: 'tcp',
    kind: 'consume',
  },
  {
    name: 'produce send()',
    api: 'send',
    recordBytes: 100,
    records: 1_000_000 * scale,
    transport: 'tcp',
    kind: 'produce',
  },
  {
    name: 'produce write()',
    api: 'write',
    recordBytes: 1024,
    records: 500_000 * scale,
    transport: 'tcp',
    kind: 'produce',
  },
  {
    name: 'produce write()',
    api: 'write',
    recordBytes: 100,
    records: 1_000_000 * scale,
    transport: 'ws',
    kind: 'produce',
  },
  {
    name: 'consume catch-up',
    api: 'write',
    recordBytes: 100,
    records: 1_000_000 * scale,
    transport: 'ws',
    kind: 'consume',
  },
];

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${String(Math.round(os.totalmem() / 2 ** 30))} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;

function bootstrapFor(broker: BrokerProcess, transport: 'tcp' | 'ws'): string {
  return transport === 'tcp' ? `127.0.0.1:${String(broker.tcpPort)}` : `ws://127.0.0.1:${String(broker.wsPort)}`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'brook-bench-'));
  const broker = await startBrokerProcess({
    entry: path.join(repo, 'dist', 'broker', 'main.js'),
    dataDir,
    extraArgs: ['--retention-ms', '-1'],
  });
  const samples = new Map<number, Measurement[]>();
  const rss = new Map<number, number>();
  try {
    for (let run = 0; run < RUNS; run++) {
      // The consume scenario reads the topic the produce scenario before it (same size and transport) wrote.
      let lastTopic = '';
      for (const [i, s] of scenarios.entries()) {
        const bootstrap = bootstrapFor(broker, s.transport);
        process.stderr.write(
          `[run ${String(run + 1)}/${String(RUNS)}] ${s.name} ${String(s.recordBytes)} B over ${s.transport}: `,
        );
        let m: Measurement;
        if (s.kind === 'produce') {
          lastTopic = `bench-${String(run)}-${String(i)}`;
          m = await produceScenario({
            bootstrap,
            topic: lastTopic,
            partitions: 1,
            records: s.records,
            recordBytes: s.recordBytes,
            acks: 1,
            api: s.api,
          });
        } else {
          m = await consumeScenario(bootstrap, lastTopic, s.records);
        }
        process.stderr.write(`${Math.round(m.records / m.seconds).toLocaleString('en-US')} records/s\n`);
        samples.set(i, [...(samples.get(i) ?? []), m]);
        rss.set(i, Math.max(rss.get(i) ?? 0, broker.rssBytes()));
      }
    }
  } finally {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const timestamp = new Date().toISOString();
  const results: Result[] = scenarios.map((s, i) => {
    const runs = samples.get(i) ?? [];
    const rate = spread(runs.map((m) => m.records / m.seconds));
    const mb = spread(runs.map((m) => m.bytes / m.seconds / 1e6));
    return {
      system: 'brook',
      scenario: s.name,
      recordBytes: s.recordBytes,
      producers: 1,
      partitions: 1,
      replicas: 1,
      acks: s.kind === 'produce' ? '1' : '-',
      transport: s.transport,
      recordsPerSec: Math.round(rate.median),
      recordsPerSecMin: Math.round(rate.min),
      recordsPerSecMax: Math.round(rate.max),
      mbPerSec: Math.round(mb.median * 10) / 10,
      p50Ms: null,
      p99Ms: null,
      p999Ms: null,
      maxMs: null,
      brokerRssBytes: rss.get(i) ?? 0,
      runs: runs.length,
      machine,
      timestamp,
    };
  });
  const resultsDir = path.join(repo, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, quick ? 'quick.json' : 'latest.json'), JSON.stringify(results, null, 2) + '\n');

  const fmt = (n: number): string => n.toLocaleString('en-US');
  const lines = [
    `Machine: ${machine}. Median of ${String(RUNS)} interleaved runs (min-max); 1 partition, acks=1, one client process.`,
    '',
    '| scenario | record | transport | records/s (min-max) | MB/s | broker RSS |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.scenario} | ${String(r.recordBytes)} B | ${r.transport} | ${fmt(r.recordsPerSec)} (${fmt(r.recordsPerSecMin)}-${fmt(r.recordsPerSecMax)}) | ${String(r.mbPerSec)} | ${String(Math.round(r.brokerRssBytes / 2 ** 20))} MiB |`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
