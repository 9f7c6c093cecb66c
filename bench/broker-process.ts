/**
 * Runs a real broker as a child process (the way users run it) and reads its bound ports from the
 * "broker started" log line; or three of them as a replicated cluster on loopback.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface BrokerProcess {
  readonly pid: number;
  readonly tcpPort: number;
  readonly wsPort: number;
  /** Resident set size of the broker process now, in bytes (Linux /proc). */
  rssBytes(): number;
  /** SIGTERM, then resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface BrokerProcessOptions {
  /** The CLI entry to run: dist/broker/main.js, or broker/main.ts with a TypeScript loader in `nodeArgs`. */
  readonly entry: string;
  readonly dataDir: string;
  readonly nodeArgs?: readonly string[];
  readonly extraArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Give up waiting for "broker started" after this long, in ms. Default 60 000. */
  readonly startTimeoutMs?: number;
}

/** Starts `brook broker` on free ports and resolves once it listens. */
export async function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const args = [
    ...(options.nodeArgs ?? []),
    options.entry,
    'broker',
    '--data-dir',
    options.dataDir,
    '--port',
    '0',
    '--ws-port',
    '0',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const ports = await waitForStart(child, options.startTimeoutMs ?? 60_000);
  const pid = child.pid ?? -1;
  return {
    pid,
    tcpPort: ports.tcpPort,
    wsPort: ports.wsPort,
    rssBytes: () => readRssBytes(pid),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function waitForStart(child: ChildProcess, timeoutMs: number): Promise<{ tcpPort: number; wsPort: number }> {
  return new Promise((resolve, reject) => {
    const stdout = child.stdout;
    if (stdout === null) {
      reject(new Error('broker stdout is not piped'));
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not log "broker started" within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`broker exited before starting (code ${String(code)}, signal ${String(signal)})`));
    });
    const lines = createInterface({ input: stdout });
    lines.on('line', (line) => {
      const ports = startedPorts(line);
      if (ports === undefined) return;
      clearTimeout(timer);
      resolve(ports);
    });
  });
}

/** The bound ports if `line` is the broker's "broker started" log line (JSON, from pino). */
export function startedPorts(line: string): { tcpPort: number; wsPort: number } | undefined {
  if (!line.startsWith('{')) return undefined;
  let entry: { msg?: unknown; tcpPort?: unknown; wsPort?: unknown };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return undefined;
  }
  const { msg, tcpPort, wsPort } = entry;
  if (msg !== 'broker started' || typeof tcpPort !== 'number' || typeof wsPort !== 'number') return undefined;
  return tcpPort > 0 && wsPort > 0 ? { tcpPort, wsPort } : undefined;
}

/** Resident set size of a process (VmRSS of /proc/<pid>/status), in bytes; throws if the process is gone. */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no VmRSS in /proc/${String(pid)}/status`);
  return Number(match[1]) * 1024;
}

/** How `brook broker` takes cluster flags, read from its --help (the cluster CLI is newer than this harness). */
export interface ClusterFlags {
  /** The broker id flag: `--id` or `--broker-id`. */
  readonly idFlag: string;
}

/**
 * The cluster flags `entry` accepts, or a reason it cannot run a cluster (no `--peers` / `--peer-port` in its
 * `broker --help`).
 */
export async function clusterFlags(entry: string): Promise<ClusterFlags | { unsupported: string }> {
  const help = await new Promise<string>((resolve) => {
    execFile(process.execPath, [entry, 'broker', '--help'], { timeout: 30_000 }, (_err, stdout, stderr) => {
      resolve(`${stdout}${stderr}`);
    });
  });
  if (!help.includes('--peers') || !help.includes('--peer-port')) {
    return { unsupported: '`brook broker --help` lists no --peers/--peer-port (the cluster CLI is not built yet)' };
  }
  return { idFlag: /--id\b/.test(help) ? '--id' : '--broker-id' };
}

/** A free TCP port on 127.0.0.1 (bound, read back and released: another process could take it meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** Options of {@link startBrokerCluster}. */
export interface BrokerClusterOptions extends Omit<BrokerProcessOptions, 'dataDir'> {
  /** Each broker gets `<dataDir>/broker-<id>`. */
  readonly dataDir: string;
  /** Brokers in the cluster. Default 3. */
  readonly size?: number;
  readonly flags: ClusterFlags;
}

/**
 * Starts `size` brokers (ids 1..size) that know each other through `--peers` on free peer ports, with one shared
 * cluster id. Resolves once every broker listens; if one fails, the others are stopped and the error rethrown.
 */
export async function startBrokerCluster(options: BrokerClusterOptions): Promise<BrokerProcess[]> {
  const size = options.size ?? 3;
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const peerPorts: number[] = [];
  for (const _ of ids) peerPorts.push(await freePort());
  const peers = ids.map((id, i) => `${String(id)}@127.0.0.1:${String(peerPorts[i] ?? 0)}`).join(',');
  const clusterId = `bench-${randomUUID()}`;
  const started = await Promise.allSettled(
    ids.map((id, i) => {
      const dataDir = path.join(options.dataDir, `broker-${String(id)}`);
      mkdirSync(dataDir, { recursive: true });
      return startBrokerProcess({
        ...options,
        dataDir,
        extraArgs: [
          options.flags.idFlag,
          String(id),
          '--peers',
          peers,
          '--peer-port',
          String(peerPorts[i] ?? 0),
          '--cluster-id',
          clusterId,
          ...(options.extraArgs ?? []),
        ],
      });
    }),
  );
  const brokers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(brokers.map((b) => b.stop()));
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  return brokers;
}
