import t from 'tap';
import { BrookError, ERROR_OP, requests } from '../../../protocol/index.js';
import { Connection } from '../../../client/connection.js';
import { parseEndpoint } from '../../../client/endpoint.js';
import { FakeBroker } from './helpers/fake-broker.js';
import { ManualClock, settle } from './helpers/manual-clock.js';
import { resolved } from './helpers/options.js';

const endpoint = [parseEndpoint('fake:1')];

function setup(extra: Parameters<typeof resolved>[2] = {}) {
  const broker = new FakeBroker(7);
  const clock = new ManualClock();
  const connection = new Connection(endpoint, resolved(broker, clock, extra));
  return { broker, clock, connection };
}

void t.test('handshake sends hello first and reads the broker limits', async (t) => {
  const { broker, connection } = setup({ clientId: 'me' });
  const hello = await connection.ready();
  t.equal(hello.brokerId, 7);
  t.equal(hello.produceWindowBytes, broker.limits.produceWindowBytes);
  t.equal(connection.brokerId, 7);
  t.equal(connection.window.capacityBytes, broker.limits.produceWindowBytes);
  const first = broker.session.requests[0];
  t.equal(first?.op, 'hello');
  t.match(first?.body, { protocolVersion: 1, clientId: 'me' });
  await connection.close();
});

void t.test('with credentials the handshake is SCRAM-SHA-256: the password never crosses the wire', async (t) => {
  const { broker, connection } = setup({ clientId: 'me', username: 'u', password: 'p4ssw0rd' });
  broker.credentials = { username: 'u', password: 'p4ssw0rd' };
  await connection.ready();
  const [hello, authenticate] = broker.session.requests;
  t.match(hello, { op: 'hello', body: { sasl: { mechanism: 'SCRAM-SHA-256', message: /^n,,n=u,r=/ } } });
  t.match(authenticate, { op: 'authenticate', body: { message: /^c=biws,r=.*,p=/ } });
  t.notMatch(JSON.stringify(broker.session.requests), /p4ssw0rd/, 'no request carries the password');
  await t.resolves(connection.request('ping', {}), 'the session is usable');
  await connection.close();
});

void t.test('typed requests are correlated, concurrent ones included', async (t) => {
  const { broker, connection } = setup();
  broker.createTopic('a', 2);
  broker.createTopic('b', 1);
  const [ma, mb] = await Promise.all([
    connection.request('metadata', { topics: ['a'] }),
    connection.request('metadata', { topics: ['b'] }),
  ]);
  t.equal(ma.topics[0]?.partitions.length, 2);
  t.equal(mb.topics[0]?.partitions.length, 1);
  const ids = broker.session.requests.map((r) => r.correlationId);
  t.equal(new Set(ids).size, ids.length, 'distinct correlation ids');
  t.ok(ids.every((id) => id >= 1));
  await connection.close();
});

void t.test('an error response rejects with the rebuilt BrookError', async (t) => {
  const { broker, connection } = setup();
  await connection.ready();
  broker.hook = (session, op, correlationId) => {
    if (op !== 'listOffsets') return undefined;
    session.send(ERROR_OP, correlationId, { code: 12, message: 'moved', leaderId: 3 });
    return 'handled';
  };
  const err = await connection
    .request('listOffsets', { topic: 'x', partition: 0, at: 'latest' })
    .catch((e: unknown) => e);
  t.ok(err instanceof BrookError);
  t.match(err, { code: 'NOT_LEADER', retriable: true, leaderId: 3, message: 'moved' });
  t.ok(connection.isReady, 'a request error leaves the connection up');
  await connection.close();
});

void t.test('a request with no response times out with REQUEST_TIMED_OUT', async (t) => {
  const { broker, clock, connection } = setup({ requestTimeoutMs: 1000 });
  await connection.ready();
  broker.hook = (_s, op) => (op === 'metadata' ? 'handled' : undefined);
  const pending = connection.request('metadata', {});
  let settled = false;
  pending.catch(() => undefined).finally(() => (settled = true));
  await clock.advance(999);
  t.notOk(settled);
  await clock.advance(1);
  await t.rejects(pending, { code: 'REQUEST_TIMED_OUT', retriable: true });
  await connection.close();
});

