/**
 * The Kafka connection core without sockets: frames in, answers out in request order, unsupported APIs and versions
 * answered (never a silent hang), malformed frames closing only that connection, and the SASL gate.
 */
import t from 'tap';
import { KafkaConnection } from '../../../broker/kafka/kafka-connection.js';
import type { KafkaContext } from '../../../broker/kafka/kafka-context.js';
import { KAFKA_ERRORS } from '../../../broker/kafka/error-codes.js';
import { decodeResponseFrame, encodeRequestFrame } from '../../../broker/kafka/frames.js';
import type { KafkaApiName, KafkaRequests, KafkaResponses } from '../../../broker/kafka/messages/apis.js';
import type { ServerConnection } from '../../../broker/net/connection.js';
import type { ResponseOf } from '../../../protocol/index.js';
import { scramCredential } from '../../../protocol/index.js';
import { KafkaReader } from '../../../protocol/kafka-reader.js';
import { waitFor } from '../../helpers/wait-for.js';
import { deferred, FakeCore, ManualClock, settle } from '../net/fakes.js';

/** Keeps the Kafka frames the connection writes (without their size prefix). */
class KafkaMemoryConnection implements ServerConnection {
  readonly transport = 'tcp';
  readonly remoteAddress = 'memory:1';
  readonly sourceAddress = 'memory';
  readonly frames: Uint8Array[] = [];
  closed = false;
  private pending: Uint8Array[] = [];

  send(part: Uint8Array): void {
    if (this.closed) throw new Error('send after close');
    this.pending.push(part);
    // A frame may come in parts: it is whole once its size prefix is covered.
    const joined = Buffer.concat(this.pending);
    if (joined.byteLength >= 4 && joined.byteLength === 4 + joined.readInt32BE(0)) {
      this.frames.push(joined.subarray(4));
      this.pending = [];
    }
  }
  bufferedBytes(): number {
    return 0;
  }
  onDrain(): void {}
  close(): void {
    this.closed = true;
  }
}

function setup(core = new FakeCore()) {
  const clock = new ManualClock();
  const ctx: KafkaContext = {
    core,
    topics: { get: () => undefined, list: () => [], brokerIds: [7] },
    brokers: () => [{ nodeId: 7, host: 'kafka.example', port: 9092 }],
    autoCreateTopics: false,
    clock,
  };
  const conn = new KafkaMemoryConnection();
  const kafka = new KafkaConnection(conn, { ctx, handshakeTimeoutMs: 1000, idleTimeoutMs: 5000 });
  let correlationId = 0;
  const send = <K extends KafkaApiName>(api: K, version: number, body: KafkaRequests[K]): number => {
    correlationId++;
    kafka.receive(encodeRequestFrame(api, version, { correlationId, clientId: 'test' }, body).subarray(4));
    return correlationId;
  };
  const answer = <K extends KafkaApiName>(
    api: K,
    version: number,
    index: number,
  ): { correlationId: number; body: KafkaResponses[K] } => {
    const frame = conn.frames[index];
    if (frame === undefined) throw new Error(`no answer #${String(index)}`);
    return decodeResponseFrame(api, version, frame);
  };
  return { core, clock, conn, kafka, send, answer };
}

const ALL_TOPICS = {
  topics: null,
  allowAutoTopicCreation: false,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
};

void t.test('ApiVersions lists the served APIs; Produce and Fetch are not served yet', async (t) => {
  const { send, answer } = setup();
  send('ApiVersions', 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  await settle();
  const { body } = answer('ApiVersions', 3, 0);
  t.equal(body.errorCode, 0);
  const keys = new Map(body.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
  t.same(keys.get(18), [0, 4], 'ApiVersions, every version');
  t.same(keys.get(3), [0, 12], 'Metadata, every version');
  t.notOk(keys.has(0), 'no Produce');
  t.notOk(keys.has(1), 'no Fetch');
});

void t.test(
  'an ApiVersions version the broker lacks gets UNSUPPORTED_VERSION in the v0 layout, and the connection stays',
  async (t) => {
    const { kafka, conn, answer } = setup();
    // ApiVersions v99: the header Kafka clients send when guessing high.
    const frame = Buffer.alloc(14);
    frame.writeInt16BE(18, 0);
    frame.writeInt16BE(99, 2);
    frame.writeInt32BE(41, 4);
    frame.writeInt16BE(4, 8);
    frame.write('test', 10);
    kafka.receive(frame);
    await settle();
    const { correlationId, body } = answer('ApiVersions', 0, 0);
    t.equal(correlationId, 41);
    t.equal(body.errorCode, KAFKA_ERRORS.UNSUPPORTED_VERSION);
    t.same(body.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }], 'the range to retry within');
    t.notOk(conn.closed, 'the client may ask again on this connection');
  },
);

