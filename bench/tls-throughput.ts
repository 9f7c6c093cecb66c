/**
 * Produce and consume of 100-byte records over tls:// against plaintext, in the same run (issue 11's target: TLS
 * at least 70% of plaintext). Two single brokers from the same build, one with `--tls-cert/--tls-key`, certificates
 * made by openssl; each round produces then consumes on one and then the other, so drift in the machine's load
 * hits both. Prints one line per round and the medians with the TLS/plaintext ratios.
 *
 *   make build && node dist/bench/tls-throughput.js [--records 300000] [--rounds 3]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ClientTlsOptions } from '../client/index.js';
import { BrokerProcess } from './harness/broker-process.js';
import { makeTestCertificates, opensslMissing } from './harness/tls-certs.js';
import { consumeScenario, ensureTopic, produceScenario } from './scenarios.js';

const RECORD_BYTES = 100;

const { values } = parseArgs({
  options: { records: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '3' } },
});
const records = Number(values.records);
const rounds = Number(values.rounds);

interface Side {
  readonly name: 'plaintext' | 'tls';
  readonly broker: BrokerProcess;
  readonly bootstrap: string;
  readonly tls: ClientTlsOptions | undefined;
  readonly produced: number[];
  readonly consumed: number[];
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function round(side: Side, run: number): Promise<void> {
  const topic = `tls-bench-${side.name}-${String(run)}`;
  const tls = side.tls === undefined ? {} : { tls: side.tls };
  await ensureTopic([side.bootstrap], topic, { partitions: 1, replicas: 1, ...tls });
  const produced = await produceScenario({
    bootstrap: [side.bootstrap],
    topic,
    records,
    recordBytes: RECORD_BYTES,
    producers: 1,
    acks: 1,
    api: 'write',
    partitioner: 'sticky',
    ...tls,
  });
  const consumed = await consumeScenario([side.bootstrap], topic, records, side.tls);
  side.produced.push(produced.records / produced.seconds);
  side.consumed.push(consumed.records / consumed.seconds);
  console.log(
    `round ${String(run)} ${side.name.padEnd(9)} produce ${rate(produced.records / produced.seconds)} ` +
      `consume ${rate(consumed.records / consumed.seconds)}`,
  );
}

function rate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString('en-US').padStart(9)} rec/s`;
}

async function main(): Promise<void> {
  const missing = opensslMissing();
  if (missing !== undefined) throw new Error(missing);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'brook-tls-bench-'));
  const entry = path.join(import.meta.dirname, '..', 'cli', 'main.js');
  const brokers: BrokerProcess[] = [];
  try {
    const certs = makeTestCertificates(dir);
    const start = async (name: string, args: readonly string[]): Promise<BrokerProcess> => {
      const broker = await BrokerProcess.start(
        { entry, nodeArgs: [] },
        { dataDir: path.join(dir, name), args: ['--retention-ms', '-1', ...args] },
      );
      brokers.push(broker);
      return broker;
    };
    const plain = await start('plain', []);
    const secure = await start('tls', ['--tls-cert', certs.broker.cert, '--tls-key', certs.broker.key]);
    const sides: Side[] = [
      { name: 'plaintext', broker: plain, bootstrap: plain.bootstrap, tls: undefined, produced: [], consumed: [] },
      {
        name: 'tls',
        broker: secure,
        bootstrap: `tls://127.0.0.1:${String(secure.tcpPort)}`,
        tls: { ca: readFileSync(certs.caCert) },
        produced: [],
        consumed: [],
      },
    ];
    console.log(`${String(records)} records of ${String(RECORD_BYTES)} B, ${String(rounds)} rounds, acks=1`);
    for (let run = 1; run <= rounds; run++) for (const side of sides) await round(side, run);
    const [p, t] = sides;
    if (p === undefined || t === undefined) return;
    const ratio = (a: readonly number[], b: readonly number[]): string =>
      `${((median(b) / median(a)) * 100).toFixed(0)}%`;
    console.log(
      `median produce: plaintext ${rate(median(p.produced))}, tls ${rate(median(t.produced))} (${ratio(p.produced, t.produced)})`,
    );
    console.log(
      `median consume: plaintext ${rate(median(p.consumed))}, tls ${rate(median(t.consumed))} (${ratio(p.consumed, t.consumed)})`,
    );
  } finally {
    await Promise.all(brokers.map((b) => b.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
