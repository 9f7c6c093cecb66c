/**
 * A cluster of real broker processes for the chaos suite, every peer link through its own {@link FaultProxy}: the
 * address broker i uses for broker j is the proxy of link i->j (brokers dial each peer and only send on what they
 * dialed, so that proxy carries exactly i's messages to j). Processes can be killed (SIGKILL) and restarted on the
 * same data dir and ports, paused (SIGSTOP/SIGCONT); the network can be cut one way, partitioned, bridged, slowed or
 * reset by setting proxy modes.
 */
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { freePorts } from '../helpers/cluster.js';
import { tempDir } from '../helpers/temp-dir.js';
import { FaultProxy } from './fault-proxy.js';

/** Options of {@link ChaosCluster.start}. */
export interface ChaosClusterOptions {
  /** Broker ids are 1..size. Default 3. */
  readonly size?: number;
  /** More `brook broker` flags for every broker (e.g. `['--flush', 'always']`). */
  readonly args?: readonly string[];
  /** Give each broker this long to log "broker started", in ms. Default 60 000. */
  readonly startTimeoutMs?: number;
}

/** How a cut link behaves: a silent blackhole, or connections reset and refused. */
export type CutMode = 'drop' | 'reset';

/** Attempts at starting a broker whose port was taken between picking and binding it. */
const PORT_ATTEMPTS = 3;

/** One broker of the cluster: its current process (a restart replaces it) and what survives restarts. */
interface Member {
  readonly id: number;
  readonly dataDir: string;
  peerPort: number;
  process: BrokerProcess;
  paused: boolean;
}

/** Three (or `size`) brokers on 127.0.0.1 with a fault proxy on every directed peer link. */
export class ChaosCluster {
  private readonly members = new Map<number, Member>();

  private constructor(
    private readonly t: Test,
    private readonly proxies: ReadonlyMap<string, FaultProxy>,
    /** The `--cluster-id` every broker shares (peers refuse a hello from another cluster). */
    readonly clusterId: string,
    /** Broker ids, 1..size. */
    readonly ids: readonly number[],
    private readonly options: ChaosClusterOptions,
  ) {}

  /** Picks peer ports, starts the proxies, then the brokers (in parallel). */
  static async start(t: Test, options: ChaosClusterOptions = {}): Promise<ChaosCluster> {
    const size = options.size ?? 3;
    const ids = Array.from({ length: size }, (_, i) => i + 1);
    // Data dirs first: teardowns run in reverse, so they are removed after the processes are gone.
    const dataDirs = new Map(ids.map((id) => [id, tempDir(t, `brook-chaos-${String(id)}-`)]));
    // The chicken and the egg: proxies need the brokers' peer ports, brokers need the proxies' ports. Free ports
    // are picked first (bound on port 0, then released); a port taken meanwhile is detected and replaced.
    const free = await freePorts(ids.length);
    const peerPorts = new Map(ids.map((id, i) => [id, free[i] ?? 0]));
    const proxies = new Map<string, FaultProxy>();
    for (const from of ids) {
      for (const to of ids) {
        if (from === to) continue;
        const proxy = await FaultProxy.start({ targetPort: portOf(peerPorts, to), name: linkName(from, to) });
        t.teardown(() => proxy.close());
        proxies.set(linkName(from, to), proxy);
      }
    }
    const cluster = new ChaosCluster(t, proxies, `chaos-${randomBytes(6).toString('hex')}`, ids, options);
    await Promise.all(
      ids.map(async (id) => {
        const dataDir = dataDirs.get(id) ?? '';
        const member = await cluster.spawnMember(id, dataDir, portOf(peerPorts, id), undefined);
        cluster.members.set(id, member);
      }),
    );
    return cluster;
  }

  /** The `--peers` value of broker `id`: itself at its own peer port, every other broker at the proxy of id->other. */
  peersArg(id: number, ownPeerPort: number): string {
    return this.ids
      .map((other) => {
        const port = other === id ? ownPeerPort : this.link(id, other).port;
        return `${String(other)}@127.0.0.1:${String(port)}`;
      })
      .join(',');
  }

