import t from 'tap';
import {
  BrookError,
  encodeFrame,
  ERROR_OP,
  requests,
  ScramClient,
  scramCredential,
  type Frame,
  type ResponseOf,
} from '../../../protocol/index.js';
import { LOGIN_FAILURE_DELAY_MS } from '../../../broker/auth/scram-authenticator.js';
import { waitFor } from '../../helpers/wait-for.js';
import { MAX_CORE_REQUESTS_IN_FLIGHT } from '../../../broker/net/session.js';
import { errorCodeOf } from '../../helpers/raw-connection.js';
import { deferred, Harness, requestFrame, settle } from './fakes.js';

void t.test('handshake: hello answers with the broker limits', (t) => {
  const h = new Harness();
  h.send('hello', 1, { protocolVersion: 1, clientId: 'c' });
  const [frame] = h.conn.take();
  t.equal(frame?.op, requests.hello.code);
  t.equal(frame?.correlationId, 1);
  t.same(frame?.body, {
    protocolVersion: 1,
    brokerId: 7,
    clusterId: 'test-cluster',
    maxFrameBytes: 64 * 1024,
    maxMessageBytes: 16 * 1024,
    produceWindowBytes: 1000,
    idleTimeoutMs: 30_000,
  });
  t.notOk(h.conn.closed);
  t.same(
    h.core.metrics.of('requestDone').map((c) => c[0]),
    ['hello'],
  );
  t.end();
});

void t.test(
  'handshake: a first frame other than hello gets HANDSHAKE_REQUIRED with its correlationId, then close',
  (t) => {
    const h = new Harness();
    h.send('metadata', 5, {});
    const [frame] = h.conn.take();
    t.equal(frame?.op, ERROR_OP);
    t.equal(frame?.correlationId, 5);
    t.equal(errorCodeOf(frame), 'HANDSHAKE_REQUIRED');
    t.ok(h.conn.closed);
    t.ok(h.session.isClosed);
    t.equal(h.ended, 1);
    t.end();
  },
);

void t.test('handshake: hello with correlationId 0 is not a handshake', (t) => {
  const h = new Harness();
  h.send('hello', 0, { protocolVersion: 1, clientId: 'c' });
  t.equal(errorCodeOf(h.conn.take()[0]), 'HANDSHAKE_REQUIRED');
  t.ok(h.conn.closed);
  t.end();
});

void t.test('handshake: protocolVersion other than 1: UNSUPPORTED_VERSION, close', (t) => {
  const h = new Harness();
  h.send('hello', 1, { protocolVersion: 2, clientId: 'c' });
  const [frame] = h.conn.take();
  t.equal(errorCodeOf(frame), 'UNSUPPORTED_VERSION');
  t.equal(frame?.correlationId, 1);
  t.ok(h.conn.closed);
  t.end();
});

void t.test('handshake: frame version other than 1: UNSUPPORTED_VERSION, close', (t) => {
  const h = new Harness();
  // encodeFrame always writes version 1; build a version-2 frame by hand from the same encoder's output.
  const bytes = encodeFrame(requests.hello.code, 1, { protocolVersion: 1, clientId: 'c' }, false);
  const patched = Uint8Array.from(bytes);
  t.equal(patched[1], 1, 'fixarray header, then the version as a positive fixint');
  patched[1] = 2;
  h.session.receive(patched);
  t.equal(errorCodeOf(h.conn.take()[0]), 'UNSUPPORTED_VERSION');
  t.ok(h.conn.closed);
  t.end();
});

/** A harness whose core has the user alice (password "secret"). */
async function withAlice(): Promise<Harness> {
  const h = new Harness();
  h.core.users.set('alice', await scramCredential('secret', new Uint8Array(16).fill(1)));
  return h;
}

