/**
 * deploy/ against real processes: promtool accepts deploy/prometheus.yml and deploy/alerts.yml, and a real
 * Prometheus run with a config derived from them scrapes a real broker process: the target is up, the records
 * produced are queryable, every alert rule is loaded with its `for:`, severity and annotations, every metric the
 * rules name is one the broker exports, and killing the broker raises BrookBrokerDown.
 *
 * Needs `prometheus` and `promtool` on PATH; as root with apt-get they are installed (Debian package `prometheus`),
 * otherwise the file is skipped with the reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { freePort } from '../../../bench/harness/free-port.js';
import { Admin, Producer, stringCodec } from '../../../client/index.js';
import { REPO_ROOT, startBrokerProcess } from '../../helpers/broker-process.js';
import { httpGet } from '../../helpers/http.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

const DEPLOY_DIR = path.join(REPO_ROOT, 'deploy');
const CONFIG_PATH = path.join(DEPLOY_DIR, 'prometheus.yml');
const RULES_PATH = path.join(DEPLOY_DIR, 'alerts.yml');
const TOPIC = 'prometheus-orders';
const RECORDS = 50;
const APT_TIMEOUT_MS = 180_000;
const PROMTOOL_TIMEOUT_MS = 20_000;
/** Prometheus starts in about a second; the bound leaves room for two busy cores. */
const PROMETHEUS_WAIT_MS = 30_000;
/** Most output lines of the Prometheus process kept for assertion messages. */
const KEPT_LINES = 200;

/** The absolute path of executable `name` on PATH, if any. */
function onPath(name: string): string | undefined {
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

interface PrometheusTools {
  readonly prometheus: string;
  readonly promtool: string;
}

/** Finds prometheus and promtool, installing the Debian package when allowed; a reason string when impossible. */
function findOrInstallPrometheus(): PrometheusTools | string {
  const find = (): PrometheusTools | undefined => {
    const prometheus = onPath('prometheus');
    const promtool = onPath('promtool');
    return prometheus !== undefined && promtool !== undefined ? { prometheus, promtool } : undefined;
  };
  const found = find();
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) return 'prometheus/promtool not on PATH and not running as root';
  if (onPath('apt-get') === undefined) return 'prometheus/promtool not on PATH and no apt-get';
  const install = spawnSync('apt-get', ['install', '-y', 'prometheus'], {
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
  return `apt-get install -y prometheus failed (${why})`;
}

interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command to completion (killed after `timeoutMs`), with stdout and stderr together. */
function run(command: string, args: readonly string[], timeoutMs = PROMTOOL_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', (err) => (output += `\nspawn error: ${err.message}`));
    child.on('close', (code) => {
      resolve({ code, output });
    });
  });
}

/**
 * deploy/prometheus.yml made to scrape `target` every second and evaluate rules every second, with its rule file
 * at `rulesPath`. Comment lines are left alone; throws if the file no longer has what is replaced, so a change to
 * deploy/prometheus.yml cannot make this test silently run another config.
 */
function deriveConfig(source: string, target: string, rulesPath: string): string {
  const counts = { interval: 0, target: 0, rules: 0 };
  const lines = source.split('\n').map((line) => {
    if (/^\s*#/.test(line)) return line;
    return line
      .replace(/^(\s*(?:scrape|evaluation)_interval:\s*)15s\s*$/, (_, key: string) => {
        counts.interval++;
        return `${key}1s`;
      })
      .replace(/'localhost:9401'/, () => {
        counts.target++;
        return `'${target}'`;
      })
      .replace(/^(\s*-\s*)alerts\.yml\s*$/, (_, dash: string) => {
        counts.rules++;
        return `${dash}${rulesPath}`;
      });
  });
  if (counts.interval < 2 || counts.target !== 1 || counts.rules !== 1) {
    throw new Error(`deploy/prometheus.yml no longer has the expected shape: ${JSON.stringify(counts)}`);
  }
  return lines.join('\n');
}

/** A running Prometheus child; its output is kept for assertion messages. */
interface PrometheusProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  output(): string;
}

