/**
 * Runs a real broker as a child process (the way users run it) and reads its bound ports from the
 * "broker started" log line. bench/local-cluster.ts runs three of them as a replicated cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
  /** The CLI entry to run: dist/cli/main.js, or cli/main.ts with a TypeScript loader in `nodeArgs`. */
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
