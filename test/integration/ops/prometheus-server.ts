/**
 * A real Prometheus for the tests of deploy/: finding (or installing) prometheus and promtool, running promtool,
 * deriving a test config from a deploy/ scrape config, running Prometheus against real brokers, and its HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import { REPO_ROOT } from '../../helpers/broker-process.js';
import { freePorts } from '../../../bench/harness/free-port.js';
import { httpGet } from '../../helpers/http.js';
import { findOrInstall, onPath } from '../../helpers/external-tools.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

/** The deploy/ directory. */
export const DEPLOY_DIR = path.join(REPO_ROOT, 'deploy');
/** The alert rules. */
export const ALERTS_PATH = path.join(DEPLOY_DIR, 'alerts.yml');

/** The names of the alerts in deploy/alerts.yml, sorted. */
export function alertNames(): string[] {
  const rules = fs.readFileSync(ALERTS_PATH, 'utf8');
  return [...rules.matchAll(/^\s*-\s*alert:\s*(\S+)\s*$/gm)].map((m) => m[1] ?? '').sort();
}

/** Prometheus starts in about a second; the bound leaves room for two busy cores. */
export const PROMETHEUS_WAIT_MS = 30_000;
/** Most output lines of the Prometheus process kept for assertion messages. */
const KEPT_LINES = 200;

/** Where prometheus and promtool are. */
export interface PrometheusTools {
  readonly prometheus: string;
  readonly promtool: string;
}

/** Finds prometheus and promtool, installing the Debian package when allowed; a reason string when impossible. */
export function findOrInstallPrometheus(): PrometheusTools | string {
  return findOrInstall('prometheus/promtool', 'prometheus', () => {
    const prometheus = onPath('prometheus');
    const promtool = onPath('promtool');
    return prometheus !== undefined && promtool !== undefined ? { prometheus, promtool } : undefined;
  });
}

export { run, type RunResult } from '../../helpers/external-tools.js';

/**
 * A deploy/ scrape config made to scrape and evaluate every second, with `targets` mapping each of its
 * `'localhost:<port>'` targets to a real address and its rule file at `rulesPath`. Comment lines are left alone;
 * throws if the file no longer has what is replaced, so a change to the deploy/ file cannot make a test silently
 * run another config.
 */
export function deriveConfig(source: string, targets: ReadonlyMap<number, string>, rulesPath: string): string {
  const counts = { interval: 0, rules: 0 };
  const replaced: number[] = [];
  const unknown: string[] = [];
  const lines = source.split('\n').map((line) => {
    if (/^\s*#/.test(line)) return line;
    return line
      .replace(/^(\s*(?:scrape|evaluation)_interval:\s*)15s\s*$/, (_, key: string) => {
        counts.interval++;
        return `${key}1s`;
      })
      .replace(/'localhost:(\d+)'/g, (whole, port: string) => {
        const target = targets.get(Number(port));
        if (target === undefined) {
          unknown.push(whole);
          return whole;
        }
        replaced.push(Number(port));
        return `'${target}'`;
      })
      .replace(/^(\s*-\s*)alerts\.yml\s*$/, (_, dash: string) => {
        counts.rules++;
        return `${dash}${rulesPath}`;
      });
  });
  const expected = [...targets.keys()].sort((a, b) => a - b);
  if (
    counts.interval < 2 ||
    counts.rules !== 1 ||
    unknown.length > 0 ||
    JSON.stringify(replaced.sort((a, b) => a - b)) !== JSON.stringify(expected)
  ) {
    throw new Error(
      `the scrape config no longer has the expected shape: ${JSON.stringify({ ...counts, replaced, unknown, expected })}`,
    );
  }
  return lines.join('\n');
}

/** A running Prometheus child; its output is kept for assertion messages. */
export interface PrometheusProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  output(): string;
}

/**
 * Runs Prometheus on `configPath` with its storage in a temp dir and its API on a free 127.0.0.1 port (it cannot
 * listen on port 0 and report it). It is SIGKILLed in `t`'s teardown.
 */
export async function startPrometheus(t: Test, binary: string, configPath: string): Promise<PrometheusProcess> {
  const dataDir = tempDir(t, 'brook-prometheus-tsdb-');
  const [port = 0] = await freePorts(1);
  const child = spawn(
    binary,
    [`--config.file=${configPath}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const keep = (chunk: string): void => {
    lines.push(...chunk.split('\n').filter((line) => line !== ''));
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  child.on('error', (err) => {
    keep(`spawn error: ${err.message}`);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.teardown(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  return { child, port, exited, output: () => lines.join('\n') };
}

interface ApiResponse<T> {
  readonly status: string;
  readonly data: T;
}

/** One sample of an instant vector. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** GET a Prometheus HTTP API path and return its `data`; throws unless it answered 200 with status success. */
export async function api<T>(port: number, apiPath: string): Promise<T> {
  const response = await httpGet(port, apiPath);
  if (response.status !== 200) throw new Error(`GET ${apiPath} answered ${String(response.status)}: ${response.body}`);
  const parsed = JSON.parse(response.body) as ApiResponse<T>;
  if (parsed.status !== 'success') throw new Error(`GET ${apiPath}: ${response.body}`);
  return parsed.data;
}

/** The instant vector of `promql`. */
export async function query(port: number, promql: string): Promise<readonly Sample[]> {
  return (await api<{ result: readonly Sample[] }>(port, `/api/v1/query?query=${encodeURIComponent(promql)}`)).result;
}

/** The value of a one-sample instant vector, undefined when the result is empty. */
export async function scalar(port: number, promql: string): Promise<number | undefined> {
  const [sample] = await query(port, promql);
  return sample === undefined ? undefined : Number(sample.value[1]);
}

/**
 * Waits until Prometheus reports `up{job="brook"} == 1` for `targets` of them; resolves with the exit code instead
 * if Prometheus exits first (undefined while it runs).
 */
export async function waitUntilUp(prometheus: PrometheusProcess, targets: number): Promise<number | null | undefined> {
  let exit: number | null | undefined;
  void prometheus.exited.then((code) => (exit = code));
  const result = await waitFor(
    async () => {
      if (exit !== undefined) return { exit };
      return (await scalar(prometheus.port, 'count(up{job="brook"} == 1)')) === targets && { exit: undefined };
    },
    { timeoutMs: PROMETHEUS_WAIT_MS, intervalMs: 100, what: `Prometheus to scrape ${String(targets)} broker(s)` },
  );
  return result.exit;
}
