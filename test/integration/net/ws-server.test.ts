import t from 'tap';
import { encodeFrame, requests } from '../../../protocol/index.js';
import { wsMaxPayloadBytes } from '../../../broker/net/ws-server.js';
import { httpGet } from '../../helpers/http.js';
import { errorCodeOf, RawWsConnection } from '../../helpers/raw-connection.js';
import { startTestServers } from './helpers.js';

void t.test('hello, ping and metadata as binary messages', async (t) => {
  const { servers } = await startTestServers(t);
  t.ok(servers.wsPort > 0);
  const client = await RawWsConnection.open(t, servers.wsPort);
  await client.hello();
  t.same(await client.call('ping', 2, {}), { version: 1, op: requests.ping.code, correlationId: 2, body: {} });
  t.match(await client.call('metadata', 3, {}), { correlationId: 3, body: { clusterId: 'net-test' } });
});

void t.test('undecodable bytes: INVALID_REQUEST (correlationId 0), then only that connection closes', async (t) => {
  const { servers } = await startTestServers(t);
  const other = await RawWsConnection.open(t, servers.wsPort);
  await other.hello();
  const bad = await RawWsConnection.open(t, servers.wsPort);
  await bad.hello();
  bad.sendBytes(Uint8Array.from([0xc1, 0xc1]));
  const frame = await bad.nextFrame();
  t.equal(errorCodeOf(frame), 'INVALID_REQUEST');
  t.equal(frame.correlationId, 0);
  await bad.closed;
  t.equal((await other.call('ping', 9, {})).correlationId, 9, 'the other connection keeps working');
});

void t.test('a message above maxFrameBytes: FRAME_TOO_LARGE, then only that connection closes', async (t) => {
  const maxFrameBytes = 4096;
  const { servers } = await startTestServers(t, { maxFrameBytes });
  const other = await RawWsConnection.open(t, servers.wsPort);
  await other.hello();
  const bad = await RawWsConnection.open(t, servers.wsPort);
  await bad.hello();
  bad.send('metadata', 2, { topics: ['x'.repeat(200), ...Array.from({ length: 30 }, () => 'y'.repeat(200))] });
  const frame = await bad.nextFrame();
  t.equal(errorCodeOf(frame), 'FRAME_TOO_LARGE');
  t.equal(frame.correlationId, 0);
  await bad.closed;
  t.equal(bad.closeCode, 1000);
  t.equal((await other.call('ping', 9, {})).correlationId, 9, 'the other connection keeps working');
});

void t.test("a message beyond uWS's own cap is cut off by uWS (no error frame)", async (t) => {
  const maxFrameBytes = 4096;
  const { servers } = await startTestServers(t, { maxFrameBytes });
  const bad = await RawWsConnection.open(t, servers.wsPort);
  bad.sendBytes(new Uint8Array(wsMaxPayloadBytes(maxFrameBytes) + 1));
  await bad.closed;
  t.not(bad.closeCode, 1000);
});

void t.test('text messages are refused', async (t) => {
  const { servers } = await startTestServers(t);
  const bad = await RawWsConnection.open(t, servers.wsPort);
  bad.sendText(
    Buffer.from(encodeFrame(requests.hello.code, 1, { protocolVersion: 1, clientId: 'c' }, false)).toString('latin1'),
  );
  t.equal(errorCodeOf(await bad.nextFrame()), 'INVALID_REQUEST');
  await bad.closed;
});

void t.test('/metrics, /healthz, /readyz and 404 on the WebSocket port', async (t) => {
  const { servers, ready } = await startTestServers(t);
  const port = servers.wsPort;
  t.same(await httpGet(port, '/metrics'), {
    status: 200,
    contentType: 'text/plain; version=0.0.4',
    body: 'brook_test_total 1\n',
  });
  t.match(await httpGet(port, '/healthz'), { status: 200, body: 'ok\n' });
  t.match(await httpGet(port, '/readyz'), { status: 503 });
  ready.value = true;
  t.match(await httpGet(port, '/readyz'), { status: 200, body: 'ready\n' });
  t.match(await httpGet(port, '/nope'), { status: 404 });
  t.match(await httpGet(port, '/'), { status: 404 }, 'a plain GET / is not an upgrade');
});

void t.test('stopAccepting refuses new connections while open ones keep working', async (t) => {
  const { servers } = await startTestServers(t);
  const client = await RawWsConnection.open(t, servers.wsPort);
  await client.hello();
  servers.stopAccepting();
  await t.rejects(RawWsConnection.open(t, servers.wsPort));
  t.equal((await client.call('ping', 2, {})).correlationId, 2);
  await servers.close();
  const last = await client.nextFrame();
  t.equal(errorCodeOf(last), 'SHUTTING_DOWN');
  await client.closed;
});
