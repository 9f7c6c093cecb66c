/**
 * A cluster of real broker processes on 127.0.0.1, the one harness of the bench, the integration tests and the chaos
 * suite. Every broker's ports are picked before any starts (each broker's --peers names every peer port), and a broker
 * restarted on its data dir keeps its ports, so clients and peers find it again without a new bootstrap. Brokers can
 * be killed, restarted, stopped, and joined to the running cluster. How a broker reaches its peers is pluggable
 * ({@link PeerRoutes}): the chaos suite routes every peer link through a fault proxy.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Admin } from '../../client/index.js';
import { BrokerProcess, type BrookLaunch } from './broker-process.js';
import { freePorts } from './free-port.js';

/**
 * How brokers reach each other's peer ports. Without routes each broker dials the others' peer ports directly, and a
 * peer port, once picked, never moves (every other broker's --peers names it).
 */
export interface PeerRoutes {
  /** The port broker `from` dials to reach broker `to`. */
  portFor(from: number, to: number): number;
  /** Broker `id` listens for peers on `peerPort` from now on (the one picked for it was taken, so it moved). */
  peerPortMoved(id: number, peerPort: number): void;
}

/** Options of {@link LocalCluster.start}. */
export interface LocalClusterOptions {
  /** How to run the `brook` command. */
  readonly launch: BrookLaunch;
  /** Broker ids are 1..size. Default 3. */
  readonly size?: number | undefined;
  /** The data directory of broker `id` (kept across its restarts); asked once per broker, a joiner too. */
  readonly dataDir: (id: number) => string;
  /** More `brook broker` flags for every broker (e.g. `['--flush', 'always']`). */
  readonly args?: readonly string[] | undefined;
  /** Give each broker this long to log "broker started", in ms. Default 60 000. */
  readonly startTimeoutMs?: number | undefined;
  /** Called with every broker process as soon as it is spawned (a test registers its teardown here). */
  readonly onSpawn?: ((broker: BrokerProcess) => void) | undefined;
  /** Called once the initial brokers' peer ports are picked, before any starts; default: direct links. */
  readonly routes?: ((peerPorts: ReadonlyMap<number, number>) => Promise<PeerRoutes>) | undefined;
}

/** Attempts at starting a broker whose port was taken between picking and binding it. */
const PORT_ATTEMPTS = 3;

/** Ports each broker listens on: client TCP, WebSocket/HTTP, peer, Kafka. */
const PORTS_PER_MEMBER = 4;

/** One broker: what survives its restarts, and its current (or last) process. */
interface Member {
  readonly id: number;
  readonly dataDir: string;
  port: number;
  wsPort: number;
  peerPort: number;
  kafkaPort: number;
  process: BrokerProcess | undefined;
}

/** Brokers 1..size on 127.0.0.1 with fixed ports. Create with {@link LocalCluster.start}. */
export class LocalCluster {
  private routes: PeerRoutes | undefined;

  private constructor(
    private readonly options: LocalClusterOptions,
    private readonly members: Member[],
  ) {}