void t.test('pings only after idleTimeoutMs/3 without sending', async (t) => {
  const { broker, clock, connection } = setup();
  broker.limits = { ...broker.limits, idleTimeoutMs: 30_000 };
  await connection.ready();
  const pings = () => broker.session.ops('ping').length;
  await clock.advance(9_000);
  t.equal(pings(), 0);
  await connection.request('metadata', {});
  await clock.advance(9_000);
  t.equal(pings(), 0, 'the metadata request 9 s ago counts as traffic');
  await clock.advance(1_000);
  t.equal(pings(), 1, '10 s of silence: one ping');
  await clock.advance(10_000);
  t.equal(pings(), 2);
  await connection.close();
});

void t.test('a connection-level error frame becomes the close reason; pending requests fail retriably', async (t) => {
  const { broker, clock, connection } = setup();
  await connection.ready();
  broker.hook = (_s, op) => (op === 'metadata' ? 'handled' : undefined);
  const pending = connection.request('metadata', {});
  const disconnects: BrookError[] = [];
  connection.onDisconnect.add((e) => disconnects.push(e));
  await settle();
  const session = broker.session;
  session.sendError(0, 'IDLE_TIMEOUT', 'idle for 30000 ms');
  session.server.close();
  const err = await pending.catch((e: unknown) => e);
  t.match(err, { code: 'NETWORK_ERROR', retriable: true });
  t.match((err as Error).message, /idle for 30000 ms/);
  t.match((err as Error).cause, { code: 'IDLE_TIMEOUT' });
  t.equal(disconnects.length, 1);
  // IDLE_TIMEOUT is retriable: the connection comes back.
  await clock.advance(100);
  t.ok(connection.isReady);
  t.equal(broker.sessions.length, 2);
  await connection.close();
});

void t.test('a non-retriable connection error closes for good', async (t) => {
  const { broker, connection } = setup();
  await connection.ready();
  const closed = new Promise<BrookError | undefined>((resolve) => connection.onClose.add(resolve));
  broker.session.sendError(0, 'FRAME_TOO_LARGE');
  broker.session.server.close();
  t.match(await closed, { code: 'FRAME_TOO_LARGE' });
  t.ok(connection.isClosed);
  await t.rejects(connection.request('ping', {}), { code: 'FRAME_TOO_LARGE' });
});

void t.test('bad credentials fail the handshake without retrying', async (t) => {
  const { broker, connection } = setup({ username: 'u', password: 'wrong' });
  broker.credentials = { username: 'u', password: 'right' };
  await t.rejects(connection.ready(), { code: 'UNAUTHORIZED' });
  t.ok(connection.isClosed);
  t.equal(broker.connectAttempts, 1);
});

void t.test('reconnects with exponential backoff and re-handshakes', async (t) => {
  const { broker, clock, connection } = setup({ reconnectBackoffMs: { initial: 100, max: 1000 } });
  await connection.ready();
  const readies: boolean[] = [];
  connection.onReady.add((_hello, reconnected) => readies.push(reconnected));
  broker.refuse = true;
  broker.session.server.close();
  await settle();
  t.notOk(connection.isReady);
  t.same(clock.pendingDelays(), [100], 'first retry after initial backoff');
  await clock.advance(100);
  t.equal(broker.connectAttempts, 2);
  t.same(clock.pendingDelays(), [200]);
  await clock.advance(200);
  t.same(clock.pendingDelays(), [400]);
  await clock.advance(400);
  t.same(clock.pendingDelays(), [800]);
  await clock.advance(800);
  t.same(clock.pendingDelays(), [1000], 'capped at max');
  broker.refuse = false;
  await clock.advance(1000);
  t.ok(connection.isReady);
  t.same(readies, [true]);
  t.equal(broker.session.requests[0]?.op, 'hello', 'the new session starts with hello');
  // After a success the backoff starts over.
  broker.refuse = true;
  broker.session.server.close();
  await settle();
  t.same(clock.pendingDelays(), [100]);
  await connection.close();
  t.equal(clock.pending, 0, 'close cancels the reconnect timer');
});

