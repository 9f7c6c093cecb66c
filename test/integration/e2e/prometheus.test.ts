/**
 * deploy/ against real processes: a real Prometheus run with a config derived from deploy/prometheus.yml and
 * deploy/alerts.yml scrapes a real broker process: the target is up, the records
 * produced are queryable, every alert rule is loaded with its `for:`, severity and annotations, every metric the
 * rules name is one the broker exports, and killing the broker raises BrookBrokerDown.
 *
 * Needs `prometheus` and `promtool` on PATH; as root with apt-get they are installed (Debian package `prometheus`),
 * otherwise the file is skipped with the reason. test/integration/ops/promtool.test.ts checks the files with promtool.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Admin, Producer, stringCodec } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { httpGet } from '../../helpers/http.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import {
  ALERTS_PATH,
  alertNames,
  api,
  DEPLOY_DIR,
  deriveConfig,
  findOrInstallPrometheus,
  PROMETHEUS_WAIT_MS,
  query,
  run,
  scalar,
  startPrometheus,
  waitUntilUp,
} from '../ops/prometheus-server.js';

const CONFIG_PATH = path.join(DEPLOY_DIR, 'prometheus.yml');
const TOPIC = 'prometheus-orders';
const RECORDS = 50;

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

const tools = findOrInstallPrometheus();
if (typeof tools === 'string') {
  t.plan(0, `prometheus not installable: ${tools}`);
} else {
  const rulesText = fs.readFileSync(ALERTS_PATH, 'utf8');

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
    const config = deriveConfig(fs.readFileSync(CONFIG_PATH, 'utf8'), new Map([[9401, target]]), ALERTS_PATH);
    fs.writeFileSync(configPath, config);
    const checked = await run(tools.promtool, ['check', 'config', configPath]);
    t.equal(checked.code, 0, 'promtool check config accepts the derived config', { output: checked.output });

    const prometheus = await startPrometheus(t, tools.prometheus, configPath);
    const exited = await waitUntilUp(prometheus, 1);
    t.equal(exited, undefined, 'Prometheus keeps running', { output: prometheus.output() });
    if (exited !== undefined) return;
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
    t.same(rules.map((r) => r.name).sort(), alertNames(), 'Prometheus loaded every alert rule of deploy/alerts.yml');
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
