/**
 * A 3-broker cluster on loopback with fixed ports, for the cluster benchmarks that kill and restart brokers
 * (failover, idle CPU): a restarted broker keeps its data dir and addresses, so clients need no new bootstrap.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startBrokerProcess, type BrokerProcess } from './broker-process.js';

interface Member {
  readonly id: number;
  readonly dataDir: string;
  readonly ports: { readonly port: number; readonly wsPort: number; readonly peerPort: number };
  process: BrokerProcess | null;
}

/** How the brokers run besides their cluster flags. */
export interface LocalClusterOptions {
  /** Node flags, e.g. `--cpu-prof --cpu-prof-dir D`. */
  readonly nodeArgs?: readonly string[];
  /** More `brook broker` flags. */
  readonly extraArgs?: readonly string[];
}

export class LocalCluster {
  private constructor(
    private readonly entry: string,
    private readonly members: Member[],
    private readonly options: LocalClusterOptions,
  ) {}

  /** Starts brokers 1..size with data under `dataDir`; resolves once every one listens. */
  static async start(
    entry: string,
    dataDir: string,
    size = 3,
    options: LocalClusterOptions = {},
  ): Promise<LocalCluster> {
    const members: Member[] = [];
    for (let id = 1; id <= size; id++) {
      const memberDir = path.join(dataDir, `broker-${String(id)}`);
      mkdirSync(memberDir, { recursive: true });
      members.push({
        id,
        dataDir: memberDir,
        ports: { port: await freePort(), wsPort: await freePort(), peerPort: await freePort() },
        process: null,
      });
    }
    const cluster = new LocalCluster(entry, members, options);
    const started = await Promise.allSettled(members.map((m) => cluster.startMember(m)));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      await cluster.stop();
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    return cluster;
  }

  get bootstrap(): string {
    return this.members.map((m) => `127.0.0.1:${String(m.ports.port)}`).join(',');
  }

  /** The running broker `id`. */
  broker(id: number): BrokerProcess {
    const process = this.members.find((m) => m.id === id)?.process;
    if (process === null || process === undefined) throw new Error(`broker ${String(id)} is not running`);
    return process;
  }

  running(): BrokerProcess[] {
    return this.members.flatMap((m) => (m.process === null ? [] : [m.process]));
  }

  /** SIGKILLs broker `id` and waits until it is gone. */
  async kill(id: number): Promise<void> {
    const member = this.member(id);
    if (member.process === null) return;
    process.kill(member.process.pid, 'SIGKILL');
    await member.process.stop();
    member.process = null;
  }

  async restart(id: number): Promise<void> {
    await this.startMember(this.member(id));
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.flatMap((m) => (m.process === null ? [] : [m.process.stop()])));
    for (const m of this.members) m.process = null;
  }

  private member(id: number): Member {
    const member = this.members.find((m) => m.id === id);
    if (member === undefined) throw new Error(`no broker ${String(id)}`);
    return member;
  }

  private async startMember(member: Member): Promise<void> {
    const peers = this.members.map((m) => `${String(m.id)}@127.0.0.1:${String(m.ports.peerPort)}`).join(',');
    member.process = await startBrokerProcess({
      entry: this.entry,
      dataDir: member.dataDir,
      nodeArgs: this.options.nodeArgs ?? [],
      extraArgs: [
        '--id',
        String(member.id),
        '--peers',
        peers,
        '--peer-port',
        String(member.ports.peerPort),
        '--port',
        String(member.ports.port),
        '--ws-port',
        String(member.ports.wsPort),
        ...(this.options.extraArgs ?? []),
      ],
    });
  }
}

/** CPU time (user + system) a process has used, in seconds (Linux /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
