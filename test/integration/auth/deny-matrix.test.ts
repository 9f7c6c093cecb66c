/**
 * The deny matrix, generated from the op table (broker/auth/op-permissions.ts): every op of the protocol, sent by
 * {no credentials, a wrong password, a user without ACLs, a user with the ACLs the op needs, a super user}, over TCP
 * and WebSocket, to one real broker process with `--authorizer acl`. An op the table says needs nothing is refused
 * only to those who cannot log in.
 */
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { Admin } from '../../../client/index.js';
import { requests, type RequestOf, type RequestOp } from '../../../protocol/index.js';
import { OP_PERMISSIONS, type Needed } from '../../../broker/auth/op-permissions.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { RawTcpConnection, RawWsConnection, type HelloCredentials } from '../../helpers/raw-connection.js';
import { batchOfSize } from '../../helpers/opaque-batches.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { requestSamples } from '../../unit/protocol/protocol-fixtures.js';

const USERS = { admin: 'admin-pw', alice: 'alice-pw', nobody: 'nobody-pw' } as const;
const HANDSHAKE: readonly RequestOp[] = ['hello', 'authenticate'];

/**
 * The request each op is tried with: the protocol samples, made harmless where they would change the test's users.
 */
function sample<K extends RequestOp>(op: K): RequestOf<K> {
  const first = requestSamples[op].requests[0];
  if (first === undefined) throw new Error(`no sample request for ${op}`);
  const produce = requestSamples.produce.requests[0];
  if (produce === undefined) throw new Error('no produce sample');
  const overrides: Partial<{ [O in RequestOp]: RequestOf<O> }> = {
    // Not idempotent: a producer id is bound to the first principal that uses it (another test), not to ACLs.
    produce: {
      ...produce,
      partitions: produce.partitions.map((p) => ({
        ...p,
        batch: batchOfSize(1, 16).bytes,
      })),
    },
    createUser: { ...requestSamples.createUser.requests[0], name: 'matrix-user' } as RequestOf<'createUser'>,
    deleteUser: { name: 'matrix-user' },
    deleteAcls: { principal: 'User:matrix-user' },
    createAcls: {
      acls: [
        {
          principal: 'User:matrix-user',
          resourceType: 'topic',
          resourceName: 'x',
          patternType: 'literal',
          operation: 'read',
          permission: 'allow',
        },
      ],
    },
  };
  return (overrides[op] as RequestOf<K> | undefined) ?? first;
}

const OPS = (Object.keys(requests) as RequestOp[]).filter((op) => !HANDSHAKE.includes(op));
/** What the op table says `request` needs. */
function needsOf<K extends RequestOp>(op: K, request: RequestOf<K>): readonly Needed[] {
  const table: (request: RequestOf<K>) => readonly Needed[] = OP_PERMISSIONS[op];
  return table(request);
}
const needs = (op: RequestOp): readonly Needed[] => needsOf(op, sample(op));

interface Who {
  readonly name: string;
  readonly credentials: HelloCredentials;
  /** The answer expected for `op`: refused (UNAUTHORIZED) or served (anything else). */
  readonly expected: (op: RequestOp) => 'refused' | 'served';
}

const WHO: readonly Who[] = [
  { name: 'no credentials', credentials: {}, expected: () => 'refused' },
  { name: 'wrong password', credentials: { username: 'alice', password: 'guess' }, expected: () => 'refused' },
  {
    name: 'a user without ACLs',
    credentials: { username: 'nobody', password: USERS.nobody },
    expected: (op) => (needs(op).length === 0 ? 'served' : 'refused'),
  },
  {
    name: 'a user with the needed ACLs',
    credentials: { username: 'alice', password: USERS.alice },
    expected: () => 'served',
  },
  { name: 'a super user', credentials: { username: 'admin', password: USERS.admin }, expected: () => 'served' },
];

/** What `op` got: 'refused' for UNAUTHORIZED (at login or for the request), 'served' for any other answer. */
async function answerTo(
  conn: RawTcpConnection | RawWsConnection | undefined,
  op: RequestOp,
): Promise<'refused' | 'served'> {
  if (conn === undefined) return 'refused';
  try {
    await conn.request(op, sample(op), 15_000);
    return 'served';
  } catch (err: unknown) {
    return err instanceof Error && 'code' in err && err.code === 'UNAUTHORIZED' ? 'refused' : 'served';
  }
}

async function loggedIn(
  t: Test,
  open: () => Promise<RawTcpConnection | RawWsConnection>,
  credentials: HelloCredentials,
): Promise<RawTcpConnection | RawWsConnection | undefined> {
  const conn = await open();
  try {
    await conn.hello(10_000, credentials);
    return conn;
  } catch (err: unknown) {
    t.match(err, { code: 'UNAUTHORIZED' }, 'a refused login is UNAUTHORIZED');
    conn.destroy();
    return undefined;
  }
}