void t.test('gives up after reconnectMaxRetries and fails waiting requests', async (t) => {
  const { broker, clock, connection } = setup({ reconnectMaxRetries: 2, requestTimeoutMs: 60_000 });
  broker.refuse = true;
  const waiting = connection.request('metadata', {});
  waiting.catch(() => undefined);
  await clock.advance(100);
  await clock.advance(200);
  const err = await waiting.catch((e: unknown) => e);
  t.match(err, { code: 'NETWORK_ERROR' });
  t.match((err as Error).message, /giving up .* after 3 attempts/);
  t.ok(connection.isClosed);
  t.equal(broker.connectAttempts, 3);
});

void t.test('requests made while connecting wait for the session', async (t) => {
  const { broker, clock, connection } = setup();
  broker.refuse = true;
  const waiting = connection.request('metadata', {});
  await clock.advance(50);
  broker.refuse = false;
  await clock.advance(100);
  const response = await waiting;
  t.equal(response.clusterId, 'fake');
  await connection.close();
});

void t.test('grants refill the produce window; a session drop resets it', async (t) => {
  const { broker, connection } = setup();
  await connection.ready();
  const capacity = connection.window.capacityBytes;
  t.ok(connection.window.tryAcquire(capacity));
  broker.session.send(33, 0, { bytes: 1000 });
  await settle();
  t.equal(connection.window.availableBytes, 1000);
  const waiting = connection.window.acquire(5000);
  broker.session.server.close();
  await t.rejects(waiting, { code: 'NETWORK_ERROR' });
  await connection.close();
});

void t.test('pushes reach the subscription handler; a drop ends it with NETWORK_ERROR', async (t) => {
  const { broker, connection } = setup();
  await connection.ready();
  const seen: string[] = [];
  const id = connection.addSubscription({
    deliver: (push) => seen.push(`deliver ${String(push.subscriptionId)} hw=${String(push.highWatermark)}`),
    end: (error) => seen.push(`end ${error.code}`),
  });
  const other = connection.addSubscription({ deliver: () => seen.push('other'), end: () => seen.push('other end') });
  t.not(id, other);
  broker.session.send(32, 0, { subscriptionId: id, highWatermark: 5, batches: [] });
  broker.session.send(34, 0, { subscriptionId: id, error: { code: 8, message: 'gone' } });
  broker.session.send(32, 0, { subscriptionId: id, highWatermark: 6, batches: [] });
  await settle();
  t.same(seen, [`deliver ${String(id)} hw=5`, 'end OFFSET_OUT_OF_RANGE'], 'nothing after subscriptionEnd');
  broker.session.server.close();
  await settle();
  t.same(seen.slice(2), ['other end']);
  await connection.close();
});

void t.test('an undecodable frame drops the session', async (t) => {
  const { broker, connection } = setup({ reconnectMaxRetries: 0 });
  await connection.ready();
  const closed = new Promise<BrookError | undefined>((resolve) => connection.onClose.add(resolve));
  broker.session.server.send(new Uint8Array([0xc1]));
  t.match(await closed, { code: 'INVALID_REQUEST' });
});

void t.test('a stray response for an unknown correlation id is ignored', async (t) => {
  const { broker, connection } = setup();
  await connection.ready();
  broker.session.send(requests.ping.code, 999, {});
  await settle();
  t.ok(connection.isReady);
  await connection.close();
});

void t.test('close fails pending requests with CLOSED', async (t) => {
  const { broker, connection } = setup();
  await connection.ready();
  broker.hook = (_s, op) => (op === 'metadata' ? 'handled' : undefined);
  const pending = connection.request('metadata', {});
  await settle();
  await connection.close();
  await t.rejects(pending, { code: 'CLOSED', retriable: false });
  await t.rejects(connection.request('ping', {}), { code: 'CLOSED' });
});
