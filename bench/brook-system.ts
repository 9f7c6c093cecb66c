/**
 * Brook as one {@link BenchSystem} among the peers: a deployment (one broker process, or a 3-broker cluster) and a
 * view of it with fixed client knobs (acks, partitions, replicas, transport), so a scenario that varies a knob runs
 * through the same produce/consume/latency calls as every peer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PartitionerStrategy } from '../client/index.js';
import { BrokerProcess } from './harness/broker-process.js';
import { brokerDirsUnder, LocalCluster } from './harness/local-cluster.js';
import {
  consumeScenario,
  ensureTopic,
  latencyScenario,
  produceScenario,
  tailScenario,
  type Acks,
} from './scenarios.js';
import type { BenchSystem, LatencySample, LatencySpec, Measurement, ProduceSpec } from './system.js';

/** Client-side settings a Brook scenario can vary. */
export interface BrookKnobs {
  readonly acks: Acks;
  readonly partitions: number;
  readonly replicas: number;
  readonly transport: 'tcp' | 'ws';
  readonly api: 'send' | 'write';
  readonly partitioner: PartitionerStrategy;
}

/** The baseline every scenario varies one knob of. */
export const BASE_KNOBS: BrookKnobs = Object.freeze({
  acks: 1,
  partitions: 1,
  replicas: 1,
  transport: 'tcp',
  api: 'write',
  partitioner: 'sticky',
});

/** Broker flags of every bench broker: keep everything (a run must not lose records to retention). */
const BROKER_ARGS: readonly string[] = ['--retention-ms', '-1'];

/** How long a broker may take to exit on SIGTERM, in ms: one run with `--cpu-prof` writes its profile first. */
const STOP_TIMEOUT_MS = 120_000;

/** Options of {@link BrookDeployment}. */
export interface BrookDeploymentOptions {
  /** dist/cli/main.js */
  readonly entry: string;
  /** 1 = a single broker; more = a cluster of that many. */
  readonly brokers: number;
  /** Node flags of the broker processes, e.g. `--cpu-prof --cpu-prof-dir D` (profiles written when they stop). */
  readonly nodeArgs?: readonly string[];
}

/** Broker processes with their temp data dir; started once, shared by every view. */
export class BrookDeployment {
  private processes: BrokerProcess[] = [];
  private starting: Promise<void> | undefined;
  private dataDir = '';

  constructor(private readonly options: BrookDeploymentOptions) {}

  start(): Promise<void> {
    this.starting ??= this.launch();
    return this.starting;
  }

  private async launch(): Promise<void> {
    this.dataDir = mkdtempSync(path.join(os.tmpdir(), 'brook-bench-'));
    const launch = { entry: this.options.entry, nodeArgs: this.options.nodeArgs ?? [] };
    if (this.options.brokers === 1) {
      this.processes = [await BrokerProcess.start(launch, { dataDir: this.dataDir, args: BROKER_ARGS })];
    } else {
      const cluster = await LocalCluster.start({
        launch,
        size: this.options.brokers,
        args: BROKER_ARGS,
        dataDir: brokerDirsUnder(this.dataDir),
      });
      this.processes = cluster.running();
    }
  }

  /** Every broker's address for `transport` (clients learn the rest from metadata). */
  bootstrap(transport: 'tcp' | 'ws'): string[] {
    return this.processes.map((p) =>
      transport === 'tcp' ? `127.0.0.1:${String(p.tcpPort)}` : `ws://127.0.0.1:${String(p.wsPort)}`,
    );
  }

  /** The largest broker RSS (per broker, not summed over the cluster), in bytes. */
  rssBytes(): number {
    return Math.max(0, ...this.processes.map((p) => p.rssBytes()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop(STOP_TIMEOUT_MS)));
    this.processes = [];
    this.starting = undefined;
    if (this.dataDir !== '') rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Brook's version: package.json's, with the commit when run from a git checkout. */
function brookVersion(): string {
  const repo = path.resolve(import.meta.dirname, '..', '..');
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version?: unknown };
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a checkout (an unpacked tarball): the package version alone.
  }
  return `${String(pkg.version)}${commit === '' ? '' : ` (${commit})`}`;
}

/** Brook with fixed knobs over a (shared) deployment. */
export class BrookSystem implements BenchSystem {
  readonly name = 'brook';
  readonly version: string;
  readonly durability: string;

  constructor(
    readonly deployment: BrookDeployment,
    readonly knobs: BrookKnobs = BASE_KNOBS,
    version?: string,
  ) {
    this.version = version ?? brookVersion();
    this.durability =
      `SQLite WAL, fsync every 1 s (--flush interval), ${String(knobs.replicas)} replica(s), ` +
      `acked after ${knobs.acks === 0 ? 'the socket write (acks=0)' : knobs.acks === 1 ? 'the leader append (acks=1)' : 'a majority append (acks=all)'}`;
  }

  /** The same deployment with some knobs changed. */
  with(knobs: Partial<BrookKnobs>): BrookSystem {
    return new BrookSystem(this.deployment, { ...this.knobs, ...knobs }, this.version);
  }

  start(): Promise<void> {
    return this.deployment.start();
  }

  private bootstrap(): string[] {
    return this.deployment.bootstrap(this.knobs.transport);
  }

  /** Creates the topic (if missing) with this view's partitions and replicas. */
  createTopic(name: string): Promise<void> {
    return ensureTopic(this.deployment.bootstrap('tcp'), name, {
      partitions: this.knobs.partitions,
      replicas: this.knobs.replicas,
    });
  }

  async produce(name: string, spec: ProduceSpec): Promise<Measurement> {
    await this.createTopic(name);
    return produceScenario({
      bootstrap: this.bootstrap(),
      topic: name,
      records: spec.records,
      recordBytes: spec.recordBytes,
      producers: spec.producers,
      acks: this.knobs.acks,
      api: this.knobs.api,
      partitioner: this.knobs.partitioner,
    });
  }

  consume(name: string, records: number): Promise<Measurement> {
    return consumeScenario(this.bootstrap(), name, records);
  }

  async latency(name: string, spec: LatencySpec): Promise<LatencySample[]> {
    await this.createTopic(name);
    return latencyScenario({ bootstrap: this.bootstrap(), topic: name, acks: this.knobs.acks, ...spec });
  }

  /** Live tail / fan-out: `subscribers` consumers over this view's transport, one producer over TCP. */
  async tail(name: string, spec: { subscribers: number; records: number; recordBytes: number }): Promise<Measurement> {
    await this.createTopic(name);
    return tailScenario({
      producerBootstrap: this.deployment.bootstrap('tcp'),
      consumerBootstrap: this.bootstrap(),
      topic: name,
      acks: this.knobs.acks,
      ...spec,
    });
  }

  rssBytes(): number {
    return this.deployment.rssBytes();
  }

  stop(): Promise<void> {
    return this.deployment.stop();
  }
}