void t.test('deny matrix: every op x every kind of principal, over TCP and WebSocket', async (t) => {
  const dir = tempDir(t, 'brook-deny-matrix-');
  const usersFile = path.join(dir, 'users');
  fs.writeFileSync(
    usersFile,
    Object.entries(USERS)
      .map(([u, p]) => `${u}:${p}\n`)
      .join(''),
  );
  const broker = await startBrokerProcess(t, {
    args: ['--users-file', usersFile, '--authorizer', 'acl', '--super-users', 'User:admin'],
  });
  const admin = new Admin({ bootstrap: broker.bootstrap, username: 'admin', password: USERS.admin });
  t.teardown(() => admin.close());
  // alice gets exactly what the table says the sample requests need.
  await admin.createAcls(
    OPS.flatMap((op) =>
      needs(op).map((n) => ({
        principal: 'User:alice',
        resourceType: n.resource.type,
        resourceName: n.resource.name,
        patternType: 'literal' as const,
        operation: n.operation,
        permission: 'allow' as const,
      })),
    ),
  );

  for (const [transport, open] of [
    ['tcp', () => RawTcpConnection.open(t, broker.tcpPort)],
    ['ws', () => RawWsConnection.open(t, broker.wsPort)],
  ] as const) {
    for (const who of WHO) {
      const conn = await loggedIn(t, open, who.credentials);
      const got: Record<string, string> = {};
      const want: Record<string, string> = {};
      for (const op of OPS) {
        got[op] = await answerTo(conn, op);
        want[op] = who.expected(op);
      }
      t.same(got, want, `${transport}: ${who.name}`);
      conn?.destroy();
    }
  }
});

void t.test(
  'a denied request names the operation and the resource; metadata lists only what may be described',
  async (t) => {
    const dir = tempDir(t, 'brook-deny-names-');
    const usersFile = path.join(dir, 'users');
    fs.writeFileSync(usersFile, `admin:${USERS.admin}\nalice:${USERS.alice}\n`);
    const broker = await startBrokerProcess(t, {
      args: ['--users-file', usersFile, '--authorizer', 'acl', '--super-users', 'User:admin'],
    });
    const admin = new Admin({ bootstrap: broker.bootstrap, username: 'admin', password: USERS.admin });
    t.teardown(() => admin.close());
    await admin.createTopic('visible');
    await admin.createTopic('hidden');
    await admin.createAcls([
      {
        principal: 'User:alice',
        resourceType: 'topic',
        resourceName: 'vis',
        patternType: 'prefixed',
        operation: 'read',
        permission: 'allow',
      },
    ]);
    const conn = await RawTcpConnection.open(t, broker.tcpPort);
    await conn.hello(10_000, { username: 'alice', password: USERS.alice });
    const metadata = await conn.request('metadata', {});
    t.same(
      metadata.topics.map((topic) => topic.name),
      ['visible'],
      'read implies describe; the other topic is not listed',
    );
    await t.rejects(conn.request('deleteTopics', { names: ['visible'] }), {
      code: 'UNAUTHORIZED',
      message: /User:alice may not delete topic 'visible'/,
    });
    conn.destroy();

    // The same through the CLI: brook acl add, list, remove.
    const connect = ['--bootstrap', broker.bootstrap, '--username', 'admin'];
    const env = { BROOK_PASSWORD: USERS.admin };
    const brook = (args: readonly string[]) => runBrook(t, args, { env });
    const added = await brook([
      'acl',
      'add',
      '--principal',
      'User:alice',
      '--operation',
      'delete',
      '--topic',
      'visible',
      ...connect,
    ]);
    t.equal(added.code, 0, added.stderr);
    t.equal(added.stdout, 'Added User:alice\tallow\tdelete\ttopic:visible\n');
    const listed = await brook(['acl', 'list', '--principal', 'User:alice', ...connect]);
    t.equal(listed.stdout, 'User:alice\tallow\tread\ttopic:vis*\nUser:alice\tallow\tdelete\ttopic:visible\n');
    const deleter = await RawTcpConnection.open(t, broker.tcpPort);
    await deleter.hello(10_000, { username: 'alice', password: USERS.alice });
    const { results } = await deleter.request('deleteTopics', { names: ['visible'] });
    t.same(results, [{ name: 'visible' }], 'allowed once the ACL exists');
    deleter.destroy();
    const removed = await brook(['acl', 'remove', '--principal', 'User:alice', '--topic', 'visible', ...connect]);
    t.equal(removed.stdout, 'Removed User:alice\tallow\tdelete\ttopic:visible\n', removed.stderr);
    const bad = await brook(['acl', 'add', '--principal', 'alice', '--operation', 'read', '--topic', 'x', ...connect]);
    t.match(bad.stderr, /--principal alice: must be User:<name> or User:\*/);
  },
);
