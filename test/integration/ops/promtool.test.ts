/**
 * deploy/ checked by promtool: both scrape configs (deploy/prometheus.yml for `make run`, deploy/prometheus-cluster.yml
 * for `make cluster`) with the rules they load, and the alert rules' unit tests (deploy/alerts.test.yml), which must
 * show every alert both firing and not firing. The scrape targets must be the HTTP ports those make targets use.
 *
 * Needs `promtool` on PATH; as root with apt-get it is installed (Debian package `prometheus`), otherwise the file is
 * skipped with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { resolveConfig } from '../../../broker/config.js';
import { ALERTS_PATH, alertNames, DEPLOY_DIR, findOrInstallPrometheus, run } from './prometheus-server.js';

const SINGLE_CONFIG = path.join(DEPLOY_DIR, 'prometheus.yml');
const CLUSTER_CONFIG = path.join(DEPLOY_DIR, 'prometheus-cluster.yml');
const ALERT_TESTS = path.join(DEPLOY_DIR, 'alerts.test.yml');
const CLUSTER_SCRIPT = path.join(DEPLOY_DIR, 'local-cluster.sh');

/** The `'host:port'` targets of a scrape config (comments skipped). */
function targetsOf(configPath: string): string[] {
  const lines = fs
    .readFileSync(configPath, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line));
  return lines.flatMap((line) => [...line.matchAll(/'([^']+:\d+)'/g)].map((m) => m[1] ?? ''));
}

/** A number the script `text` must contain as `pattern`'s first group. */
function scriptNumber(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  if (match?.[1] === undefined) throw new Error(`deploy/local-cluster.sh no longer matches ${String(pattern)}`);
  return Number(match[1]);
}

/** The HTTP ports deploy/local-cluster.sh gives its brokers, read from its port arithmetic. */
function clusterWsPorts(): number[] {
  const script = fs.readFileSync(CLUSTER_SCRIPT, 'utf8');
  const ids = /for id in ([\d ]+);/.exec(script)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
  const first = scriptNumber(script, /base=\$\(\((\d+) \+ \(id - 1\) \* \d+\)\)/);
  const step = scriptNumber(script, /base=\$\(\(\d+ \+ \(id - 1\) \* (\d+)\)\)/);
  const wsOffset = scriptNumber(script, /--ws-port \$\(\(base \+ (\d+)\)\)/);
  return ids.map((id) => first + (id - 1) * step + wsOffset);
}

void t.test('the scrape configs target the HTTP ports of `make run` and `make cluster`', (t) => {
  t.same(targetsOf(SINGLE_CONFIG), [`localhost:${String(resolveConfig().wsPort)}`], 'the default --ws-port');
  const wsPorts = clusterWsPorts();
  t.equal(wsPorts.length, 3, 'make cluster starts three brokers');
  t.same(
    targetsOf(CLUSTER_CONFIG),
    wsPorts.map((port) => `localhost:${String(port)}`),
    'the --ws-port of each broker of deploy/local-cluster.sh',
  );
  t.end();
});

const tools = findOrInstallPrometheus();
if (typeof tools === 'string') {
  void t.test('promtool checks', { skip: `promtool not installable: ${tools}` }, (t) => {
    t.end();
  });
} else {
  void t.test('promtool accepts both scrape configs and the rules they load', async (t) => {
    for (const config of [SINGLE_CONFIG, CLUSTER_CONFIG]) {
      const checked = await run(tools.promtool, ['check', 'config', config]);
      t.equal(checked.code, 0, `promtool check config ${path.basename(config)}`, { output: checked.output });
    }
    const rules = await run(tools.promtool, ['check', 'rules', ALERTS_PATH]);
    t.equal(rules.code, 0, 'promtool check rules alerts.yml', { output: rules.output });
    t.match(rules.output, `SUCCESS: ${String(alertNames().length)} rules found`, 'promtool counts every alert');
  });

  void t.test('promtool test rules deploy/alerts.test.yml passes', async (t) => {
    const tested = await run(tools.promtool, ['test', 'rules', ALERT_TESTS]);
    t.equal(tested.code, 0, 'every rule unit test passes', { output: tested.output });
  });
}

void t.test('deploy/alerts.test.yml shows every alert firing and not firing', (t) => {
  const tests = fs.readFileSync(ALERT_TESTS, 'utf8');
  const firing = new Set([...tests.matchAll(/alertname: (\w+)\n\s*exp_alerts:\n\s*- exp_labels:/g)].map((m) => m[1]));
  const silent = new Set([...tests.matchAll(/alertname: (\w+)\n\s*exp_alerts: \[\]/g)].map((m) => m[1]));
  for (const name of alertNames()) {
    t.ok(firing.has(name), `${name} is expected to fire somewhere`);
    t.ok(silent.has(name), `${name} is expected not to fire somewhere`);
  }
  t.end();
});