void t.test('an unknown API key is answered UNSUPPORTED_VERSION, then the connection is closed', async (t) => {
  const { kafka, conn } = setup();
  const frame = Buffer.alloc(10);
  frame.writeInt16BE(999, 0);
  frame.writeInt16BE(0, 2);
  frame.writeInt32BE(5, 4);
  frame.writeInt16BE(-1, 8);
  kafka.receive(frame);
  await settle();
  const reply = conn.frames[0];
  t.ok(reply, 'an answer, not silence');
  if (reply === undefined) return;
  const r = new KafkaReader(reply);
  t.equal(r.int32(), 5, 'under its correlation id');
  t.equal(r.int16(), KAFKA_ERRORS.UNSUPPORTED_VERSION);
  t.ok(conn.closed);
});

void t.test('Produce (known, not served yet) is answered the same way', async (t) => {
  const { send, conn } = setup();
  send('Produce', 3, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] });
  await settle();
  t.equal(conn.frames.length, 1);
  t.ok(conn.closed);
});

void t.test('pipelined requests are answered in request order, whatever order they finish in', async (t) => {
  const core = new FakeCore();
  const slow = deferred<ResponseOf<'metadata'>>();
  core.handlers.metadata = () => slow.promise;
  const { send, conn, answer } = setup(core);
  const first = send('Metadata', 12, ALL_TOPICS);
  const second = send('ApiVersions', 0, { clientSoftwareName: '', clientSoftwareVersion: '' });
  await settle();
  t.equal(conn.frames.length, 0, 'the quick answer waits for the slow one before it');
  slow.resolve({ clusterId: 'c', controllerId: 7, brokers: [], topics: [] });
  await settle();
  t.equal(answer('Metadata', 12, 0).correlationId, first);
  t.equal(answer('ApiVersions', 0, 1).correlationId, second);
  t.same(answer('Metadata', 12, 0).body.brokers, [{ nodeId: 7, host: 'kafka.example', port: 9092, rack: null }]);
});

void t.test('a malformed request closes its connection without an answer', async (t) => {
  const { kafka, conn } = setup();
  // Metadata v12 whose topic array claims more bytes than follow.
  kafka.receive(Uint8Array.from([0, 3, 0, 12, 0, 0, 0, 1, 0xff, 0xff, 0, 0x7f]));
  await settle();
  t.equal(conn.frames.length, 0);
  t.ok(conn.closed);
});

void t.test('with users, only the login may come first; PLAIN and SCRAM check the stored credential', async (t) => {
  const core = new FakeCore();
  core.users.set('alice', await scramCredential('alice-pw', new Uint8Array(16).fill(7)));

  const early = setup(core);
  early.send('Metadata', 12, ALL_TOPICS);
  await settle();
  t.ok(early.conn.closed, 'a request before the login closes the connection');

  const good = setup(core);
  good.send('SaslHandshake', 1, { mechanism: 'PLAIN' });
  good.send('SaslAuthenticate', 2, { authBytes: new TextEncoder().encode('\u0000alice\u0000alice-pw') });
  // The password is checked with PBKDF2 (WebCrypto, off the event loop): wait for the answer, not a turn.
  await waitFor(() => good.conn.frames.length === 2);
  t.same(good.answer('SaslHandshake', 1, 0).body, { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
  t.equal(good.answer('SaslAuthenticate', 2, 1).body.errorCode, 0);
  t.ok(good.kafka.isGreeted, 'logged in');

  const bad = setup(core);
  bad.send('SaslHandshake', 1, { mechanism: 'PLAIN' });
  bad.send('SaslAuthenticate', 2, { authBytes: new TextEncoder().encode('\u0000alice\u0000wrong') });
  await waitFor(() => bad.conn.frames.length === 2);
  t.equal(bad.answer('SaslAuthenticate', 2, 1).body.errorCode, KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED);
  t.ok(bad.conn.closed, 'closed after a failed login');
  t.equal(core.authFailures, 1, 'counted as the native listener counts it');
  t.same(core.loginDelaysMs, [1000], 'after the same delay');
});

void t.test('a connection that does not log in within the handshake timeout is closed', (t) => {
  const core = new FakeCore();
  core.users.set('alice', {
    salt: new Uint8Array(16),
    iterations: 4096,
    storedKey: new Uint8Array(32),
    serverKey: new Uint8Array(32),
  });
  const { kafka, conn, clock } = setup(core);
  kafka.checkDeadlines(clock.now + 999);
  t.notOk(conn.closed);
  kafka.checkDeadlines(clock.now + 1000);
  t.ok(conn.closed);
  t.end();
});
