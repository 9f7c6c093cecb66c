/**
 * deploy/grafana/brook.json against a real Prometheus scraping a real 3-broker cluster (with
 * deploy/prometheus-cluster.yml) under a little load: every query of every panel, and the broker variable's, is
 * valid PromQL and returns at least one series. A panel whose query names a metric that does not exist, or drops
 * the labels it groups by, would stay empty in Grafana; this is where it shows. The dashboard's structure (data
 * source variable on every query, unique panel ids, a 24-column grid) is checked too.
 *
 * Grafana's variables are replaced as Grafana would: `$__rate_interval` by a few scrape intervals, `$broker` by
 * the "All" value `.*`. Needs `prometheus` (installed as root with apt-get, else skipped with the reason).
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Admin, Consumer, Producer, stringCodec } from '../../../client/index.js';
import { TestCluster } from '../../helpers/cluster.js';
import { consumeToOffsets } from '../../helpers/consume.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor, WaitTimeoutError } from '../../helpers/wait-for.js';
import {
  ALERTS_PATH,
  DEPLOY_DIR,
  deriveConfig,
  findOrInstallPrometheus,
  PROMETHEUS_WAIT_MS,
  query,
  startPrometheus,
  waitUntilUp,
} from './prometheus-server.js';

const DASHBOARD_PATH = path.join(DEPLOY_DIR, 'grafana', 'brook.json');
const CLUSTER_CONFIG = path.join(DEPLOY_DIR, 'prometheus-cluster.yml');
/** The targets of deploy/prometheus-cluster.yml, broker 1 to 3 (`make cluster`'s HTTP ports). */
const CLUSTER_TARGET_PORTS = [9401, 9411, 9421] as const;
const TOPIC = 'dashboard-orders';
const GROUP = 'dashboard-billing';
const RECORDS = 300;
/** Four scrape intervals of the test config (1 s), the smallest `$__rate_interval` Grafana would pick. */
const RATE_INTERVAL = '4s';

interface Target {
  readonly expr: string;
  readonly datasource?: { readonly uid?: string };
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly uid?: string };
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}
interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query: string };
}
interface Dashboard {
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly Variable[] };
}

/** Every panel, those nested in collapsed rows included. */
function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** A query as Prometheus gets it from Grafana. */
function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', RATE_INTERVAL).replaceAll('$broker', '.*');
}

const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
const panels = allPanels(dashboard.panels);