  /** The proxy of link from->to. */
  link(from: number, to: number): FaultProxy {
    const proxy = this.proxies.get(linkName(from, to));
    if (proxy === undefined) throw new Error(`no link ${linkName(from, to)}`);
    return proxy;
  }

  /** Every proxy. */
  links(): FaultProxy[] {
    return [...this.proxies.values()];
  }

  /** The current process of broker `id`. */
  broker(id: number): BrokerProcess {
    return this.member(id).process;
  }

  /** The data directory of broker `id` (the same across restarts). */
  dataDir(id: number): string {
    return this.member(id).dataDir;
  }

  /** Client bootstrap addresses (`127.0.0.1:port`) of every broker. */
  bootstrap(): string[] {
    return this.ids.map((id) => this.broker(id).bootstrap);
  }

  /** Whether broker `id` is running (paused counts as running). */
  isAlive(id: number): boolean {
    return this.broker(id).alive;
  }

  /** Whether broker `id` is stopped by SIGSTOP. */
  isPaused(id: number): boolean {
    return this.member(id).paused;
  }

  /** Brokers running and not paused: the ones that can answer. */
  responsive(): number[] {
    return this.ids.filter((id) => this.isAlive(id) && !this.isPaused(id));
  }

  /** SIGKILL, resolved once the process is gone. */
  async kill(id: number): Promise<void> {
    const member = this.member(id);
    member.process.kill('SIGKILL');
    await member.process.exited;
    member.paused = false;
  }

  /** Starts broker `id` again on its data dir, peer port and client ports. It must not be running. */
  async restart(id: number): Promise<void> {
    const member = this.member(id);
    if (member.process.alive) throw new Error(`broker ${String(id)} is still running`);
    const previous = member.process;
    const restarted = await this.spawnMember(id, member.dataDir, member.peerPort, previous);
    member.process = restarted.process;
    member.peerPort = restarted.peerPort;
    member.paused = false;
  }

  /** SIGSTOP: the process freezes with its sockets open (what a long GC pause or a stalled VM looks like). */
  pause(id: number): void {
    const member = this.member(id);
    if (!member.process.alive || member.paused) return;
    member.process.kill('SIGSTOP');
    member.paused = true;
  }

  /** SIGCONT after {@link pause}. */
  resume(id: number): void {
    const member = this.member(id);
    if (!member.paused) return;
    member.paused = false;
    if (member.process.alive) member.process.kill('SIGCONT');
  }

  /** Cuts link from->to only (from's messages no longer reach to; the other direction still works). */
  cut(from: number, to: number, mode: CutMode = 'drop'): void {
    const proxy = this.link(from, to);
    if (mode === 'drop') proxy.drop();
    else proxy.reset();
  }

  /** Cuts both directions between every pair of brokers in different groups; links inside a group still work. */
  partition(groups: readonly (readonly number[])[], mode: CutMode = 'drop'): void {
    const groupOf = new Map<number, number>();
    groups.forEach((group, index) => {
      for (const id of group) groupOf.set(id, index);
    });
    for (const from of this.ids) {
      for (const to of this.ids) {
        if (from === to) continue;
        // A broker in no group is alone: cut from everyone.
        if ((groupOf.get(from) ?? -1 - from) !== (groupOf.get(to) ?? -1 - to)) this.cut(from, to, mode);
      }
    }
  }

  /** Cuts `id` off from every other broker, both ways (a minority of one; the rest keep a majority). */
  isolate(id: number, mode: CutMode = 'drop'): void {
    this.partition([this.ids.filter((other) => other !== id)], mode);
  }

  /**
   * A bridge: `bridge` still talks to everyone, every other pair is cut both ways (with 3 brokers: 1 - 2 - 3, where
   * 1 and 3 only see each other through 2, which each of them can elect).
   */
  bridge(bridge: number, mode: CutMode = 'drop'): void {
    for (const from of this.ids) {
      for (const to of this.ids) {
        if (from !== to && from !== bridge && to !== bridge) this.cut(from, to, mode);
      }
    }
  }

