import t from 'tap';
import type { WebSocket } from 'uWebSockets.js';
import { WsConnection, type WsUserData } from '../../../broker/net/ws-connection.js';

/** A stand-in with uWS's contract: send() returns 1 (sent) or 0 (buffered, backpressure). */
function fakeSocket(backpressureBytes: () => number): { ws: WebSocket<WsUserData>; sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  const ws = {
    cork: (work: () => void) => {
      work();
    },
    send: (frame: Uint8Array) => {
      sent.push(frame);
      return backpressureBytes() > 0 ? 0 : 1;
    },
    getBufferedAmount: backpressureBytes,
    end: () => undefined,
  };
  return { ws: ws as unknown as WebSocket<WsUserData>, sent };
}

function setup(backpressureBytes: () => number) {
  const socket = fakeSocket(backpressureBytes);
  const flushes: (() => void)[] = [];
  const conn = new WsConnection(socket.ws, '127.0.0.1', (flush) => flushes.push(flush));
  let drains = 0;
  conn.onDrain(() => {
    drains++;
  });
  return {
    conn,
    socket,
    flushes,
    get drains() {
      return drains;
    },
  };
}

// Regression: a subscription pauses when queued frames pass socketBufferBytes and resumes on drain, but uWS fires
// `drain` only after backpressure of its own; when the kernel took the whole flush, delivery never resumed and a
// WebSocket consumer (1 KiB records, default credit) stalled for good.
void t.test('a flush the kernel takes whole counts as a drain', (t) => {
  const h = setup(() => 0);
  h.conn.send(new Uint8Array(700));
  h.conn.send(new Uint8Array(700));
  t.equal(h.conn.bufferedBytes(), 1400, 'queued frames count as buffered');
  t.equal(h.flushes.length, 1, 'one flush per turn');
  h.flushes[0]?.();
  t.equal(h.socket.sent.length, 2);
  t.equal(h.conn.bufferedBytes(), 0);
  t.equal(h.drains, 1, 'the writer is told it may go on');
  t.end();
});

void t.test('with uWS backpressure left after the flush, the drain waits for uWS', (t) => {
  let backpressure = 0;
  const h = setup(() => backpressure);
  h.conn.send(new Uint8Array(100));
  backpressure = 5000;
  h.flushes[0]?.();
  t.equal(h.drains, 0, 'no drain while uWS still holds bytes');
  backpressure = 0;
  h.conn.notifyDrain();
  t.equal(h.drains, 1, "uWS's drain is passed on");
  t.end();
});