/** Waits for the session's next frame (the proof is checked by Web Crypto, off the event loop's turn). */
async function nextFrame(h: Harness): Promise<Frame> {
  const [frame] = await waitFor(() => (h.conn.sent.length > 0 ? h.conn.take() : undefined), { timeoutMs: 5_000 });
  if (frame === undefined) throw new Error('no frame');
  return frame;
}

/** Sends hello with the client's SCRAM client-first. */
function scramHello(h: Harness, clientFirst: string): string {
  h.send('hello', 1, { protocolVersion: 1, clientId: 'c', sasl: { mechanism: 'SCRAM-SHA-256', message: clientFirst } });
  const hello = h.conn.take()[0];
  if (hello?.op !== requests.hello.code) throw new Error(`hello not answered: ${JSON.stringify(hello)}`);
  return requests.hello.response.parse(hello.body, '').sasl?.message ?? '';
}

/** Logs in with `client`; resolves with the session's answer to authenticate and the client-final sent. */
async function login(h: Harness, client: ScramClient): Promise<{ answer: Frame; clientFinal: string }> {
  const clientFinal = await client.final(scramHello(h, client.first()));
  h.send('authenticate', 2, { message: clientFinal });
  return { answer: await nextFrame(h), clientFinal };
}

void t.test('handshake: with users, a hello without SCRAM is UNAUTHORIZED and closes', async (t) => {
  const h = await withAlice();
  h.send('hello', 1, { protocolVersion: 1, clientId: 'c' });
  t.equal(errorCodeOf(h.conn.take()[0]), 'UNAUTHORIZED');
  t.ok(h.conn.closed);
});

void t.test('handshake: SCRAM with the right password makes the session User:alice', async (t) => {
  const h = await withAlice();
  const client = new ScramClient('alice', 'secret', 'clientnonce');
  const { answer } = await login(h, client);
  t.equal(answer.op, requests.authenticate.code);
  t.doesNotThrow(() => {
    client.verify(requests.authenticate.response.parse(answer.body, '').message);
  }, 'the server-final proves the broker holds the credential');
  t.equal(h.session.principal, 'User:alice');
  t.ok(h.session.isGreeted);
  h.send('ping', 3, {});
  t.equal(h.conn.take()[0]?.op, requests.ping.code, 'requests are served after the login');
  t.same(h.core.loginDelaysMs, []);
});

void t.test('handshake: a wrong password or an unknown user is refused after the delay, and counted', async (t) => {
  for (const [user, password] of [
    ['alice', 'guess'],
    ['mallory', 'secret'],
  ] as const) {
    const h = await withAlice();
    const { answer } = await login(h, new ScramClient(user, password, 'clientnonce'));
    t.equal(errorCodeOf(answer), 'UNAUTHORIZED', user);
    t.ok(h.conn.closed);
    t.same(h.core.loginDelaysMs, [LOGIN_FAILURE_DELAY_MS], 'one constant delay');
    t.equal(h.core.authFailures, 1);
    t.equal(h.session.principal, 'User:ANONYMOUS', 'never authenticated');
  }
});

void t.test('handshake: an unknown user gets a salt as a known user does, the same on every attempt', async (t) => {
  const h = await withAlice();
  const salt = (user: string) =>
    /,s=([^,]+),i=4096$/.exec(h.core.authenticator.start(`n,,n=${user},r=a`).serverFirst)?.[1];
  t.match(salt('nobody'), /^[A-Za-z0-9+/]{22}==$/, '16 bytes, as a stored salt');
  t.equal(salt('nobody'), salt('nobody'));
  t.not(salt('nobody'), salt('somebody'));
});

void t.test('handshake: after a SCRAM hello only authenticate is accepted', async (t) => {
  const h = await withAlice();
  scramHello(h, 'n,,n=alice,r=abc');
  h.send('metadata', 2, {});
  t.equal(errorCodeOf(h.conn.take()[0]), 'HANDSHAKE_REQUIRED');
  t.ok(h.conn.closed);
});

