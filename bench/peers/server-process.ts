/**
 * Private server processes for the peer systems: each runs in its own process group on 127.0.0.1 with a temp
 * data dir, and is killed (with the whole group) on stop, on process exit and on SIGINT/SIGTERM, so a crashed or
 * interrupted bench never leaves a server behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { readRssBytes } from '../harness/proc.js';

/** A spawned server group and the temp dir it owns. */
export interface ServerProcess {
  /** Pid of the spawned process (leader of its own process group). */
  readonly pid: number;
  readonly dataDir: string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
  /** Whether the process has exited. */
  hasExited(): boolean;
  /** SIGTERM the group, SIGKILL it after `graceMs`, then remove the temp dir. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<{ pid: number; dataDir: string }>();
let hooksInstalled = false;

/** Synchronous last-resort cleanup: kill every live group and remove its data dir. */
function killAllLive(): void {
  for (const entry of live) {
    killGroup(entry.pid, 'SIGKILL');
    rmSync(entry.dataDir, { recursive: true, force: true });
  }
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', killAllLive);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // Servers run in their own process group, so a terminal Ctrl-C does not reach them: kill them, then let the
    // signal take its default course (unless someone else handles it too).
    process.once(signal, () => {
      killAllLive();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** A fresh temp dir named for the peer. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `brook-bench-${prefix}-`));
}

/**
 * Spawns `command` in its own process group with output going to `<dataDir>/server.log`; the temp dir is removed
 * when the server is stopped.
 */
export function spawnServer(
  command: string,
  args: readonly string[],
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ServerProcess {
  installExitHooks();
  const logFd = openSync(join(dataDir, 'server.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: dataDir, env, detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`could not spawn ${command}`);
  }
  const entry = { pid, dataDir };
  live.add(entry);
  let exitedFlag = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exitedFlag = true;
      resolve();
    });
  });
  // A failed exec (ENOENT) emits 'error' and then 'exit'; keep it from becoming an uncaught exception.
  child.once('error', () => undefined);
  return {
    pid,
    dataDir,
    exited,
    hasExited: () => exitedFlag,
    stop: async (graceMs = 5_000) => {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        killGroup(pid, 'SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
      // Children of the leader (e.g. Erlang's helpers) may outlive it by a moment.
      killGroup(pid, 'SIGKILL');
      live.delete(entry);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The last `maxChars` of the server's log, for error messages. */
export function logTail(dataDir: string, maxChars = 1_500): string {
  try {
    const text = readFileSync(join(dataDir, 'server.log'), 'utf8');
    return text.slice(-maxChars).trim();
  } catch {
    return '';
  }
}

/** Resolves once `probe` resolves true; rejects after `timeoutMs` or as soon as the server has exited. */
export async function waitUntil(
  what: string,
  server: ServerProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (server.hasExited()) throw new Error(`${what}: server exited during start\n${logTail(server.dataDir)}`);
    // A server that accepts connections before it answers must not hang the probe past the deadline.
    const probeMs = Math.max(1_000, Math.min(10_000, deadline - performance.now()));
    if (await withTimeout(what, probe(), probeMs).catch(() => false)) return;
    if (performance.now() > deadline) {
      throw new Error(`${what}: not ready within ${String(timeoutMs)} ms\n${logTail(server.dataDir)}`);
    }
    await sleep(100);
  }
}

/** True if something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resident set size of `pid`, in bytes; 0 if the process is gone. */
export function rssOf(pid: number): number {
  try {
    return readRssBytes(pid);
  } catch {
    return 0;
  }
}

/** Runs `command args` and returns its stdout + stderr, or undefined if it cannot run (not installed). */
export function runQuiet(command: string, args: readonly string[], timeoutMs = 10_000): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  if (result.error !== undefined || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`;
}

/** Rejects with a clear message if `promise` does not settle within `timeoutMs`. */
export async function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: timed out after ${String(timeoutMs)} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A generous bound for moving `records` in one scenario: nothing here should run at under 2,000 records/s. */
export function timeoutFor(records: number): number {
  return 60_000 + records / 2;
}

/** `err` as an Error (libraries reject with anything). */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** True if `command` is an executable file in one of the PATH directories. */
export function onPath(command: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
