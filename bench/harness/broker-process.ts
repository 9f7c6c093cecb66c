/**
 * A real broker as a child process (the way users run it: `node <entry> broker ...`), for the bench, the integration
 * tests and the chaos suite alike. It listens on 127.0.0.1 (every port 0, the Kafka port too, unless the flags say
 * otherwise, so no two brokers fight over a default port); its ports come
 * from the broker's "broker started" log line. Both output pipes are drained for the process's whole life and the
 * last lines kept for error messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRssBytes } from './proc.js';

/** How to run the `brook` command. */
export interface BrookLaunch {
  /** The command's entry point: dist/cli/main.js, or cli/main.ts with a TypeScript loader in `nodeArgs`. */
  readonly entry: string;
  /** Node flags before the entry (a loader, `--cpu-prof`, ...). */
  readonly nodeArgs?: readonly string[];
  /** The whole environment of the process. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** The working directory. Default: this process's. */
  readonly cwd?: string;
}

/** The module that ends a spawned process when its parent ends, as a `--import` flag (see exit-with-parent.ts). */
const EXIT_WITH_PARENT = `--import=${new URL(`./exit-with-parent${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url).href}`;

/**
 * Spawns `node ...nodeArgs <entry> ...args` with piped stdio and an IPC channel whose closing ends the child: a test
 * or benchmark process that dies, even by SIGKILL, takes its brokers with it.
 */
export function spawnBrook(launch: BrookLaunch, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [...(launch.nodeArgs ?? []), EXIT_WITH_PARENT, launch.entry, ...args], {
    cwd: launch.cwd ?? process.cwd(),
    env: launch.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  });
}

/** How a child process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options of {@link BrokerProcess.start}. */
export interface BrokerStartOptions {
  /** The data directory (it must exist or be creatable by the broker). */
  readonly dataDir: string;
  /** More `brook broker` flags (not a --log-level above info: the ports come from an info line). */
  readonly args?: readonly string[] | undefined;
  /** How long to wait for the "broker started" line, in ms. Default 60 000 (two cores shared with other work). */
  readonly startTimeoutMs?: number | undefined;
  /** Called with the process as soon as it is spawned, before it has started (to register its cleanup). */
  readonly onSpawn?: ((broker: BrokerProcess) => void) | undefined;
}

/** Most log lines kept for {@link BrokerProcess.output}. */
const KEPT_LINES = 2_000;

/** The ports a broker reports once it listens. */
interface StartedPorts {
  readonly tcpPort: number;
  readonly wsPort: number;
  readonly kafkaPort: number;
}

/** A running broker process. Create with {@link BrokerProcess.start}. */
export class BrokerProcess {
  /** Resolves once the process has exited (it never rejects). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly lines: string[] = [];
  private started: ((ports: StartedPorts) => void) | undefined;
  private ports: StartedPorts = { tcpPort: 0, wsPort: 0, kafkaPort: 0 };

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

  /** Kafka protocol port. */
  get kafkaPort(): number {
    return this.ports.kafkaPort;
  }

  /** `127.0.0.1:<kafkaPort>`, a bootstrap for Kafka clients. */
  get kafkaBootstrap(): string {
    return `127.0.0.1:${String(this.kafkaPort)}`;
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

  /** The last log lines (stdout and stderr interleaved), for diagnostics in error messages. */
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

  /** The resident set size of the process, in bytes. Throws once it has exited. */
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

  /**
   * Starts `brook broker --data-dir <dir> --host 127.0.0.1 --port 0 --ws-port 0 --kafka-port 0 ...options.args` (later
   * flags win) and resolves once it
   * has logged "broker started" (it is killed if it does not start). Stopping it is the caller's.
   */
  static async start(launch: BrookLaunch, options: BrokerStartOptions): Promise<BrokerProcess> {
    const args = [
      'broker',
      '--data-dir',
      options.dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--ws-port',
      '0',
      '--kafka-port',
      '0',
      ...(options.args ?? []),
    ];
    const child = spawnBrook(launch, args);
    child.stdin?.end();
    if (child.pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`could not spawn the broker: ${error.message}`);
    }
    const broker = new BrokerProcess(child, options.dataDir, child.pid);
    options.onSpawn?.(broker);
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      broker.ports = await Promise.race([
        new Promise<StartedPorts>((resolve) => {
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

/** The bound ports if `line` is the broker's "broker started" log line (JSON, from pino). */
function startedPorts(line: string): StartedPorts | undefined {
  const entry = parseJsonLine(line);
  if (entry?.['msg'] !== 'broker started') return undefined;
  const { tcpPort, wsPort, kafkaPort } = entry;
  if (typeof tcpPort !== 'number' || typeof wsPort !== 'number' || typeof kafkaPort !== 'number') return undefined;
  return tcpPort > 0 && wsPort > 0 && kafkaPort > 0 ? { tcpPort, wsPort, kafkaPort } : undefined;
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
