// A client that sends requests without reading the answers must not make the broker buffer without bound:
// the TCP connection stops reading once its unsent bytes pass the bound, and reads again after drain.
import net from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { TcpConnection } from '../../../broker/net/tcp-connection.js';

void t.test('reading pauses while unsent bytes exceed the bound and resumes on drain', async (t) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const address = server.address() as net.AddressInfo;
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect(address.port, '127.0.0.1');
  client.pause(); // the client reads nothing
  t.teardown(() => client.destroy());
  const [socket] = await accepted;
  socket.on('data', () => undefined);
  const conn = new TcpConnection(socket, 64 * 1024, (flush) => {
    process.nextTick(flush);
  });

  t.equal(socket.isPaused(), false, 'reads while nothing is buffered');
  const frame = new Uint8Array(64 * 1024);
  for (let i = 0; i < 200 && !socket.isPaused(); i++) {
    conn.send(frame);
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.equal(socket.isPaused(), true, 'stops reading once the peer leaves too much unsent');
  t.ok(conn.bufferedBytes() > 64 * 1024, 'the unsent bytes are above the bound');

  const drained = once(socket, 'drain');
  client.resume(); // the client reads again
  await drained;
  t.equal(socket.isPaused(), false, 'reads again after drain');
  conn.close();
});
