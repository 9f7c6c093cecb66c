/**
 * Quota overrides per user (issue 11: "per principal and per client id"). Expected: with no broker-wide quota, a
 * `brook quota set --user alice` holds alice's produce answers back (throttleTimeMs in the answers,
 * brook_quota_throttled_total{principal="User:alice"}) while bob, sending the same load, is never throttled; the
 * override is listed, and once removed alice is no longer held back.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Admin } from '../../../client/index.js';
import { RecordBatchBuilder, type RequestOf } from '../../../protocol/index.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { metricSum } from '../../helpers/http.js';
import { TestCluster } from '../../helpers/cluster.js';
import { RawTcpConnection } from '../../helpers/raw-connection.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { closeAtEnd, startTestBroker } from '../client/helpers.js';

const USERS = { admin: 'admin-pw', alice: 'alice-pw', bob: 'bob-pw' } as const;
const QUOTA_BYTES_PER_SEC = 20_000;
/** 8 produces of 5 kB: 40 kB, twice what alice's quota lets through in the 1 s window. */
const PRODUCES = 8;
const VALUE_BYTES = 5_000;

function produceRequest(): RequestOf<'produce'> {
  const builder = new RecordBatchBuilder();
  builder.add({ key: null, value: new Uint8Array(VALUE_BYTES), timestamp: 1 });
  const { bytes } = builder.build();
  return { acks: 1, timeoutMs: 10_000, partitions: [{ topic: 'metered', partition: 0, batch: bytes }] };
}

void t.test('a quota set for alice holds alice back and not bob', async (t) => {
  const usersFile = path.join(tempDir(t, 'brook-quota-users-'), 'users');
  fs.writeFileSync(
    usersFile,
    Object.entries(USERS)
      .map(([u, p]) => `${u}:${p}\n`)
      .join(''),
    { mode: 0o600 },
  );
  const broker = await startTestBroker(t, { usersFile, quotaWindowSamples: 10, quotaSampleMs: 100 });
  const bootstrap = `127.0.0.1:${String(broker.tcpPort)}`;
  const cli = (args: string[]) =>
    runBrook(t, [...args, '--bootstrap', bootstrap, '--username', 'admin'], { env: { BROOK_PASSWORD: USERS.admin } });

  const set = await cli(['quota', 'set', '--user', 'alice', '--produce-bytes-per-sec', String(QUOTA_BYTES_PER_SEC)]);
  t.equal(set.code, 0, set.stderr);
  const listed = await cli(['quota', 'list']);
  t.match(
    listed.stdout,
    `user=alice\tProduce: ${String(QUOTA_BYTES_PER_SEC)} B/s\tFetch: - B/s`,
    'quota list shows it',
  );

  const admin = new Admin({ bootstrap, username: 'admin', password: USERS.admin });
  closeAtEnd(t, admin);
  await admin.createTopic('metered', { partitions: 1 });

  /** The throttle times of PRODUCES produces sent one after another as `user`. */
  async function throttles(user: 'alice' | 'bob', count = PRODUCES): Promise<number[]> {
    const connection = await RawTcpConnection.open(t, broker.tcpPort);
    await connection.hello(10_000, { username: user, password: USERS[user] });
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const answer = await connection.request('produce', produceRequest());
      t.notOk(answer.partitions[0]?.error, `${user}'s produce ${String(i)} stored`);
      times.push(answer.throttleTimeMs ?? 0);
    }
    connection.destroy();
    return times;
  }

  const alice = await throttles('alice');
  t.ok(
    alice.some((ms) => ms > 0),
    `alice's answers carry throttle times past her quota (${alice.join(',')})`,
  );
  const bob = await throttles('bob');
  t.same(bob, new Array<number>(PRODUCES).fill(0), 'bob, with the same load, is never throttled');

  const metrics = (await broker.metrics.metricsText()).body;
  const of = (principal: string) => ({ quota: 'produce', principal });
  t.ok(metricSum(metrics, 'brook_quota_throttled_total', of('User:alice')) > 0, "alice's throttles counted");
  t.ok(metricSum(metrics, 'brook_quota_throttle_ms_total', of('User:alice')) > 0, 'with their time');
  t.equal(metricSum(metrics, 'brook_quota_throttled_total', of('User:bob')), 0, 'none for bob');

  await admin.removeQuota({ user: 'alice' });
  t.same(await admin.listQuotas(), [], 'removed');
  t.same(await throttles('alice', 2), [0, 0], 'alice is no longer held back');
  await t.rejects(admin.removeQuota({ user: 'alice' }), { code: 'UNKNOWN_QUOTA' }, 'a second removal is refused');
});

void t.test('a quota set through the controller reaches every broker of a cluster', async (t) => {
  const cluster = await TestCluster.start(t, 2);
  const admin = new Admin({ bootstrap: cluster.bootstrap, requestTimeoutMs: 30_000 });
  closeAtEnd(t, admin);
  await admin.setQuota({ clientId: 'etl' }, { fetchBytesPerSec: 12_345 });
  for (const id of cluster.ids) {
    // listQuotas is answered from the broker's own copy of the metadata log, so each broker is asked directly.
    const connection = await RawTcpConnection.open(t, cluster.broker(id).tcpPort);
    await connection.hello();
    await waitFor(
      async () => (await connection.request('listQuotas', {})).quotas.some((q) => q.fetchBytesPerSec === 12_345),
      { timeoutMs: 10_000, intervalMs: 50, what: `broker ${String(id)} to hold the quota of client-id etl` },
    );
    t.pass(`broker ${String(id)} applied it`);
    connection.destroy();
  }
});
