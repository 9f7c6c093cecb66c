/**
 * A REAL broker process for end-to-end tests: `node cli/main.ts broker ...` run through tap's TypeScript loader
 * (transpile only, so it starts in a couple of seconds), on 127.0.0.1 with port 0 and a temp data dir. The ports
 * come from the broker's "broker started" log line; the process is killed in the test's teardown whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { readRssBytes, startedPorts } from '../../bench/broker-process.js';
import { tempDir } from './temp-dir.js';

/** The repository root (this file is test/helpers/broker-process.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `brook` command's entry point. */
export const BROOK_MAIN = path.join(REPO_ROOT, 'cli', 'main.ts');

/** How a child process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The export condition under which @brook/client resolves to its TypeScript sources (see client/package.json). */
const SOURCE_CONDITION = '--conditions=@brook/source';

/**
 * The node flags that load TypeScript in a child: the `--import` entries of this process that load tap's TypeScript
 * loader (present inside `tap`), else that loader resolved from node_modules (a test run with plain node); plus the
 * condition that resolves @brook/client to its sources, as in the test process.
 */
export function typescriptLoaderArgs(): string[] {
  const inherited = process.execArgv.filter((arg) => arg.startsWith('--import') && arg.includes('typescript'));
  const loader = inherited.length > 0 ? inherited : [`--import=${import.meta.resolve('@tapjs/typescript/import')}`];
  return [...loader, SOURCE_CONDITION];
}

/**
 * The environment of a `brook` child: this process's, without BROOK_* variables (every broker and CLI flag reads
 * one, and a developer's shell must not change what a test runs), with TS_NODE_TRANSPILE_ONLY=1 (no type-check at
 * start: seconds instead of tens of seconds), plus `extra`.
 */
export function brookChildEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('BROOK_')) env[key] = value;
  }
  return { ...env, TS_NODE_TRANSPILE_ONLY: '1', ...extra };
}