  /** Picks every broker's ports, sets up the routes, then starts the brokers in parallel and waits for each. */
  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const size = options.size ?? 3;
    const ids = Array.from({ length: size }, (_, i) => i + 1);
    // All ports in one call: ports picked in separate calls could repeat.
    const ports = await freePorts(ids.length * PORTS_PER_MEMBER);
    const cluster = new LocalCluster(
      options,
      ids.map((id, i) =>
        newMember(id, options.dataDir(id), ports.slice(i * PORTS_PER_MEMBER, (i + 1) * PORTS_PER_MEMBER)),
      ),
    );
    if (options.routes !== undefined) {
      cluster.routes = await options.routes(new Map(cluster.members.map((m) => [m.id, m.peerPort])));
    }
    const started = await Promise.allSettled(cluster.members.map((m) => cluster.startMember(m)));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(cluster.members.map((m) => cluster.kill(m.id)));
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    return cluster;
  }

  /** Broker ids, in order. */
  get ids(): number[] {
    return this.members.map((m) => m.id);
  }

  /** Client bootstrap list: every broker's TCP address, comma-separated. */
  get bootstrap(): string {
    return this.members.map((m) => `127.0.0.1:${String(m.port)}`).join(',');
  }

  /** Kafka bootstrap list: every broker's Kafka listener address, comma-separated. */
  get kafkaBootstrap(): string {
    return this.members.map((m) => `127.0.0.1:${String(m.kafkaPort)}`).join(',');
  }

  /** The current process of broker `id`, or its last one once it has died (for its output). */
  broker(id: number): BrokerProcess {
    const process = this.member(id).process;
    if (process === undefined) throw new Error(`broker ${String(id)} was never started`);
    return process;
  }

  /** Whether broker `id` is running (a SIGSTOPped one counts as running). */
  isRunning(id: number): boolean {
    return this.member(id).process?.alive ?? false;
  }

  /** The processes of the running brokers. */
  running(): BrokerProcess[] {
    return this.members.flatMap((m) => (m.process?.alive === true ? [m.process] : []));
  }

  /** The data directory of broker `id` (the same across restarts). */
  dataDir(id: number): string {
    return this.member(id).dataDir;
  }

  /** The port broker `id` listens on for peers. */
  peerPort(id: number): number {
    return this.member(id).peerPort;
  }

  /** SIGKILLs broker `id` and waits for it to exit. */
  async kill(id: number): Promise<void> {
    const process = this.member(id).process;
    if (process === undefined) return;
    process.kill('SIGKILL');
    await process.exited;
  }

  /** Starts broker `id` again on its data dir and ports. It must not be running. */
  async restart(id: number): Promise<BrokerProcess> {
    const member = this.member(id);
    if (member.process?.alive === true) throw new Error(`broker ${String(id)} is still running`);
    return this.startMember(member);
  }

  /**
   * Starts one more broker (the next id) with `--join`: it asks the running cluster to add it. Resolves with its id
   * once its process has started (not once the cluster has added it).
   */
  async join(): Promise<number> {
    const id = Math.max(...this.ids) + 1;
    const member = newMember(id, this.options.dataDir(id), await freePorts(PORTS_PER_MEMBER));
    this.members.push(member);
    await this.startMember(member, ['--join']);
    return member.id;
  }

  /** Stops every running broker gracefully (SIGTERM), each given `timeoutMs` (see {@link BrokerProcess.stop}). */
  async stop(timeoutMs?: number): Promise<void> {
    await Promise.all(this.running().map((p) => p.stop(timeoutMs)));
  }

  /** Leader of each partition of `topic`, as a running broker's metadata says (-1: none). */
  async leaders(topic: string): Promise<number[]> {
    const admin = new Admin({ bootstrap: this.running().map((p) => p.bootstrap) });
    try {
      const [described] = await admin.describeTopics([topic]);
      return described?.partitions.map((p) => p.leader) ?? [];
    } finally {
      await admin.close();
    }
  }

  private member(id: number): Member {
    const member = this.members.find((m) => m.id === id);
    if (member === undefined) throw new Error(`no broker ${String(id)}`);
    return member;
  }

  /** The `--peers` value of broker `id`: itself at its own peer port, every other broker as its route says. */
  private peersArg(id: number): string {
    return this.members
      .map((m) => {
        const port = m.id === id ? m.peerPort : (this.routes?.portFor(id, m.id) ?? m.peerPort);
        return `${String(m.id)}@127.0.0.1:${String(port)}`;
      })
      .join(',');
  }

  /**
   * Starts `member` on its ports. A port taken since it was picked (another process got it first) is replaced:
   * the client ports always (clients find them again through metadata), the peer port only where routes can follow.
   */
  private async startMember(member: Member, args: readonly string[] = []): Promise<BrokerProcess> {
    for (let attempt = 1; ; attempt++) {
      try {
        member.process = await BrokerProcess.start(this.options.launch, {
          dataDir: member.dataDir,
          args: [
            '--id',
            String(member.id),
            '--peers',
            this.peersArg(member.id),
            '--peer-port',
            String(member.peerPort),
            '--port',
            String(member.port),
            '--ws-port',
            String(member.wsPort),
            '--kafka-port',
            String(member.kafkaPort),
            ...(this.options.args ?? []),
            ...args,
          ],
          startTimeoutMs: this.options.startTimeoutMs ?? 60_000,
          onSpawn: this.options.onSpawn,
        });
      } catch (err: unknown) {
        const message = err instanceof Error ? err.message : String(err);
        // Node reports a taken TCP port as EADDRINUSE, uWebSockets.js as "cannot listen".
        if (attempt >= PORT_ATTEMPTS || !/EADDRINUSE|cannot listen/.test(message)) throw err;
        await this.movePorts(member);
        continue;
      }
      const reported = member.process.logged('broker started')[0]?.['peerPort'];
      if (reported !== member.peerPort) {
        throw new Error(
          `broker ${String(member.id)} listens for peers on ${String(reported)}, not ${String(member.peerPort)}`,
        );
      }
      return member.process;
    }
  }

  private async movePorts(member: Member): Promise<void> {
    const [port = 0, wsPort = 0, peerPort = 0, kafkaPort = 0] = await freePorts(PORTS_PER_MEMBER);
    member.port = port;
    member.wsPort = wsPort;
    member.kafkaPort = kafkaPort;
    if (this.routes === undefined) return;
    member.peerPort = peerPort;
    this.routes.peerPortMoved(member.id, peerPort);
  }
}

/** Data dirs `<root>/broker-<id>`, created on demand: the {@link LocalClusterOptions.dataDir} of a bench cluster. */
export function brokerDirsUnder(root: string): (id: number) => string {
  return (id) => {
    const dir = path.join(root, `broker-${String(id)}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
}

/** A member not started yet, on `ports` (client, WebSocket, peer, Kafka). */
function newMember(id: number, dataDir: string, ports: readonly number[]): Member {
  const [port = 0, wsPort = 0, peerPort = 0, kafkaPort = 0] = ports;
  return { id, dataDir, port, wsPort, peerPort, kafkaPort, process: undefined };
}
