/**
 * Outside programs the tests drive (promtool, kcat, Python's confluent-kafka): found on PATH, or installed from
 * Debian's packages when the tests run as root. When neither works, a test skips with the reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const APT_TIMEOUT_MS = 180_000;

/** The absolute path of executable `name` on PATH, if any. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * What `find` finds, installing Debian package `aptPackage` first when it finds nothing and the tests may install;
 * otherwise a reason string naming `what` (for a test's skip message).
 */
export function findOrInstall<T>(what: string, aptPackage: string, find: () => T | undefined): T | string {
  const found = find();
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) return `${what} not found and not running as root`;
  if (onPath('apt-get') === undefined) return `${what} not found and no apt-get`;
  const install = spawnSync('apt-get', ['install', '-y', aptPackage], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: APT_TIMEOUT_MS,
    encoding: 'utf8',
  });
  const installed = find();
  if (installed !== undefined) return installed;
  const why =
    install.error !== undefined
      ? install.error.message
      : `exit ${String(install.status)}: ${install.stderr.trim().split('\n').slice(-3).join(' / ')}`;
  return `apt-get install -y ${aptPackage} failed (${why})`;
}

/** How a command ended: its stdout alone, and stdout and stderr together. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly output: string;
}

/** Runs a command to completion (killed after `timeoutMs`), feeding it `input` on stdin if given. */
export function run(command: string, args: readonly string[], timeoutMs = 20_000, input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', (err) => (output += `\nspawn error: ${err.message}`));
    child.on('close', (code) => {
      resolve({ code, stdout, output });
    });
    child.stdin.end(input);
  });
}