void t.test('the dashboard is well formed', (t) => {
  const ids = panels.map((p) => p.id);
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const p of panels) {
    t.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the 24-column grid`);
    if (p.type === 'row') continue;
    t.ok((p.targets ?? []).length > 0, `${p.title} has a query`);
    for (const uid of [p.datasource?.uid, ...(p.targets ?? []).map((q) => q.datasource?.uid)]) {
      t.equal(uid, '${datasource}', `${p.title} queries the data source chosen in the dashboard`);
    }
    for (const { expr } of p.targets ?? []) {
      t.notMatch(substitute(expr), /\$/, `${p.title}: no variable other than $broker and $__rate_interval`);
    }
  }
  const variables = dashboard.templating.list.map((v) => `${v.name}:${v.type}`);
  t.same(variables, ['datasource:datasource', 'broker:query'], 'a data source and a broker variable');
  t.end();
});

const tools = findOrInstallPrometheus();
if (typeof tools === 'string') {
  void t.test('dashboard queries', { skip: `prometheus not installable: ${tools}` }, (t) => {
    t.end();
  });
} else {
  void t.test('every dashboard query returns series from a real cluster', async (t) => {
    const dir = tempDir(t, 'brook-dashboard-');
    const cluster = await TestCluster.start(t, CLUSTER_TARGET_PORTS.length);
    const targets = new Map(
      CLUSTER_TARGET_PORTS.map((port, i) => [port, `127.0.0.1:${String(cluster.broker(i + 1).wsPort)}`]),
    );
    const configPath = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(configPath, deriveConfig(fs.readFileSync(CLUSTER_CONFIG, 'utf8'), targets, ALERTS_PATH));
    const prometheus = await startPrometheus(t, tools.prometheus, configPath);
    const exited = await waitUntilUp(prometheus, CLUSTER_TARGET_PORTS.length);
    t.equal(exited, undefined, 'Prometheus keeps running', { output: prometheus.output() });
    if (exited !== undefined) return;

    // ---- a little load: replicated produce, a group that consumes and commits, one error -----------------------
    const admin = new Admin({ bootstrap: cluster.bootstrap });
    const producer = new Producer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec() });
    const consumer = new Consumer<string>({ bootstrap: cluster.bootstrap, groupId: GROUP, codec: stringCodec() });
    t.teardown(() => Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 }), consumer.close()]));
    await admin.createTopic(TOPIC, { partitions: 3, replicationFactor: 3 });
    await Promise.all(
      Array.from({ length: RECORDS }, (_, i) => producer.send({ topic: TOPIC, key: `k${String(i)}`, value: 'v' })),
    );
    const [again] = await admin.createTopics([{ name: TOPIC }]);
    t.equal(again?.error?.code, 'TOPIC_EXISTS', 'a second create is refused (an error for the errors panel)');
    consumer.subscribe(TOPIC);
    await waitFor(
      () =>
        consumer.assignment().length === 3 && consumer.assignment().every((tp) => consumer.position(tp) !== undefined),
      { timeoutMs: 20_000, what: 'the group member to be granted every partition' },
    );
    const ends = (await admin.listOffsets(TOPIC, 'latest')).map((p) => p.offset);
    const read = await consumeToOffsets(consumer, TOPIC, ends);
    t.equal(read.length, RECORDS, 'the group member reads every record');
    await consumer.commit();

    // ---- every query, until each has returned series (a scrape or two after the load) --------------------------
    const broker = dashboard.templating.list.find((v) => v.name === 'broker');
    const variableQuery = typeof broker?.query === 'string' ? broker.query : (broker?.query?.query ?? '');
    const labelValues = /^label_values\((.+), (\w+)\)$/.exec(variableQuery);
    t.ok(labelValues, 'the broker variable is label_values(<series>, <label>)', { variableQuery });
    const queries = new Map<string, string>(); // expr -> where it is
    if (labelValues?.[1] !== undefined) queries.set(labelValues[1], 'variable broker');
    for (const p of panels) for (const { expr } of p.targets ?? []) queries.set(substitute(expr), p.title);

    const pending = new Set(queries.keys());
    const invalid = new Map<string, string>();
    try {
      await waitFor(
        async () => {
          for (const expr of pending) {
            try {
              if ((await query(prometheus.port, expr)).length > 0) pending.delete(expr);
            } catch (err: unknown) {
              // Prometheus answers 400 for invalid PromQL: no use asking again.
              invalid.set(expr, err instanceof Error ? err.message : String(err));
              pending.delete(expr);
            }
          }
          return pending.size === 0;
        },
        { timeoutMs: PROMETHEUS_WAIT_MS, intervalMs: 500, what: 'every dashboard query to return series' },
      );
    } catch (err: unknown) {
      if (!(err instanceof WaitTimeoutError)) throw err;
    }
    for (const [expr, where] of queries) {
      t.notOk(invalid.has(expr), `${where}: valid PromQL`, { expr, error: invalid.get(expr) });
      t.notOk(pending.has(expr), `${where}: returns series`, { expr });
    }
    t.comment(`${String(queries.size)} queries evaluated`);

    const brokers = await query(prometheus.port, labelValues?.[1] ?? 'brook_build_info');
    t.same(
      brokers.map((s) => s.metric[labelValues?.[2] ?? 'broker']).sort(),
      ['1', '2', '3'],
      'the broker variable lists every broker id',
    );
  });
}
