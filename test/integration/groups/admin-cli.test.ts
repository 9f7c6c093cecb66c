/**
 * Group administration against a real broker process: `brook group list|describe|reset-offsets|delete`, the
 * Admin's group methods, and the group metrics on /metrics. A member joins and commits through a raw connection.
 */
import t from 'tap';
import { Admin, Producer, stringCodec } from '../../../client/index.js';
import type { RequestOf, RequestOp, ResponseOf } from '../../../protocol/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { runBrook, type CliResult } from '../../helpers/brook-cli.js';
import { httpGet, metricSum } from '../../helpers/http.js';
import { RawTcpConnection } from '../../helpers/raw-connection.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOPIC = 'orders';
const GROUP = 'billing';

function output(result: CliResult): { stdout: string; stderr: string; code: number | null } {
  return { stdout: result.stdout, stderr: result.stderr, code: result.code };
}

void t.test('brook group commands, Admin group methods and group metrics', async (t) => {
  const broker = await startBrokerProcess(t);
  const connect = ['--bootstrap', broker.bootstrap];
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: 2 });
  const producer = new Producer<string>({ bootstrap: broker.bootstrap, codec: stringCodec() });
  t.teardown(() => producer.close({ timeoutMs: 1_000 }));
  await Promise.all(
    Array.from({ length: 6 }, (_, i) => producer.send({ topic: TOPIC, partition: 0, value: String(i) })),
  );
  const [logEnd = -1, logEnd1 = -1] = (await admin.listOffsets(TOPIC, 'latest')).map((p) => p.offset);

  const raw = await RawTcpConnection.open(t, broker.tcpPort);
  await raw.hello();
  const request = <K extends RequestOp>(op: K, body: RequestOf<K>): Promise<ResponseOf<K>> => raw.request(op, body);
  const joined = await waitFor(
    () =>
      request('groupHeartbeat', {
        groupId: GROUP,
        memberId: '',
        memberEpoch: 0,
        subscribedTopics: [TOPIC],
        clientId: 'cli-test',
      }),
    { timeoutMs: 20_000, what: 'a join once __offsets is created and loaded' },
  );
  await request('commitOffsets', {
    groupId: GROUP,
    memberId: joined.memberId,
    memberEpoch: joined.memberEpoch,
    offsets: [{ topic: TOPIC, partition: 0, offset: 2 }],
  });

  const [listed, described, refused] = await Promise.all([
    runBrook(t, ['group', 'list', ...connect]),
    runBrook(t, ['group', 'describe', GROUP, ...connect]),
    runBrook(t, ['group', 'reset-offsets', GROUP, '--topic', TOPIC, '--to', 'earliest', ...connect]),
  ]);
  t.equal(listed.code, 0, 'group list exits 0', output(listed));
  t.match(listed.stdout, /billing\tState: stable\tMembers: 1\tCoordinator: 1/);
  t.equal(described.code, 0, 'group describe exits 0', output(described));
  t.match(described.stdout, `Member: ${joined.memberId}\tClient: cli-test\tEpoch: 1\tAssignment: orders:0,1`);
  t.match(
    described.stdout,
    `Topic: orders\tPartition: 0\tCommitted: 2\tLogEnd: ${String(logEnd)}\tLag: ${String(logEnd - 2)}`,
  );
  t.match(
    described.stdout,
    `Topic: orders\tPartition: 1\tCommitted: -\tLogEnd: ${String(logEnd1)}\tLag: ${String(logEnd1)}`,
  );
  t.not(refused.code, 0, 'reset-offsets fails while the group has members');
  t.match(refused.stderr, /has members/);

  const metrics = (await httpGet(broker.wsPort, '/metrics')).body;
  t.equal(metricSum(metrics, 'brook_group_members', { group: GROUP }), 1);
  t.equal(metricSum(metrics, 'brook_group_commits_total', { group: GROUP }), 1);
  t.ok(metricSum(metrics, 'brook_group_rebalances_total', { group: GROUP }) >= 1);
  t.equal(metricSum(metrics, 'brook_group_lag_records', { group: GROUP, topic: TOPIC, partition: '0' }), logEnd - 2);

  await request('groupHeartbeat', { groupId: GROUP, memberId: joined.memberId, memberEpoch: -1 });
  const reset = await runBrook(t, ['group', 'reset-offsets', GROUP, '--topic', TOPIC, '--to', 'offset:1', ...connect]);
  t.equal(reset.code, 0, 'reset-offsets exits 0 once the group is empty', output(reset));
  t.same(
    await admin.committedOffsets(GROUP),
    [
      { topic: TOPIC, partition: 0, offset: 1, metadata: '' },
      { topic: TOPIC, partition: 1, offset: Math.min(1, logEnd1), metadata: '' },
    ],
    'offset:1, clamped to the log end of a shorter partition',
  );
  t.same(
    await admin.resetOffsets(GROUP, TOPIC, { offset: 1_000_000 }),
    [
      { partition: 0, offset: logEnd },
      { partition: 1, offset: logEnd1 },
    ],
    'an offset past the end is clamped to the log end',
  );
  t.same(await admin.resetOffsets(GROUP, TOPIC, 'latest'), [
    { partition: 0, offset: logEnd },
    { partition: 1, offset: logEnd1 },
  ]);
  const group = await admin.describeGroup(GROUP);
  t.equal(group.state, 'empty');
  t.same(
    group.partitions.map((p) => p.lag),
    [0, 0],
    'no lag after a reset to the end',
  );

  const deleted = await runBrook(t, ['group', 'delete', GROUP, ...connect]);
  t.equal(deleted.code, 0, 'group delete exits 0', output(deleted));
  t.same(await admin.listGroups(), []);
  await t.rejects(admin.describeGroup(GROUP), { code: 'UNKNOWN_GROUP' });
});