  /** Delays every link into and out of `id` by `delayMs`. */
  slow(id: number, delayMs: number): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.link(id, other).delay(delayMs);
      this.link(other, id).delay(delayMs);
    }
  }

  /** Resets (and refuses until healed) every link into and out of `id`. */
  resetLinks(id: number): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.link(id, other).reset();
      this.link(other, id).reset();
    }
  }

  /** Every link back to pass. */
  healNetwork(): void {
    for (const proxy of this.proxies.values()) proxy.heal();
  }

  /** Heals the network, resumes paused brokers and restarts dead ones. */
  async healAll(): Promise<void> {
    this.healNetwork();
    for (const id of this.ids) this.resume(id);
    for (const id of this.ids) if (!this.isAlive(id)) await this.restart(id);
  }

  /** Stops every broker gracefully (SIGTERM; resumed first if paused), e.g. before reading their log files. */
  async stopAll(timeoutMs = 30_000): Promise<void> {
    for (const id of this.ids) this.resume(id);
    await Promise.all(this.ids.map((id) => this.broker(id).stop(timeoutMs)));
  }

  /** The last log lines of every broker, for a failure message. */
  output(maxLines = 40): string {
    return this.ids
      .map((id) => {
        const lines = this.broker(id).output().split('\n').slice(-maxLines).join('\n');
        return `--- broker ${String(id)} (pid ${String(this.broker(id).pid)}) ---\n${lines}`;
      })
      .join('\n');
  }

  private member(id: number): Member {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`no broker ${String(id)}`);
    return member;
  }

  /**
   * Starts broker `id` with the cluster flags; on a restart (`previous` set) on the client ports it had. A peer port
   * taken since it was picked is replaced by a fresh one (the proxies into `id` are retargeted); a taken client port
   * falls back to a fresh one too (clients find it again through metadata).
   */
  private async spawnMember(
    id: number,
    dataDir: string,
    peerPort: number,
    previous: BrokerProcess | undefined,
  ): Promise<Member> {
    let port = peerPort;
    let clientPorts =
      previous === undefined ? [] : ['--port', String(previous.tcpPort), '--ws-port', String(previous.wsPort)];
    for (let attempt = 1; ; attempt++) {
      for (const from of this.ids) if (from !== id) this.link(from, id).retarget(port);
      const args = [
        '--id',
        String(id),
        '--cluster-id',
        this.clusterId,
        '--peer-port',
        String(port),
        '--peers',
        this.peersArg(id, port),
        ...(this.options.args ?? []),
        ...clientPorts,
      ];
      let broker: BrokerProcess;
      try {
        broker = await startBrokerProcess(this.t, {
          dataDir,
          args,
          startTimeoutMs: this.options.startTimeoutMs ?? 60_000,
        });
      } catch (err: unknown) {
        const message = err instanceof Error ? err.message : String(err);
        // Node reports a taken TCP port as EADDRINUSE, uWebSockets.js as "cannot listen".
        if (attempt < PORT_ATTEMPTS && /EADDRINUSE|cannot listen/.test(message)) {
          [port = 0] = await freePorts(1);
          clientPorts = [];
          continue;
        }
        throw err;
      }
      const reported = broker.logged('broker started')[0]?.['peerPort'];
      if (reported !== port)
        throw new Error(`broker ${String(id)} listens for peers on ${String(reported)}, not ${String(port)}`);
      return { id, dataDir, peerPort: port, process: broker, paused: false };
    }
  }
}

function linkName(from: number, to: number): string {
  return `${String(from)}->${String(to)}`;
}

function portOf(ports: ReadonlyMap<number, number>, id: number): number {
  const port = ports.get(id);
  if (port === undefined) throw new Error(`no port for broker ${String(id)}`);
  return port;
}
