import t from 'tap';
import { openWebSocketTransport, type WebSocketLike } from '../../../../client/transport/websocket.js';
import type { TransportHandlers } from '../../../../client/transport/transport.js';
import { settle } from '../helpers/manual-clock.js';

/** A scripted WHATWG-style socket: the test fires its events. */
class FakeSocket implements WebSocketLike {
  static last: FakeSocket | undefined;
  binaryType = 'blob';
  bufferedAmount = 0;
  readyState = 0;
  readonly sent: Uint8Array[] = [];
  readonly closes: [number | undefined, string | undefined][] = [];
  private readonly listeners = new Map<string, ((event: unknown) => void)[]>();

  constructor(readonly url: string) {
    FakeSocket.last = this;
  }

  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  fire(type: string, event: unknown = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  send(data: Uint8Array): void {
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closes.push([code, reason]);
  }
}

function recorder() {
  const events: string[] = [];
  const frames: Uint8Array[] = [];
  let closeError: Error | undefined;
  const handlers: TransportHandlers = {
    onFrame: (frame) => frames.push(frame),
    onDrain: () => events.push('drain'),
    onClose: (error) => {
      events.push('close');
      closeError = error;
    },
  };
  return { events, frames, handlers, closeError: () => closeError };
}

const options = { maxFrameBytes: 100, connectTimeoutMs: 1000, highWaterMarkBytes: 50 };

void t.test('opens with binaryType arraybuffer and passes binary messages as frames', async (t) => {
  const r = recorder();
  const opening = openWebSocketTransport(FakeSocket, { kind: 'ws', url: 'ws://h:1/' }, r.handlers, options);
  const socket = FakeSocket.last;
  if (socket === undefined) throw new Error('no socket');
  t.equal(socket.url, 'ws://h:1/');
  t.equal(socket.binaryType, 'arraybuffer');
  socket.readyState = 1;
  socket.fire('open');
  const transport = await opening;
  t.equal(transport.lengthPrefixed, false, 'one message per frame, no length prefix');
  socket.fire('message', { data: new Uint8Array([1, 2, 3]).buffer });
  t.same(
    r.frames.map((f) => [...f]),
    [[1, 2, 3]],
  );
  t.ok(transport.send(new Uint8Array(10)));
  t.equal(socket.sent.length, 1);
  transport.close();
  t.same(socket.closes, [[1000, 'client closed']]);
  socket.fire('close', { code: 1000, reason: '' });
  t.same(r.events, ['close']);
  t.equal(r.closeError(), undefined, 'a local close has no error');
});

void t.test('backpressure: send returns false above the high-water mark', async (t) => {
  const r = recorder();
  const opening = openWebSocketTransport(FakeSocket, { kind: 'ws', url: 'ws://h:1/' }, r.handlers, options);
  const socket = FakeSocket.last;
  if (socket === undefined) throw new Error('no socket');
  socket.readyState = 1;
  socket.fire('open');
  const transport = await opening;
  socket.bufferedAmount = 60;
  t.notOk(transport.send(new Uint8Array(10)), 'above 50 buffered bytes');
  t.equal(transport.bufferedBytes, 60);
  socket.fire('close', { code: 1006, reason: 'gone' });
  t.match(r.closeError(), { code: 'NETWORK_ERROR', message: /1006: gone/ });
});

void t.test('an oversized or text message closes the transport with an error', async (t) => {
  const r = recorder();
  const opening = openWebSocketTransport(FakeSocket, { kind: 'ws', url: 'ws://h:1/' }, r.handlers, options);
  const socket = FakeSocket.last;
  if (socket === undefined) throw new Error('no socket');
  socket.readyState = 1;
  socket.fire('open');
  await opening;
  socket.fire('message', { data: new ArrayBuffer(101) });
  t.equal(r.frames.length, 0);
  t.equal(socket.closes[0]?.[0], 4002, 'a code a browser client may send');
  socket.fire('close', { code: 4002, reason: '' });
  t.match(r.closeError(), { code: 'FRAME_TOO_LARGE' });
});

void t.test('a socket that closes before opening rejects the open', async (t) => {
  const r = recorder();
  const opening = openWebSocketTransport(FakeSocket, { kind: 'ws', url: 'ws://h:1/' }, r.handlers, options);
  FakeSocket.last?.fire('error', { message: 'ECONNREFUSED' });
  FakeSocket.last?.fire('close', { code: 1006 });
  await t.rejects(opening, { code: 'NETWORK_ERROR', message: /ECONNREFUSED/ });
  await settle();
  t.same(r.events, [], 'onClose is not called for a transport that never opened');
});

void t.test('refuses TCP endpoints', async (t) => {
  const r = recorder();
  await t.rejects(
    openWebSocketTransport(FakeSocket, { kind: 'tcp', host: 'h', port: 1, tls: false }, r.handlers, options),
    TypeError,
  );
});
