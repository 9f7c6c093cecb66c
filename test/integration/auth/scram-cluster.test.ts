/**
 * SCRAM-SHA-256 users in a 3-broker cluster of real broker processes: the users of --users-file are created through
 * the metadata log, a user created through one broker logs in on every other, a deleted one no longer does, failed
 * logins are counted; and the CLI's user commands, with passwords from files or stdin, never from argv.
 */
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { Admin } from '../../../client/index.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { startTestCluster } from '../../helpers/cluster.js';
import { RawTcpConnection, type HelloCredentials } from '../../helpers/raw-connection.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

const ADMIN = { username: 'admin', password: 'admin-s3cret' };

/** Logs in on the broker at `port` (hello + authenticate); resolves with the error code, or 'ok'. */
async function login(t: Test, port: number, credentials: HelloCredentials): Promise<string> {
  const conn = await RawTcpConnection.open(t, port);
  try {
    await conn.hello(10_000, credentials);
    return 'ok';
  } catch (err: unknown) {
    return err instanceof Error && 'code' in err ? String(err.code) : String(err);
  } finally {
    conn.destroy();
  }
}

void t.test('users live in the metadata log: created through one broker, they log in on every broker', async (t) => {
  const dir = tempDir(t, 'brook-scram-');
  const usersFile = path.join(dir, 'users');
  fs.writeFileSync(usersFile, `${ADMIN.username}:${ADMIN.password}\n`);
  const cluster = await startTestCluster(t, { args: ['--users-file', usersFile] });
  const [one, two, three] = cluster.ids.map((id) => cluster.broker(id));
  if (one === undefined || two === undefined || three === undefined) throw new Error('three brokers expected');

  await waitFor(async () => (await login(t, three.tcpPort, ADMIN)) === 'ok', {
    what: 'the users of --users-file to reach every broker through the metadata log',
  });
  t.equal(await login(t, one.tcpPort, {}), 'UNAUTHORIZED', 'without credentials a login is refused');

  const admin = new Admin({ bootstrap: one.bootstrap, ...ADMIN });
  t.teardown(() => admin.close());
  await admin.createUser('alice', 'wonderland');
  t.same(
    (await admin.listUsers()).map((u) => [u.name, u.mechanism, u.iterations]),
    [
      ['admin', 'SCRAM-SHA-256', 4096],
      ['alice', 'SCRAM-SHA-256', 4096],
    ],
  );
  for (const broker of [one, two, three]) {
    await waitFor(
      async () => (await login(t, broker.tcpPort, { username: 'alice', password: 'wonderland' })) === 'ok',
      {
        what: `alice to log in on broker at ${broker.bootstrap}`,
      },
    );
  }
  t.pass('alice, created through broker 1, logs in on brokers 1, 2 and 3');
  t.equal(await login(t, two.tcpPort, { username: 'alice', password: 'looking-glass' }), 'UNAUTHORIZED');
  const metrics = await (await fetch(`http://127.0.0.1:${String(two.wsPort)}/metrics`)).text();
  t.match(metrics, /^brook_auth_failures_total\{broker="\d+"\} [1-9]/m, 'the failed login is counted');
  t.notMatch(two.output(), /looking-glass|wonderland|admin-s3cret/, 'no password in the broker log');
  t.match(two.output(), /login failed/, 'the failed login is logged');

  await admin.deleteUser('alice');
  await waitFor(async () => (await login(t, three.tcpPort, { username: 'alice', password: 'wonderland' })) !== 'ok', {
    what: 'the deletion to reach broker 3',
  });
  t.pass('a deleted user no longer logs in elsewhere');

  // The CLI: passwords from files or stdin, never from argv.
  const adminPasswordFile = path.join(dir, 'admin-password');
  fs.writeFileSync(adminPasswordFile, `${ADMIN.password}\n`);
  const connect = [
    '--bootstrap',
    cluster.bootstrap,
    '--username',
    ADMIN.username,
    '--password-file',
    adminPasswordFile,
  ];
  const created = await runBrook(t, ['user', 'create', 'bob', ...connect], { input: 'builder\n' });
  t.equal(created.code, 0, created.stderr);
  t.equal(created.stdout, 'Created user bob\n');
  const listed = await runBrook(t, ['user', 'list', '--bootstrap', cluster.bootstrap, '--username', 'admin'], {
    env: { BROOK_PASSWORD: ADMIN.password },
  });
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /^admin\tMechanism: SCRAM-SHA-256\tIterations: 4096\nbob\t/);
  await waitFor(async () => (await login(t, two.tcpPort, { username: 'bob', password: 'builder' })) === 'ok');
  const onArgv = await runBrook(t, ['user', 'list', '--bootstrap', cluster.bootstrap, '--password', 'x']);
  t.not(onArgv.code, 0);
  t.match(onArgv.stderr, /--password is refused: other users of the machine can read the command line/);
  const deleted = await runBrook(t, ['user', 'delete', 'bob', ...connect]);
  t.equal(deleted.code, 0, deleted.stderr);
  const anonymous = await runBrook(t, ['user', 'list', '--bootstrap', cluster.bootstrap]);
  t.not(anonymous.code, 0, 'without credentials the CLI is refused');
  t.match(anonymous.stderr, /UNAUTHORIZED|authentication/i);
});
