// Regression (issue 11): before hello, a WebSocket connection could send messages up to maxFrameBytes (and more: uWS's
// payload limit) where a TCP connection may send 64 KiB; a 1 MiB hello was copied, decoded and accepted. Expected
// now: a message over 64 KiB before hello gets HANDSHAKE_REQUIRED (correlation id 0) and the connection is closed;
// a normal client on the same broker is served.
import t from 'tap';
import { encodeFrame, requests } from '../../protocol/index.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { errorCodeOf, RawWsConnection } from '../helpers/raw-connection.js';

void t.test('a 1 MiB message before hello closes the WebSocket; a normal client still works', async (t) => {
  const broker = await startBrokerProcess(t);

  const big = await RawWsConnection.open(t, broker.wsPort);
  // A well-formed hello (unknown fields are ignored), only 1 MiB large.
  const hello = { protocolVersion: 1, clientId: 'big', padding: new Uint8Array(1024 * 1024) };
  big.sendBytes(encodeFrame(requests.hello.code, 1, hello, false));
  const answer = await big.nextFrame(10_000);
  t.equal(errorCodeOf(answer), 'HANDSHAKE_REQUIRED', 'refused as on TCP');
  t.equal(answer.correlationId, 0, 'a connection error');
  t.match(answer.body, { message: /before hello: at most 65536/ }, 'the message says why');
  await big.waitClosed(10_000);
  t.pass('the broker closed the connection');

  const normal = await RawWsConnection.open(t, broker.wsPort);
  await normal.hello();
  const metadata = await normal.request('metadata', { topics: [] });
  t.ok(metadata.brokers.length > 0, 'a normal client is served');
  normal.destroy();
});
