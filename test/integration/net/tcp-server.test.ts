import t, { type Test } from 'tap';
import { encodeFrame, requests } from '../../../protocol/index.js';
import { produceRequest } from '../../helpers/opaque-batches.js';
import { errorCodeOf, RawTcpConnection, RawWsConnection } from '../../helpers/raw-connection.js';
import { startTestServers } from './helpers.js';
import { PRE_HELLO_BUFFER_BYTES } from '../../../broker/net/tcp-server.js';

/** Checks that a connection still gets answers. */
async function stillServes(t: Test, client: RawTcpConnection): Promise<void> {
  const pong = await client.call('ping', 77, {});
  t.same([pong.op, pong.correlationId], [requests.ping.code, 77], 'the other connection keeps working');
}

void t.test('hello, ping and metadata over length-prefixed frames', async (t) => {
  const { servers } = await startTestServers(t);
  t.ok(servers.tcpPort > 0);
  const client = await RawTcpConnection.open(t, servers.tcpPort);
  await client.hello();
  const pong = await client.call('ping', 2, {});
  t.same(pong, { version: 1, op: requests.ping.code, correlationId: 2, body: {} });
  const meta = await client.call('metadata', 3, {});
  t.match(meta, { op: requests.metadata.code, correlationId: 3, body: { clusterId: 'net-test' } });
});

void t.test('pipelined requests in one write are all answered, in order', async (t) => {
  const { servers } = await startTestServers(t);
  const client = await RawTcpConnection.open(t, servers.tcpPort);
  await client.hello();
  const frames = Array.from({ length: 100 }, (_, i) => encodeFrame(requests.ping.code, i + 2, {}, true));
  client.sendBytes(Buffer.concat(frames));
  const ids: number[] = [];
  for (let i = 0; i < 100; i++) ids.push((await client.nextFrame()).correlationId);
  t.same(
    ids,
    Array.from({ length: 100 }, (_, i) => i + 2),
  );
});

void t.test('undecodable bytes: INVALID_REQUEST (correlationId 0), then only that connection closes', async (t) => {
  const { servers } = await startTestServers(t);
  const other = await RawTcpConnection.open(t, servers.tcpPort);
  await other.hello();
  const bad = await RawTcpConnection.open(t, servers.tcpPort);
  await bad.hello();
  bad.sendBytes(Uint8Array.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]));
  const frame = await bad.nextFrame();
  t.equal(errorCodeOf(frame), 'INVALID_REQUEST');
  t.equal(frame.correlationId, 0);
  await bad.closed;
  await stillServes(t, other);
});

void t.test('a length prefix above maxFrameBytes: FRAME_TOO_LARGE, then only that connection closes', async (t) => {
  const { servers } = await startTestServers(t, { maxFrameBytes: 1024 });
  const other = await RawTcpConnection.open(t, servers.tcpPort);
  await other.hello();
  const bad = await RawTcpConnection.open(t, servers.tcpPort);
  bad.sendBytes(Uint8Array.from([0, 0, 4, 1])); // 1025 bytes announced, none sent
  const frame = await bad.nextFrame();
  t.equal(errorCodeOf(frame), 'FRAME_TOO_LARGE');
  t.equal(frame.correlationId, 0);
  await bad.closed;
  await stillServes(t, other);
});

void t.test('before hello, a frame may not buffer more than 64 KiB: HANDSHAKE_REQUIRED, close', async (t) => {
  const { servers } = await startTestServers(t, { maxFrameBytes: 8 * 1024 * 1024 });
  const bad = await RawTcpConnection.open(t, servers.tcpPort);
  bad.sendBytes(Uint8Array.from([0, 0x10, 0, 0])); // announces 1 MiB, well within maxFrameBytes
  bad.sendBytes(new Uint8Array(PRE_HELLO_BUFFER_BYTES + 1));
  const frame = await bad.nextFrame();
  t.equal(errorCodeOf(frame), 'HANDSHAKE_REQUIRED');
  t.equal(frame.correlationId, 0);
  await bad.closed;
});

void t.test('text where frames are expected (an HTTP request) is refused, not buffered', async (t) => {
  const { servers } = await startTestServers(t);
  const bad = await RawTcpConnection.open(t, servers.tcpPort);
  bad.sendBytes(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  t.equal(errorCodeOf(await bad.nextFrame()), 'FRAME_TOO_LARGE', "'GET ' read as a length is about 1.2 GB");
  await bad.closed;
});

void t.test(
  'maxConnections (over both transports) refuses the extra connection with TOO_MANY_CONNECTIONS',
  async (t) => {
    const { servers } = await startTestServers(t, { maxConnections: 2 });
    const first = await RawTcpConnection.open(t, servers.tcpPort);
    await first.hello();
    const second = await RawWsConnection.open(t, servers.wsPort);
    await second.hello();
    const extra = await RawTcpConnection.open(t, servers.tcpPort);
    const frame = await extra.nextFrame();
    t.equal(errorCodeOf(frame), 'TOO_MANY_CONNECTIONS');
    t.equal(frame.correlationId, 0);
    await extra.closed;
    const extraWs = await RawWsConnection.open(t, servers.wsPort);
    t.equal(errorCodeOf(await extraWs.nextFrame()), 'TOO_MANY_CONNECTIONS');
    await extraWs.closed;
    await stillServes(t, first);

    first.destroy();
    await first.closed;
    // The server sees the close asynchronously: retry until the place is free (each try is refused or admitted).
    for (;;) {
      const again = await RawTcpConnection.open(t, servers.tcpPort);
      const reply = await again.call('hello', 1, { protocolVersion: 1, clientId: 'c' });
      if (errorCodeOf(reply) === undefined) break;
      await again.closed;
    }
    t.pass('admitted once a place was free');
  },
);

void t.test('no hello within handshakeTimeoutMs: HANDSHAKE_TIMEOUT from the server-wide sweep', async (t) => {
  const { servers } = await startTestServers(t, { handshakeTimeoutMs: 50 });
  const client = await RawTcpConnection.open(t, servers.tcpPort);
  const frame = await client.nextFrame();
  t.equal(errorCodeOf(frame), 'HANDSHAKE_TIMEOUT');
  await client.closed;
});

void t.test('produce is answered and its bytes granted back', async (t) => {
  const { servers } = await startTestServers(t);
  const client = await RawTcpConnection.open(t, servers.tcpPort);
  await client.hello();
  const response = await client.call('produce', 2, produceRequest([1000]));
  t.match(response, { op: requests.produce.code, correlationId: 2, body: { partitions: [{ baseOffset: 0 }] } });
  t.same(await client.nextFrame(), { version: 1, op: 33, correlationId: 0, body: { bytes: 1000 } });
});

void t.test('close waits for in-flight produces, then sends SHUTTING_DOWN and closes', async (t) => {
  const { servers, core } = await startTestServers(t);
  core.autoAck = false;
  const client = await RawTcpConnection.open(t, servers.tcpPort);
  await client.hello();
  client.send('produce', 2, produceRequest([10]));
  while (core.heldProduces === 0) await client.call('ping', 3, {});
  let closed = false;
  const closing = servers.close().then(() => {
    closed = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  t.notOk(closed, 'waiting for the produce');
  core.releaseProduces();
  t.match(await client.nextFrame(), { op: requests.produce.code, correlationId: 2 });
  // The grant would follow at the end of the turn, but the connection closes before: it is of no use any more.
  const last = await client.nextFrame();
  t.equal(errorCodeOf(last), 'SHUTTING_DOWN');
  t.equal(last.correlationId, 0);
  await client.closed;
  await closing;
  t.ok(closed);
});