void t.test('handshake: a replayed or truncated client-final is refused', async (t) => {
  const recorded = await login(await withAlice(), new ScramClient('alice', 'secret', 'clientnonce'));
  t.equal(recorded.answer.op, requests.authenticate.code, 'the recorded exchange succeeded');

  // The same client-first and client-final on a new connection: the broker's nonce is new, so the proof is stale.
  const replay = await withAlice();
  scramHello(replay, new ScramClient('alice', 'secret', 'clientnonce').first());
  replay.send('authenticate', 2, { message: recorded.clientFinal });
  t.equal(errorCodeOf(await nextFrame(replay)), 'UNAUTHORIZED', 'replayed');
  t.ok(replay.conn.closed);

  const truncated = await withAlice();
  const client = new ScramClient('alice', 'secret', 'clientnonce');
  const clientFinal = await client.final(scramHello(truncated, client.first()));
  truncated.send('authenticate', 2, { message: clientFinal.slice(0, clientFinal.indexOf(',p=')) });
  t.equal(errorCodeOf(await nextFrame(truncated)), 'UNAUTHORIZED', 'client-final without its proof');
  t.equal(truncated.core.authFailures, 1);
});

void t.test('handshake: a hello body that fails its schema: INVALID_REQUEST, still waiting for hello', (t) => {
  const h = new Harness();
  h.session.receive(encodeFrame(requests.hello.code, 1, { protocolVersion: 1 }, false));
  t.equal(errorCodeOf(h.conn.take()[0]), 'INVALID_REQUEST');
  t.notOk(h.conn.closed);
  h.send('hello', 2, { protocolVersion: 1, clientId: 'c' });
  t.equal(h.conn.take()[0]?.op, requests.hello.code);
  t.end();
});

void t.test('handshake: no hello within handshakeTimeoutMs: HANDSHAKE_TIMEOUT with correlationId 0, close', (t) => {
  const h = new Harness();
  h.session.checkDeadlines(h.clock.now + 4999);
  t.notOk(h.conn.closed, 'not yet');
  h.session.checkDeadlines(h.clock.now + 5000);
  const [frame] = h.conn.take();
  t.equal(errorCodeOf(frame), 'HANDSHAKE_TIMEOUT');
  t.equal(frame?.correlationId, 0);
  t.ok(h.conn.closed);
  t.end();
});

void t.test('handshake: a second hello is refused but the connection stays open', (t) => {
  const h = new Harness().greet();
  h.send('hello', 2, { protocolVersion: 1, clientId: 'c' });
  t.equal(errorCodeOf(h.conn.take()[0]), 'INVALID_REQUEST');
  t.notOk(h.conn.closed);
  t.end();
});

void t.test('requests: ping answers an empty body with the same correlationId', (t) => {
  const h = new Harness().greet();
  h.send('ping', 42, {});
  const [frame] = h.conn.take();
  t.same(frame, { version: 1, op: requests.ping.code, correlationId: 42, body: {} });
  t.end();
});

void t.test('requests: core ops go to the core handler and answer with its response', async (t) => {
  const h = new Harness().greet();
  h.send('createTopics', 3, { topics: [{ name: 'orders', partitions: 3, replicationFactor: 1, config: {} }] });
  h.clock.now += 250;
  await settle();
  const [frame] = h.conn.take();
  t.equal(frame?.op, requests.createTopics.code);
  t.equal(frame?.correlationId, 3);
  t.same(frame?.body, { results: [{ name: 'orders' }] });
  t.same(h.core.metrics.of('requestDone').at(-1), ['createTopics', 0.25]);
});

