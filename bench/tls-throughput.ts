/**
 * Produce and consume of 100-byte records over tls:// against plaintext, in the same run (issue 11's target: TLS
 * at least 70% of plaintext). Two single brokers from the same build, one with `--tls-cert/--tls-key`, certificates
 * made by openssl; each round produces then consumes on one and then the other, so drift in the machine's load
 * hits both. Prints one line per round and the medians with the TLS/plaintext ratios.
 *
 *   make build && node dist/bench/tls-throughput.js [--records 300000] [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { makeTestCertificates, opensslMissing } from './harness/tls-certs.js';
import { pairedSummary, produceRate, rate, withBrokers, type SideClient } from './paired-brokers.js';
import { consumeScenario } from './scenarios.js';

const RECORD_BYTES = 100;

const { values } = parseArgs({
  options: { records: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '3' } },
});
const records = Number(values.records);
const rounds = Number(values.rounds);

interface Side {
  readonly name: string;
  readonly client: SideClient;
  readonly produced: number[];
  readonly consumed: number[];
}

async function round(side: Side, run: number): Promise<void> {
  const topic = `tls-bench-${side.name}-${String(run)}`;
  const produced = await produceRate(side.client, topic, records, RECORD_BYTES);
  const consumed = await consumeScenario([side.client.bootstrap], topic, records, side.client.tls);
  side.produced.push(produced);
  side.consumed.push(consumed.records / consumed.seconds);
  console.log(
    `round ${String(run)} ${side.name.padEnd(9)} produce ${rate(produced)} ` +
      `consume ${rate(consumed.records / consumed.seconds)}`,
  );
}

const missing = opensslMissing();
if (missing !== undefined) throw new Error(missing);
await withBrokers('brook-tls-bench-', async (start, dir) => {
  const certs = makeTestCertificates(dir);
  const plain = await start('plain', []);
  const secure = await start('tls', ['--tls-cert', certs.broker.cert, '--tls-key', certs.broker.key]);
  const plaintext: Side = { name: 'plaintext', client: { bootstrap: plain.bootstrap }, produced: [], consumed: [] };
  const tls: Side = {
    name: 'tls',
    client: { bootstrap: `tls://127.0.0.1:${String(secure.tcpPort)}`, tls: { ca: readFileSync(certs.caCert) } },
    produced: [],
    consumed: [],
  };
  console.log(`${String(records)} records of ${String(RECORD_BYTES)} B, ${String(rounds)} rounds, acks=1`);
  for (let run = 1; run <= rounds; run++) for (const side of [plaintext, tls]) await round(side, run);
  const rates = (side: Side, of: 'produced' | 'consumed') => ({ name: side.name, rates: side[of] });
  console.log(pairedSummary('produce', rates(plaintext, 'produced'), rates(tls, 'produced')));
  console.log(pairedSummary('consume', rates(plaintext, 'consumed'), rates(tls, 'consumed')));
});
