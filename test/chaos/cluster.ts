/**
 * The chaos suite's cluster: the harness's local cluster (bench/harness/local-cluster.ts) with every peer link through
 * its own {@link FaultProxy}: the address broker i uses for broker j is the proxy of link i->j (brokers dial each peer
 * and only send on what they dialed, so that proxy carries exactly i's messages to j). On top of the harness's kill
 * and restart (same data dir and ports), processes can be paused (SIGSTOP/SIGCONT); the network can be cut one way,
 * partitioned, bridged, slowed or reset by setting proxy modes.
 */
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import type { PeerRoutes } from '../../bench/harness/local-cluster.js';
import type { BrokerProcess } from '../helpers/broker-process.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
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

/** Three (or `size`) brokers on 127.0.0.1 with a fault proxy on every directed peer link. */
export class ChaosCluster {
  private readonly paused = new Set<number>();

  private constructor(
    private readonly cluster: TestCluster,
    private readonly proxies: ReadonlyMap<string, FaultProxy>,
    /** The `--cluster-id` every broker shares (peers refuse a hello from another cluster). */
    readonly clusterId: string,
  ) {}

  /** Starts the harness's cluster with a proxy on every link (set up once the peer ports are picked). */
  static async start(t: Test, options: ChaosClusterOptions = {}): Promise<ChaosCluster> {
    const clusterId = `chaos-${randomBytes(6).toString('hex')}`;
    const proxies = new Map<string, FaultProxy>();
    const link = (from: number, to: number): FaultProxy => linkOf(proxies, from, to);
    const routes = async (peerPorts: ReadonlyMap<number, number>): Promise<PeerRoutes> => {
      for (const [from] of peerPorts) {
        for (const [to, targetPort] of peerPorts) {
          if (from === to) continue;
          const proxy = await FaultProxy.start({ targetPort, name: linkName(from, to) });
          t.teardown(() => proxy.close());
          proxies.set(linkName(from, to), proxy);
        }
      }
      return {
        portFor: (from, to) => link(from, to).port,
        peerPortMoved: (id, peerPort) => {
          for (const from of peerPorts.keys()) if (from !== id) link(from, id).retarget(peerPort);
        },
      };
    };
    const cluster = await startTestCluster(t, {
      size: options.size ?? 3,
      args: ['--cluster-id', clusterId, ...(options.args ?? [])],
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      dataDirPrefix: 'brook-chaos-',
      routes,
    });
    return new ChaosCluster(cluster, proxies, clusterId);
  }

  /** Broker ids, 1..size. */
  get ids(): readonly number[] {
    return this.cluster.ids;
  }

  /** The proxy of link from->to. */
  link(from: number, to: number): FaultProxy {
    return linkOf(this.proxies, from, to);
  }

  /** Every proxy. */
  links(): FaultProxy[] {
    return [...this.proxies.values()];
  }

  /** The current process of broker `id`. */
  broker(id: number): BrokerProcess {
    return this.cluster.broker(id);
  }

  /** The data directory of broker `id` (the same across restarts). */
  dataDir(id: number): string {
    return this.cluster.dataDir(id);
  }

  /** Client bootstrap addresses (`127.0.0.1:port`) of every broker. */
  bootstrap(): string[] {
    return this.ids.map((id) => this.broker(id).bootstrap);
  }

  /** Whether broker `id` is running (paused counts as running). */
  isAlive(id: number): boolean {
    return this.cluster.isRunning(id);
  }

  /** Whether broker `id` is stopped by SIGSTOP. */
  isPaused(id: number): boolean {
    return this.paused.has(id);
  }

  /** Brokers running and not paused: the ones that can answer. */
  responsive(): number[] {
    return this.ids.filter((id) => this.isAlive(id) && !this.isPaused(id));
  }

  /** SIGKILL, resolved once the process is gone. */
  async kill(id: number): Promise<void> {
    await this.cluster.kill(id);
    this.paused.delete(id);
  }

  /** Starts broker `id` again on its data dir and ports. It must not be running. */
  async restart(id: number): Promise<void> {
    await this.cluster.restart(id);
    this.paused.delete(id);
  }

  /** SIGSTOP: the process freezes with its sockets open (what a long GC pause or a stalled VM looks like). */
  pause(id: number): void {
    if (!this.isAlive(id) || this.paused.has(id)) return;
    this.broker(id).kill('SIGSTOP');
    this.paused.add(id);
  }

  /** SIGCONT after {@link pause}. */
  resume(id: number): void {
    if (!this.paused.delete(id)) return;
    if (this.isAlive(id)) this.broker(id).kill('SIGCONT');
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
    await this.cluster.stop(timeoutMs);
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
}

function linkName(from: number, to: number): string {
  return `${String(from)}->${String(to)}`;
}

function linkOf(proxies: ReadonlyMap<string, FaultProxy>, from: number, to: number): FaultProxy {
  const proxy = proxies.get(linkName(from, to));
  if (proxy === undefined) throw new Error(`no link ${linkName(from, to)}`);
  return proxy;
}