/** Spawns `node <loader> cli/main.ts ...args` with piped stdio. */
export function spawnBrook(args: readonly string[], env: Readonly<Record<string, string>> = {}): ChildProcess {
  return spawn(process.execPath, [...typescriptLoaderArgs(), BROOK_MAIN, ...args], {
    cwd: REPO_ROOT,
    env: brookChildEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Options of {@link startBrokerProcess}. */
export interface BrokerProcessOptions {
  /** The data directory. Default: a fresh temp dir, removed in teardown (after the process is gone). */
  readonly dataDir?: string;
  /** More `brook broker` flags, e.g. `['--flush', 'always']` (not a --log-level above info: the ports come from an info line). */
  readonly args?: readonly string[];
  /** Extra environment variables for the process. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the "broker started" line, in ms. Default 60 000 (two cores shared with other tests). */
  readonly startTimeoutMs?: number;
}

/** Most log lines kept for {@link BrokerProcess.output}. */
const KEPT_LINES = 2_000;

/** A running broker process. Create with {@link startBrokerProcess}. */
export class BrokerProcess {
  /** Resolves once the process has exited (it never rejects). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly lines: string[] = [];
  private started: ((ports: { tcpPort: number; wsPort: number }) => void) | undefined;
  private ports = { tcpPort: 0, wsPort: 0 };

  private constructor(
    private readonly child: ChildProcess,
    /** The broker's data directory. */
    readonly dataDir: string,
    /** The process id. */
    readonly pid: number,
  ) {
    child.on('error', (err) => {
      this.keep(`child process error: ${err.message}`);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    // Both pipes are drained for the whole life of the process: a full pipe would block the broker's logger.
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.keep(line);
      });
    }
  }

  /** TCP port of the binary protocol. */
  get tcpPort(): number {
    return this.ports.tcpPort;
  }

  /** WebSocket and HTTP port (/metrics, /healthz, /readyz). */
  get wsPort(): number {
    return this.ports.wsPort;
  }

  /** `127.0.0.1:<tcpPort>`, a TCP bootstrap for clients. */
  get bootstrap(): string {
    return `127.0.0.1:${String(this.tcpPort)}`;
  }

  /** `ws://127.0.0.1:<wsPort>`, a WebSocket bootstrap for clients. */
  get wsBootstrap(): string {
    return `ws://127.0.0.1:${String(this.wsPort)}`;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last log lines (stdout and stderr interleaved), for diagnostics in assertion messages. */
  output(): string {
    return this.lines.join('\n');
  }

  /** The log lines, parsed, whose `msg` equals `msg`. */
  logged(msg: string): Record<string, unknown>[] {
    const found: Record<string, unknown>[] = [];
    for (const line of this.lines) {
      const parsed = parseJsonLine(line);
      if (parsed?.['msg'] === msg) found.push(parsed);
    }
    return found;
  }

  /** The resident set size of the process (VmRSS of /proc/<pid>/status), in bytes. Throws once it has exited. */
  rssBytes(): number {
    if (!this.alive) throw new Error(`broker process ${String(this.pid)} has exited`);
    return readRssBytes(this.pid);
  }

  /**
   * Closes this side of the broker's stdout and stderr pipes, as a log collector that dies would: the broker's next
   * log writes fail with EPIPE. Nothing is kept for {@link output} afterwards.
   */
  closeOutput(): void {
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }

  /** Sends `signal` (default SIGKILL) if the process is still running. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive) this.child.kill(signal);
  }

  /**
   * Stops the broker gracefully: sends `signal` (default SIGTERM), then waits for the exit. If it has not exited after
   * `timeoutMs`, it is killed with SIGKILL and this rejects (a broker that does not shut down is a bug worth a failing
   * test).
   */
  async stop(timeoutMs = 15_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo> {
    if (!this.alive) return this.exited;
    this.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      this.exited,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => {
          resolve('timeout');
        }, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return outcome;
    this.kill('SIGKILL');
    await this.exited;
    throw new Error(
      `broker process ${String(this.pid)} did not exit within ${String(timeoutMs)} ms of ${signal}\n${this.output()}`,
    );
  }

  /** Spawns the process; resolves once it has logged "broker started". Use {@link startBrokerProcess}. */
  static async start(
    dataDir: string,
    options: BrokerProcessOptions,
    register: (p: BrokerProcess) => void,
  ): Promise<BrokerProcess> {
    const args = [
      'broker',
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--ws-port',
      '0',
      ...(options.args ?? []),
    ];
    const child = spawnBrook(args, options.env);
    child.stdin?.end();
    if (child.pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`could not spawn the broker: ${error.message}`);
    }
    const broker = new BrokerProcess(child, dataDir, child.pid);
    register(broker);
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const ports = await Promise.race([
        new Promise<{ tcpPort: number; wsPort: number }>((resolve) => {
          broker.started = resolve;
        }),
        broker.exited.then((exit) => {
          throw new Error(
            `broker exited before it started (code ${String(exit.code)}, signal ${String(exit.signal)})\n${broker.output()}`,
          );
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`broker did not log "broker started" within ${String(timeoutMs)} ms\n${broker.output()}`));
          }, timeoutMs);
        }),
      ]);
      broker.ports = ports;
      return broker;
    } catch (err: unknown) {
      broker.kill('SIGKILL');
      await broker.exited;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private keep(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
    if (this.started === undefined) return;
    const ports = startedPorts(line);
    if (ports === undefined) return;
    const started = this.started;
    this.started = undefined;
    started(ports);
  }
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `brook broker --data-dir <dir> --host 127.0.0.1 --port 0 --ws-port 0 ...options.args` as a child process and
 * resolves once it listens. The process is SIGKILLed (if still running) in `t`'s teardown; a temp data dir it made
 * is removed after that.
 */
export async function startBrokerProcess(t: Test, options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? tempDir(t, 'brook-e2e-broker-');
  return BrokerProcess.start(dataDir, options, (broker) => {
    t.teardown(async () => {
      broker.kill('SIGKILL');
      await broker.exited;
    });
  });
}
