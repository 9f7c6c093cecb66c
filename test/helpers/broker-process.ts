/**
 * A REAL broker process for end-to-end tests: `node cli/main.ts broker ...` run through tsx (transpile only, as tap
 * runs the tests, so it starts in well under a second), on 127.0.0.1 with port 0 and a temp data dir. The process
 * itself is the harness's (bench/harness/broker-process.ts); this adds how tests run the sources and their cleanup:
 * the process is killed in the test's teardown whatever happens.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { BrokerProcess, spawnBrook as spawnLaunch, type BrookLaunch } from '../../bench/harness/broker-process.js';
import { tempDir } from './temp-dir.js';

export { BrokerProcess, type ExitInfo } from '../../bench/harness/broker-process.js';

/** The repository root (this file is test/helpers/broker-process.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `brook` command's entry point. */
export const BROOK_MAIN = path.join(REPO_ROOT, 'cli', 'main.ts');

/** The export condition under which @brook/client resolves to its TypeScript sources (see client/package.json). */
const SOURCE_CONDITION = '--conditions=@brook/source';

/**
 * The node flags that load TypeScript in a child: tsx (esbuild, transpile only; the loader .taprc gives the tests),
 * plus the condition that resolves @brook/client to its sources, as in the test process.
 */
export function typescriptLoaderArgs(): string[] {
  return [`--import=${import.meta.resolve('tsx')}`, SOURCE_CONDITION];
}

/**
 * The environment of a `brook` child: this process's, without BROOK_* variables (every broker and CLI flag reads
 * one, and a developer's shell must not change what a test runs), plus `extra`.
 */
export function brookChildEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('BROOK_')) env[key] = value;
  }
  return { ...env, ...extra };
}

/** How tests run `brook`: the TypeScript sources through tsx, in the repository root, with `env` added. */
export function sourceLaunch(env: Readonly<Record<string, string>> = {}): BrookLaunch {
  return { entry: BROOK_MAIN, nodeArgs: typescriptLoaderArgs(), env: brookChildEnv(env), cwd: REPO_ROOT };
}

/** Spawns `node <loader> cli/main.ts ...args` with piped stdio. */
export function spawnBrook(args: readonly string[], env: Readonly<Record<string, string>> = {}): ChildProcess {
  return spawnLaunch(sourceLaunch(env), args);
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

/** Kills `broker` (if still running) in `t`'s teardown and waits for it to be gone. */
export function killAtEnd(t: Test, broker: BrokerProcess): void {
  t.teardown(async () => {
    broker.kill('SIGKILL');
    await broker.exited;
  });
}

/**
 * Starts `brook broker --data-dir <dir> --host 127.0.0.1 --port 0 --ws-port 0 ...options.args` as a child process and
 * resolves once it listens. The process is SIGKILLed (if still running) in `t`'s teardown; a temp data dir it made
 * is removed after that.
 */
export async function startBrokerProcess(t: Test, options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? tempDir(t, 'brook-e2e-broker-');
  return BrokerProcess.start(sourceLaunch(options.env), {
    dataDir,
    args: options.args,
    startTimeoutMs: options.startTimeoutMs,
    onSpawn: (broker) => {
      killAtEnd(t, broker);
    },
  });
}
