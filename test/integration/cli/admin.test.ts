/**
 * The CLI's admin side against a real broker process: `--version`, `cluster describe`, `group reset-offsets
 * --dry-run` (prints, changes nothing), `topic create --if-not-exists` and Admin.createTopic's ifNotExists, flag
 * errors that name the flag, the value and the rule, and the WebSocket port given as a TCP bootstrap.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Admin, Producer, stringCodec } from '../../../client/index.js';
import { REPO_ROOT, startBrokerProcess } from '../../helpers/broker-process.js';
import { runBrook, type CliResult } from '../../helpers/brook-cli.js';

const TOPIC = 'cli-admin';
const GROUP = 'cli-admin-group';

/** What a run printed, shown with a failed assertion only. */
function output(result: CliResult): { stdout: string; stderr: string; code: number | null } {
  return { stdout: result.stdout, stderr: result.stderr, code: result.code };
}

void t.test('brook --version, cluster describe, reset-offsets --dry-run, --if-not-exists, errors', async (t) => {
  const broker = await startBrokerProcess(t);
  const connect = ['--bootstrap', broker.bootstrap];
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: 2 });
  await admin.createTopic(TOPIC, { partitions: 2, ifNotExists: true });
  t.pass('Admin.createTopic with ifNotExists resolves for a topic that exists');
  await t.rejects(admin.createTopic(TOPIC), { code: 'TOPIC_EXISTS' }, 'without it, TOPIC_EXISTS as before');
  const producer = new Producer<string>({ bootstrap: broker.bootstrap, codec: stringCodec() });
  t.teardown(() => producer.close());
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => producer.send({ topic: TOPIC, partition: i % 2, value: String(i) })),
  );
  await admin.resetOffsets(GROUP, TOPIC, { offset: 0 });
  const before = await admin.committedOffsets(GROUP);

  const [version, cluster, dryRun, again, zero] = await Promise.all([
    runBrook(t, ['--version']),
    runBrook(t, ['cluster', 'describe', ...connect]),
    runBrook(t, ['group', 'reset-offsets', GROUP, '--topic', TOPIC, '--to', 'offset:5', '--dry-run', ...connect]),
    runBrook(t, ['topic', 'create', TOPIC, '--if-not-exists', ...connect]),
    runBrook(t, ['topic', 'create', 'other', '--partitions', '0', ...connect]),
  ]);

  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  t.equal(version.code, 0, '--version exits 0', output(version));
  t.equal(version.stdout, `${manifest.version}\n`, 'and prints the version of package.json');

  t.equal(cluster.code, 0, 'cluster describe exits 0', output(cluster));
  t.match(cluster.stdout, /^Cluster: \S+\tController: 1\tBrokers: 1\n/, 'the cluster id, its controller, one broker');
  t.match(
    cluster.stdout,
    new RegExp(
      `\\tBroker: 1\\tAddress: 127\\.0\\.0\\.1:${String(broker.tcpPort)}\\tWebSocket: ${String(broker.wsPort)}` +
        '\\tLive: yes\\tController\\n',
    ),
    'the broker: addresses, live, and that it is the controller',
  );

  t.equal(dryRun.code, 0, 'reset-offsets --dry-run exits 0', output(dryRun));
  t.match(
    dryRun.stdout,
    `${TOPIC}\tPartition: 0\tOffset: 5\n${TOPIC}\tPartition: 1\tOffset: 5\n`,
    'the offsets it would commit',
  );
  t.match(dryRun.stdout, /Dry run: .* nothing changed\./);
  t.same(await admin.committedOffsets(GROUP), before, 'the committed offsets did not change');

  t.equal(again.code, 0, 'topic create --if-not-exists of an existing topic exits 0', output(again));

  t.equal(zero.code, 1, '--partitions 0 exits 1');
  t.equal(zero.stderr, 'brook: --partitions 0: must be an integer from 1 to 100000\n', 'naming flag, value and rule');

  // Side by side with a command that works, so that the comparison leaves out the seconds of TypeScript loading.
  const [wsAsTcp, tcp] = await Promise.all([
    runBrook(t, ['topic', 'list', '--bootstrap', `127.0.0.1:${String(broker.wsPort)}`]),
    runBrook(t, ['topic', 'list', ...connect]),
  ]);
  t.equal(tcp.code, 0, 'topic list on the TCP port works', output(tcp));
  t.equal(wsAsTcp.code, 1, 'the WebSocket port as a TCP bootstrap fails', output(wsAsTcp));
  t.match(
    wsAsTcp.stderr,
    `is an HTTP port, not Brook's TCP port; did you mean ws://127.0.0.1:${String(broker.wsPort)}?`,
    'and says which address to use instead',
  );
  t.ok(
    wsAsTcp.durationMs - tcp.durationMs < 10_000,
    `quickly: ${String(wsAsTcp.durationMs)} ms against ${String(tcp.durationMs)} ms for a command that works ` +
      '(it hung 30 s before)',
  );
});
