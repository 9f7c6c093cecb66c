/**
 * A local cluster of real broker processes on 127.0.0.1 for integration tests: fixed (pre-picked free) ports so a
 * broker restarted on its data dir keeps its addresses, SIGKILL and restart, and the partition leaders as metadata
 * reports them.
 */
import net from 'node:net';
import type { Test } from 'tap';
import { Admin } from '../../client/index.js';
import { BrokerProcess, startBrokerProcess } from './broker-process.js';
import { tempDir } from './temp-dir.js';

/** Free TCP ports on 127.0.0.1, found by binding port 0 (another process could take one before use: rare). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            resolve(server);
          });
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

interface Member {
  readonly id: number;
  readonly dataDir: string;
  readonly port: number;
  readonly wsPort: number;
  readonly peerPort: number;
  process: BrokerProcess | null;
}

export class TestCluster {
  private constructor(
    private readonly t: Test,
    private readonly members: Member[],
    private readonly extraArgs: readonly string[],
  ) {}

  /** Starts `size` brokers (ids 1..size) and waits until each has started. */
  static async start(t: Test, size = 3, extraArgs: readonly string[] = []): Promise<TestCluster> {
    const ports = await freePorts(size * 3);
    const members: Member[] = [];
    for (let i = 0; i < size; i++) {
      members.push({
        id: i + 1,
        dataDir: tempDir(t, `brook-cluster-${String(i + 1)}-`),
        port: ports[i * 3] ?? 0,
        wsPort: ports[i * 3 + 1] ?? 0,
        peerPort: ports[i * 3 + 2] ?? 0,
        process: null,
      });
    }
    const cluster = new TestCluster(t, members, extraArgs);
    await Promise.all(members.map((m) => cluster.startMember(m)));
    return cluster;
  }

  /** Client bootstrap list: every broker's TCP address. */
  get bootstrap(): string {
    return this.members.map((m) => `127.0.0.1:${String(m.port)}`).join(',');
  }

  get ids(): number[] {
    return this.members.map((m) => m.id);
  }

  broker(id: number): BrokerProcess {
    const process = this.member(id).process;
    if (process === null) throw new Error(`broker ${String(id)} is not running`);
    return process;
  }

  isRunning(id: number): boolean {
    return this.member(id).process?.alive ?? false;
  }

  /** SIGKILLs broker `id` and waits for it to exit. */
  async kill(id: number): Promise<void> {
    const member = this.member(id);
    const process = member.process;
    if (process === null) return;
    process.kill('SIGKILL');
    await process.exited;
    member.process = null;
  }

  /**
   * Starts one more broker (the next id) with `--join`: it asks the running cluster to add it. Resolves with its id
   * once its process has started (not once the cluster has added it).
   */
  async join(): Promise<number> {
    const [port = 0, wsPort = 0, peerPort = 0] = await freePorts(3);
    const id = Math.max(...this.members.map((m) => m.id)) + 1;
    const member: Member = {
      id,
      dataDir: tempDir(this.t, `brook-cluster-${String(id)}-`),
      port,
      wsPort,
      peerPort,
      process: null,
    };
    this.members.push(member);
    await this.startMember(member, ['--join']);
    return id;
  }

  /** The data directory of broker `id`. */
  dataDir(id: number): string {
    return this.member(id).dataDir;
  }

  /** Starts broker `id` again on its data dir and ports. */
  async restart(id: number): Promise<BrokerProcess> {
    const member = this.member(id);
    if (member.process?.alive === true) throw new Error(`broker ${String(id)} is running`);
    return this.startMember(member);
  }

  /** Leader of each partition of `topic`, as a running broker's metadata says (-1: none). */
  async leaders(topic: string): Promise<number[]> {
    const running = this.members.filter((m) => m.process?.alive === true);
    const admin = new Admin({ bootstrap: running.map((m) => `127.0.0.1:${String(m.port)}`).join(',') });
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

  private async startMember(member: Member, args: readonly string[] = []): Promise<BrokerProcess> {
    const peers = this.members.map((m) => `${String(m.id)}@127.0.0.1:${String(m.peerPort)}`).join(',');
    const process = await startBrokerProcess(this.t, {
      dataDir: member.dataDir,
      args: [
        '--id',
        String(member.id),
        '--peers',
        peers,
        '--peer-port',
        String(member.peerPort),
        '--port',
        String(member.port),
        '--ws-port',
        String(member.wsPort),
        ...this.extraArgs,
        ...args,
      ],
    });
    member.process = process;
    return process;
  }
}