void t.test('requests: a core BrookError becomes an error frame for that request', async (t) => {
  const h = new Harness().greet();
  h.send('fetch', 9, { topic: 't', partition: 0, offset: 0, maxBytes: 100, maxWaitMs: 0 });
  await settle();
  const [frame] = h.conn.take();
  t.equal(frame?.op, ERROR_OP);
  t.equal(frame?.correlationId, 9);
  t.match(frame?.body, { message: 'not me', leaderId: 3 });
  t.equal(errorCodeOf(frame), 'NOT_LEADER');
  t.notOk(h.conn.closed);
  t.same(h.core.metrics.of('errorSent'), [['NOT_LEADER']]);
});

void t.test('requests: an unexpected error becomes UNKNOWN without its details', async (t) => {
  const h = new Harness().greet();
  h.core.handlers.listOffsets = () => Promise.reject(new Error('secret internals'));
  h.send('listOffsets', 4, { topic: 't', partition: 0, at: 'latest' });
  await settle();
  const [frame] = h.conn.take();
  t.equal(errorCodeOf(frame), 'UNKNOWN');
  t.notMatch(frame?.body, { message: /secret/ });
});

void t.test(
  'requests: a body that fails its schema: INVALID_REQUEST for that correlationId, connection stays open',
  (t) => {
    const h = new Harness().greet();
    h.session.receive(encodeFrame(requests.metadata.code, 11, { topics: 'not-an-array' }, false));
    const [frame] = h.conn.take();
    t.equal(errorCodeOf(frame), 'INVALID_REQUEST');
    t.equal(frame?.correlationId, 11);
    t.match(frame?.body, { message: /topics/ });
    t.notOk(h.conn.closed);
    h.send('ping', 12, {});
    t.equal(h.conn.take()[0]?.correlationId, 12, 'still served');
    t.end();
  },
);

void t.test('requests: an unknown op code: INVALID_REQUEST for that correlationId, connection stays open', (t) => {
  const h = new Harness().greet();
  h.session.receive(encodeFrame(99, 13, {}, false));
  h.session.receive(encodeFrame(32, 14, {}, false)); // a push op sent by a client
  const frames = h.conn.take();
  t.same(
    frames.map((f) => [f.correlationId, errorCodeOf(f)]),
    [
      [13, 'INVALID_REQUEST'],
      [14, 'INVALID_REQUEST'],
    ],
  );
  t.notOk(h.conn.closed);
  t.end();
});

void t.test('requests: bytes that do not decode as a frame: INVALID_REQUEST with correlationId 0, close', (t) => {
  const h = new Harness().greet();
  h.session.receive(Uint8Array.from([0xc1, 0xff, 0x00]));
  const [frame] = h.conn.take();
  t.equal(errorCodeOf(frame), 'INVALID_REQUEST');
  t.equal(frame?.correlationId, 0);
  t.ok(h.conn.closed);
  t.same(h.core.metrics.of('connectionClosed'), [['ws']]);
  t.end();
});

void t.test('requests: a frame above maxFrameBytes: FRAME_TOO_LARGE, close', (t) => {
  const h = new Harness({ limits: { maxFrameBytes: 100 } }).greet();
  h.session.receive(requestFrame('metadata', 2, { topics: ['x'.repeat(200)] }));
  t.equal(errorCodeOf(h.conn.take()[0]), 'FRAME_TOO_LARGE');
  t.ok(h.conn.closed);
  t.end();
});

void t.test('frames with correlationId 0 that fail (bad credit notice, unknown op) close the connection', (t) => {
  for (const frame of [encodeFrame(16, 0, { subscriptionId: 'x' }, false), encodeFrame(99, 0, {}, false)]) {
    const h = new Harness().greet();
    h.session.receive(frame);
    const [error] = h.conn.take();
    t.equal(errorCodeOf(error), 'INVALID_REQUEST');
    t.equal(error?.correlationId, 0, 'correlationId 0 always means the connection is closing');
    t.ok(h.conn.closed);
  }
  t.end();
});

