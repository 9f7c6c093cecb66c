/**
 * "Scenario A against scenario B in the same run": two single brokers from the same build, differing in their flags,
 * measured in interleaved rounds (A then B, round after round) so that drift in the machine's load hits both, and
 * compared by the per-round ratio. bench/acl-overhead.ts and bench/tls-throughput.ts are built on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClientTlsOptions } from '../client/index.js';
import { BrokerProcess } from './harness/broker-process.js';
import { ensureTopic, produceScenario, type BenchLogin } from './scenarios.js';
import { pairedRatios, spread } from './stats.js';

/** How a client reaches one side's broker. */
export interface SideClient {
  readonly bootstrap: string;
  readonly tls?: ClientTlsOptions;
  readonly login?: BenchLogin;
}

/** Starts a single broker with `args` (retention off), its data in the run's temp directory under `name`. */
export type StartBroker = (name: string, args: readonly string[]) => Promise<BrokerProcess>;

/**
 * Runs `body` with a way to start brokers in a fresh temp directory (given to `body` too), then stops every broker
 * started and removes the directory, whatever happened.
 */
export async function withBrokers(
  prefix: string,
  body: (start: StartBroker, dir: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const entry = path.join(import.meta.dirname, '..', 'cli', 'main.js');
  const brokers: BrokerProcess[] = [];
  const start: StartBroker = async (name, args) => {
    const broker = await BrokerProcess.start(
      { entry, nodeArgs: [] },
      { dataDir: path.join(dir, name), args: ['--retention-ms', '-1', ...args] },
    );
    brokers.push(broker);
    return broker;
  };
  try {
    await body(start, dir);
  } finally {
    await Promise.all(brokers.map((b) => b.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates `topic` (one partition) and produces `records` records of `recordBytes` to it, acks=1; returns records/s. */
export async function produceRate(
  client: SideClient,
  topic: string,
  records: number,
  recordBytes: number,
): Promise<number> {
  const options = {
    ...(client.tls === undefined ? {} : { tls: client.tls }),
    ...(client.login ? { login: client.login } : {}),
  };
  await ensureTopic([client.bootstrap], topic, { partitions: 1, replicas: 1, ...options });
  const produced = await produceScenario({
    bootstrap: [client.bootstrap],
    topic,
    records,
    recordBytes,
    producers: 1,
    acks: 1,
    api: 'write',
    partitioner: 'sticky',
    ...options,
  });
  return produced.records / produced.seconds;
}

/** A rate as the benches print it: `  123,456 rec/s`. */
export function rate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString('en-US').padStart(9)} rec/s`;
}

/** One summary line: both medians and the per-round ratio of `b` to `a` (median, min, max). */
export function pairedSummary(what: string, a: { name: string; rates: readonly number[] }, b: typeof a): string {
  const ratios = pairedRatios(b.rates, a.rates);
  const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return (
    `median ${what}: ${a.name} ${rate(spread(a.rates).median)}, ${b.name} ${rate(spread(b.rates).median)}; ` +
    `${b.name}/${a.name} per round: median ${percent(ratios.median)} (min ${percent(ratios.min)}, max ${percent(ratios.max)})`
  );
}
