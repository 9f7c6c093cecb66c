// Regression: closing a WebSocket connection whose final flush was dropped by uWS (a client that stopped reading,
// past maxBackpressure) closed the socket twice, and uWS's "Invalid access of closed uWS.WebSocket" crashed the
// broker. The socket here is a stand-in with uWS's contract: send() returns 2 when dropped, a second end() throws.
import t from 'tap';
import type { WebSocket } from 'uWebSockets.js';
import { WsConnection, type WsUserData } from '../../broker/net/ws-connection.js';

function fakeSocket(): { ws: WebSocket<WsUserData>; ends: number } {
  const state = { ends: 0 };
  const ws = {
    cork: (work: () => void) => {
      work();
    },
    send: () => 2, // dropped: past maxBackpressure
    getBufferedAmount: () => 64 * 1024 * 1024,
    end: () => {
      if (state.ends > 0) throw new Error('Invalid access of closed uWS.WebSocket/SSLWebSocket.');
      state.ends++;
    },
  };
  return {
    ws: ws as unknown as WebSocket<WsUserData>,
    get ends() {
      return state.ends;
    },
  };
}

void t.test('close() with queued frames that uWS drops ends the socket once', (t) => {
  const socket = fakeSocket();
  const conn = new WsConnection(socket.ws, '127.0.0.1', () => undefined);
  conn.send(new Uint8Array([1, 2, 3])); // queued for the end of the turn
  t.doesNotThrow(() => {
    conn.close(); // flushes first: the send is dropped, which closes the connection from inside the flush
  });
  t.equal(socket.ends, 1, 'the socket was ended exactly once');
  t.doesNotThrow(() => {
    conn.close();
  }, 'closing again is a no-op');
  t.end();
});