function spawnPrometheus(binary: string, configPath: string, dataDir: string, port: number): PrometheusProcess {
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
  return { child, port, exited, output: () => lines.join('\n') };
}

interface ApiResponse<T> {
  readonly status: string;
  readonly data: T;
}
interface VectorData {
  readonly result: readonly { metric: Record<string, string>; value: [number, string] }[];
}
interface AlertRule {
  readonly name: string;
  readonly type: string;
  readonly duration: number;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
interface RulesData {
  readonly groups: readonly { name: string; rules: readonly AlertRule[] }[];
}
interface AlertsData {
  readonly alerts: readonly { labels: Record<string, string>; state: string }[];
}

/** GET a Prometheus HTTP API path and return its `data`; throws unless it answered 200 with status success. */
async function api<T>(port: number, apiPath: string): Promise<T> {
  const response = await httpGet(port, apiPath);
  if (response.status !== 200) throw new Error(`GET ${apiPath} answered ${String(response.status)}: ${response.body}`);
  const parsed = JSON.parse(response.body) as ApiResponse<T>;
  if (parsed.status !== 'success') throw new Error(`GET ${apiPath}: ${response.body}`);
  return parsed.data;
}

/** The instant vector of `query`. */
async function query(port: number, promql: string): Promise<VectorData['result']> {
  return (await api<VectorData>(port, `/api/v1/query?query=${encodeURIComponent(promql)}`)).result;
}

/** The value of a one-sample instant vector, undefined when the result is empty. */
async function scalar(port: number, promql: string): Promise<number | undefined> {
  const [sample] = await query(port, promql);
  return sample === undefined ? undefined : Number(sample.value[1]);
}

const tools = findOrInstallPrometheus();
if (typeof tools === 'string') {
  t.plan(0, `prometheus not installable: ${tools}`);
} else {
  const rulesText = fs.readFileSync(RULES_PATH, 'utf8');
  const alertNames = [...rulesText.matchAll(/^\s*-\s*alert:\s*(\S+)\s*$/gm)].map((m) => m[1] ?? '').sort();

  void t.test('promtool accepts deploy/prometheus.yml and deploy/alerts.yml', async (t) => {
    const config = await run(tools.promtool, ['check', 'config', CONFIG_PATH]);
    t.equal(config.code, 0, 'promtool check config deploy/prometheus.yml', { output: config.output });
    const rules = await run(tools.promtool, ['check', 'rules', RULES_PATH]);
    t.equal(rules.code, 0, 'promtool check rules deploy/alerts.yml', { output: rules.output });
    t.match(rules.output, `SUCCESS: ${String(alertNames.length)} rules found`, 'promtool counts every alert');
  });

  void t.test('a real Prometheus scrapes a real broker with the deploy/ config and rules', async (t) => {
    const startedMs = Date.now();
    const dir = tempDir(t, 'brook-e2e-prometheus-');
    const broker = await startBrokerProcess(t);
    const target = `127.0.0.1:${String(broker.wsPort)}`;
    const brokerStartedMs = Date.now();

    const admin = new Admin({ bootstrap: broker.bootstrap });
    const producer = new Producer<string>({ bootstrap: broker.bootstrap, codec: stringCodec() });
    t.teardown(() => Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 })]));
    await admin.createTopic(TOPIC, { partitions: 2 });
    await Promise.all(
      Array.from({ length: RECORDS }, (_, i) =>
        producer.send({ topic: TOPIC, key: `k${String(i % 5)}`, value: `v${String(i)}` }),
      ),
    );
    await Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 })]);
    const producedMs = Date.now();

    const configPath = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(configPath, deriveConfig(fs.readFileSync(CONFIG_PATH, 'utf8'), target, RULES_PATH));
    const checked = await run(tools.promtool, ['check', 'config', configPath]);
    t.equal(checked.code, 0, 'promtool check config accepts the derived config', { output: checked.output });

    const dataDir = path.join(dir, 'tsdb');
    const prometheus = spawnPrometheus(tools.prometheus, configPath, dataDir, await freePort());
    t.teardown(async () => {
      prometheus.child.kill('SIGKILL');
      await prometheus.exited;
    });
    let prometheusExit: number | null | undefined;
    void prometheus.exited.then((code) => (prometheusExit = code));

    const up = await waitFor(
      async () => {
        if (prometheusExit !== undefined) return { exited: prometheusExit };
        return (await scalar(prometheus.port, 'up{job="brook"}')) === 1 && { exited: undefined };
      },
      { timeoutMs: PROMETHEUS_WAIT_MS, intervalMs: 100, what: 'Prometheus to report up{job="brook"} == 1' },
    );
    t.equal(up.exited, undefined, 'Prometheus keeps running', { output: prometheus.output() });
    if (up.exited !== undefined) return;
    const upMs = Date.now();
    const [upSample] = await query(prometheus.port, 'up{job="brook"}');
    t.equal(upSample?.metric['instance'], target, 'the target is the broker, labelled by its ws port');

    const produced = await scalar(prometheus.port, 'sum(brook_produce_records_total{job="brook"})');
    t.equal(produced, RECORDS, 'brook_produce_records_total counts the records produced');
    const partitions = await query(prometheus.port, `brook_partition_log_end_offset{job="brook",topic="${TOPIC}"}`);
    t.equal(partitions.length, 2, 'a log end offset per partition');
    t.equal(
      partitions.reduce((sum, s) => sum + Number(s.value[1]), 0),
      RECORDS,
      'the log end offsets add up to the records produced',
    );
    const lag = await scalar(prometheus.port, 'nodejs_eventloop_lag_p99_seconds{job="brook"}');
    t.ok(lag !== undefined && lag > 0, 'the event-loop lag the alerts read is scraped', { lag });

    const groups = (await api<RulesData>(prometheus.port, '/api/v1/rules?type=alert')).groups;
    const rules = groups.flatMap((g) => g.rules);
    t.same(rules.map((r) => r.name).sort(), alertNames, 'Prometheus loaded every alert rule of deploy/alerts.yml');
    for (const rule of rules) {
      t.ok(rule.duration > 0, `${rule.name} has a for: duration`);
      t.match(rule.labels['severity'], /^(warning|critical)$/, `${rule.name} has a severity`);
      t.ok(rule.annotations['summary'] && rule.annotations['description'], `${rule.name} has summary and description`);
    }

    // A metric name misspelled in a rule would leave that alert silent forever: every name must be exported.
    const metricsPage = (await httpGet(broker.wsPort, '/metrics')).body;
    const exported = new Set([...metricsPage.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const named = new Set([...rulesText.matchAll(/\b(?:brook|nodejs|process)_[a-z0-9_]+\b/g)].map((m) => m[0]));
    t.ok(named.size >= 5, 'the rules name broker metrics', { named: [...named] });
    t.same(
      [...named].filter((name) => !exported.has(name)),
      [],
      'every metric the rules name is exported by the broker',
    );

    broker.kill('SIGKILL');
    await broker.exited;
    const down = await waitFor(
      async () => {
        const alerts = (await api<AlertsData>(prometheus.port, '/api/v1/alerts')).alerts;
        return alerts.find((a) => a.labels['alertname'] === 'BrookBrokerDown' && a.labels['instance'] === target);
      },
      { timeoutMs: PROMETHEUS_WAIT_MS, intervalMs: 100, what: 'BrookBrokerDown for the killed broker' },
    );
    t.match(down.state, /^(pending|firing)$/, 'BrookBrokerDown is raised once the broker is gone');
    t.equal(down.labels['severity'], 'critical', 'BrookBrokerDown is critical');

    t.comment(
      `broker start ${String(brokerStartedMs - startedMs)} ms, ` +
        `produce ${String(producedMs - brokerStartedMs)} ms, ` +
        `Prometheus up ${String(upMs - producedMs)} ms after that, ` +
        `broker-down alert ${String(Date.now() - upMs)} ms after that`,
    );
  });
}