void t.test('requests: past MAX_CORE_REQUESTS_IN_FLIGHT (long polls pile up) further ones get THROTTLED', async (t) => {
  const h = new Harness().greet();
  const polls = deferred<ResponseOf<'fetch'>>();
  h.core.handlers.fetch = () => polls.promise;
  const fetch = { topic: 't', partition: 0, offset: 0, maxBytes: 100, maxWaitMs: 60_000 };
  for (let i = 1; i <= MAX_CORE_REQUESTS_IN_FLIGHT + 1; i++) h.send('fetch', i, fetch);
  const refused = h.conn.take();
  t.same(
    refused.map((f) => [f.correlationId, errorCodeOf(f)]),
    [[MAX_CORE_REQUESTS_IN_FLIGHT + 1, 'THROTTLED']],
  );
  t.notOk(h.conn.closed, 'the connection stays open');
  polls.resolve({ highWatermark: 0, logStartOffset: 0, batches: [] });
  await settle();
  t.equal(h.conn.take().length, MAX_CORE_REQUESTS_IN_FLIGHT, 'every admitted request is answered');
  h.send('fetch', 5_000, fetch);
  await settle();
  t.equal(errorCodeOf(h.conn.take()[0]), undefined, 'requests are admitted again');
});

void t.test('requests: a request with correlationId 0 is a connection error', (t) => {
  const h = new Harness().greet();
  h.send('ping', 0, {});
  t.equal(errorCodeOf(h.conn.take()[0]), 'INVALID_REQUEST');
  t.ok(h.conn.closed);
  t.end();
});

void t.test('requests: frames after close are ignored and nothing is sent', (t) => {
  const h = new Harness().greet();
  h.session.close();
  h.send('ping', 2, {});
  t.same(h.conn.take(), []);
  t.end();
});

void t.test('requests: responses of requests still running at close are dropped', async (t) => {
  const h = new Harness().greet();
  h.send('metadata', 2, {});
  h.session.close();
  await settle();
  t.same(h.conn.take(), [], 'MemoryConnection throws on send after close');
});

void t.test('requests: tcp sessions length-prefix their frames', (t) => {
  const h = new Harness({ transport: 'tcp' });
  h.send('hello', 1, { protocolVersion: 1, clientId: 'c' });
  t.equal(h.conn.take()[0]?.op, requests.hello.code, 'MemoryConnection strips the prefix of tcp frames');
  t.end();
});

void t.test('idle timeout', (t) => {
  const h = new Harness().greet();
  h.clock.now += 20_000;
  h.send('ping', 2, {});
  h.conn.take();
  h.session.checkDeadlines(h.clock.now + 29_999);
  t.notOk(h.conn.closed, 'the ping reset the idle clock');
  h.session.checkDeadlines(h.clock.now + 30_000);
  const [frame] = h.conn.take();
  t.equal(errorCodeOf(frame), 'IDLE_TIMEOUT');
  t.equal(frame?.correlationId, 0);
  t.ok(h.conn.closed);
  t.same(h.core.metrics.of('errorSent'), [['IDLE_TIMEOUT']]);
  t.end();
});

void t.test('idleTimeoutMs 0 disables the idle timeout', (t) => {
  const h = new Harness({ limits: { idleTimeoutMs: 0 } }).greet();
  h.session.checkDeadlines(h.clock.now + 1e9);
  t.notOk(h.conn.closed);
  t.end();
});

void t.test('close sends the given error with correlationId 0 and reports the connection closed once', (t) => {
  const h = new Harness().greet();
  h.session.close(new BrookError('SHUTTING_DOWN'));
  const [frame] = h.conn.take();
  t.equal(errorCodeOf(frame), 'SHUTTING_DOWN');
  t.equal(frame?.correlationId, 0);
  t.ok(h.conn.closed);
  h.session.handleClosed();
  t.same(h.core.metrics.of('connectionOpened'), [['ws']]);
  t.same(h.core.metrics.of('connectionClosed'), [['ws']]);
  t.equal(h.ended, 1);
  t.end();
});
