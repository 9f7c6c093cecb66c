/**
 * The fault proxy on real sockets: every mode, order and bounded memory, heal and close. The target is a plain TCP
 * server that records what it receives and can stop reading.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { waitFor } from '../helpers/wait-for.js';
import { FaultProxy, type FaultProxyOptions } from './fault-proxy.js';

/** A TCP server that keeps every byte it receives, with arrival times, and can answer. */
class Target {
  readonly sockets: Socket[] = [];
  readonly arrivals: { atMs: number; text: string }[] = [];
  private readonly chunks: Buffer[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        this.chunks.push(chunk);
        this.arrivals.push({ atMs: Date.now(), text: chunk.toString('latin1') });
      });
    });
  }

  static async start(t: Test): Promise<Target> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const target = new Target(server, address.port);
    t.teardown(() => (server.listening ? target.close() : undefined));
    return target;
  }

  /** Stops listening (and drops its connections): its port now refuses. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.received.toString('latin1');
  }
}

async function startProxy(t: Test, options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = await FaultProxy.start(options);
  t.teardown(() => proxy.close());
  return proxy;
}

/** A client connection with what it received and how it ended. */
interface Client {
  readonly socket: Socket;
  received: string;
  closed: boolean;
  error: string | undefined;
}

/** Connects and resolves once connected. */
async function dial(t: Test, port: number): Promise<Client> {
  const client = open(t, port);
  await new Promise<void>((resolve, reject) => {
    client.socket.once('connect', resolve);
    client.socket.once('error', reject);
  });
  return client;
}

/** Starts connecting; the connection may be reset before or after it completes. */
function open(t: Test, port: number): Client {
  const socket = connect(port, '127.0.0.1');
  const client: Client = { socket, received: '', closed: false, error: undefined };
  socket.on('data', (chunk: Buffer) => (client.received += chunk.toString('latin1')));
  socket.on('error', (err: NodeJS.ErrnoException) => (client.error = err.code ?? err.message));
  socket.on('close', () => (client.closed = true));
  t.teardown(() => {
    socket.destroy();
  });
  return client;
}

/** Resolves once `read()` has returned the same value on checks `quietMs` apart: the flow has stopped. */
async function waitSettled(read: () => number, quietMs = 200): Promise<number> {
  let last = read();
  let lastChangeMs = Date.now();
  return waitFor(
    () => {
      const now = read();
      if (now !== last) {
        last = now;
        lastChangeMs = Date.now();
        return false;
      }
      return Date.now() - lastChangeMs >= quietMs ? now + 1 : false;
    },
    { what: 'the byte flow to settle', intervalMs: 20 },
  ).then((plusOne) => plusOne - 1);
}

void t.test('pass: bytes flow both ways unchanged', async (t) => {
  const target = await Target.start(t);
  const proxy = await startProxy(t, { targetPort: target.port });
  const client = await dial(t, proxy.port);
  const payload = randomBytes(4 * 1024 * 1024);
  client.socket.write(payload);
  await waitFor(() => target.received.byteLength === payload.byteLength, { what: '4 MiB at the target' });
  t.ok(target.received.equals(payload), 'the target received exactly what was sent');
  target.sockets[0]?.write('pong');
  await waitFor(() => client.received === 'pong', { what: 'the answer at the client' });
  t.equal(proxy.stats.forwardedBytes, payload.byteLength + 4);
  t.equal(proxy.connectionCount, 1);
});

void t.test('pass keeps backpressure: a target that stops reading stops the proxy reading', async (t) => {
  const target = await Target.start(t);
  const proxy = await startProxy(t, { targetPort: target.port });
  const client = await dial(t, proxy.port);
  await waitFor(() => target.sockets.length === 1, { what: 'the proxied connection at the target' });
  const upstream = target.sockets[0];
  if (upstream === undefined) throw new Error('no target socket');
  upstream.pause();
  const payload = randomBytes(32 * 1024 * 1024);
  let maxHeldBytes = 0;
  const sampler = setInterval(() => (maxHeldBytes = Math.max(maxHeldBytes, proxy.heldBytes)), 5);
  t.teardown(() => {
    clearInterval(sampler);
  });
  client.socket.write(payload);
  const forwarded = await waitSettled(() => proxy.stats.forwardedBytes);
  t.ok(forwarded < payload.byteLength, `the proxy stopped forwarding (${String(forwarded)} bytes of 32 MiB)`);
  t.ok(client.socket.writableLength > 0, 'the rest waits in the client (backpressure reached the sender)');
  upstream.resume();
  await waitFor(() => target.received.byteLength === payload.byteLength, {
    what: 'the rest after the target reads again',
    timeoutMs: 30_000,
  });
  clearInterval(sampler);
  t.ok(target.received.equals(payload), 'all bytes, in order');
  t.ok(maxHeldBytes < 1024 * 1024, `the proxy never held 1 MiB (max ${String(maxHeldBytes)} bytes)`);
});

void t.test('drop: reads and discards; heal closes the holed connection; new connections pass', async (t) => {
  const target = await Target.start(t);
  const proxy = await startProxy(t, { targetPort: target.port });
  const before = await dial(t, proxy.port);
  before.socket.write('whole-');
  await waitFor(() => target.text === 'whole-', { what: 'the first bytes' });

  proxy.drop();
  const size = 16 * 1024 * 1024;
  let maxHeldBytes = 0;
  const sampler = setInterval(() => (maxHeldBytes = Math.max(maxHeldBytes, proxy.heldBytes)), 5);
  t.teardown(() => {
    clearInterval(sampler);
  });
  before.socket.write(Buffer.alloc(size, 1));
  target.sockets[0]?.write('lost answer');
  await waitFor(() => proxy.stats.droppedBytes === size + 'lost answer'.length, {
    what: 'every byte read and dropped',
    timeoutMs: 20_000,
  });
  clearInterval(sampler);
  t.equal(target.text, 'whole-', 'nothing reached the target');
  t.equal(before.received, '', 'nothing came back either');
  t.ok(maxHeldBytes < 1024 * 1024, `drop holds nothing (max ${String(maxHeldBytes)} bytes)`);
  t.notOk(before.closed, 'a blackhole keeps the connection open');

  const during = await dial(t, proxy.port);
  during.socket.write('hello?');
  await waitFor(() => proxy.stats.droppedBytes === size + 'lost answer'.length + 'hello?'.length, {
    what: 'the new connection read and dropped',
  });
  t.equal(target.sockets.length, 1, 'a connection made during drop never reaches the target');

  proxy.heal();
  await waitFor(() => before.closed && during.closed, { what: 'holed connections closed by heal' });
  t.equal(proxy.connectionCount, 0);
  const after = await dial(t, proxy.port);
  after.socket.write('fresh');
  await waitFor(() => target.text === 'whole-fresh', { what: 'a new connection to pass after heal' });
  t.pass('a new connection passes after heal');
});

void t.test('delay: each chunk arrives delayMs later, in order', async (t) => {
  const target = await Target.start(t);
  const proxy = await startProxy(t, { targetPort: target.port });
  const client = await dial(t, proxy.port);
  await waitFor(() => target.sockets.length === 1, { what: 'the proxied connection' });
  const delayMs = 150;
  proxy.delay(delayMs);
  const sentAtMs: number[] = [];
  for (const text of ['a', 'b', 'c']) {
    sentAtMs.push(Date.now());
    client.socket.write(text);
    await waitFor(() => proxy.heldBytes >= sentAtMs.length, { what: `${text} queued` });
  }
  await waitFor(() => target.text === 'abc', { what: 'abc at the target', timeoutMs: 5_000 });
  const firstArrival = target.arrivals[0];
  t.ok(firstArrival !== undefined && firstArrival.atMs - (sentAtMs[0] ?? 0) >= delayMs - 5, 'delayed by delayMs');

  // Switching back to pass keeps order: what is queued goes first.
  proxy.delay(300);
  client.socket.write('1');
  await waitFor(() => proxy.heldBytes === 1, { what: '1 queued' });
  proxy.heal();
  client.socket.write('2');
  await waitFor(() => target.text === 'abc12', { what: '1 then 2', timeoutMs: 5_000 });
  t.equal(target.text, 'abc12', 'order kept across the switch to pass');
  t.notOk(client.closed, 'delay never closes a connection under its cap');
});

void t.test('delay resets a connection whose queue would pass maxQueuedBytes', async (t) => {
  const target = await Target.start(t);
  const proxy = await startProxy(t, { targetPort: target.port, maxQueuedBytes: 64 * 1024 });
  const client = await dial(t, proxy.port);
  await waitFor(() => target.sockets.length === 1, { what: 'the proxied connection' });
  proxy.delay(60_000);
  client.socket.write(Buffer.alloc(1024 * 1024));
  await waitFor(() => client.closed, { what: 'the client connection reset' });
  t.equal(proxy.stats.resets, 1);
  t.equal(proxy.heldBytes, 0, 'nothing held after the reset');
  t.equal(proxy.connectionCount, 0);
  t.equal(target.received.byteLength, 0, 'nothing of the over-cap stream reached the target');
});

void t.test('reset: current connections die, new ones are refused until heal', async (t) => {
  const target = await Target.start(t);
  const proxy = await startProxy(t, { targetPort: target.port });
  const before = await dial(t, proxy.port);
  await waitFor(() => target.sockets.length === 1, { what: 'the proxied connection' });
  proxy.reset();
  await waitFor(() => before.closed, { what: 'the connection reset' });
  t.equal(before.error, 'ECONNRESET', 'the client sees a reset, not a clean close');
  await waitFor(() => target.sockets.every((s) => s.destroyed), { what: 'the target side closed too' });

  const refused = open(t, proxy.port);
  await waitFor(() => refused.closed, { what: 'a new connection reset at once' });
  t.equal(target.sockets.length, 1, 'a refused connection never reaches the target');

  proxy.heal();
  const after = await dial(t, proxy.port);
  after.socket.write('back');
  await waitFor(() => target.text === 'back', { what: 'traffic after heal' });
  t.equal(proxy.stats.resets, 2);
});

void t.test('a target that is down closes the client connection; retarget moves new connections', async (t) => {
  const first = await Target.start(t);
  const proxy = await startProxy(t, { targetPort: first.port });
  const second = await Target.start(t);
  // A port nothing listens on: bind one, read it, close it.
  const probe = await Target.start(t);
  await probe.close();
  proxy.retarget(probe.port);
  const refused = open(t, proxy.port);
  await waitFor(() => refused.closed, { what: 'the client closed when the target refuses' });
  t.equal(proxy.connectionCount, 0);

  proxy.retarget(second.port);
  const client = await dial(t, proxy.port);
  client.socket.write('moved');
  await waitFor(() => second.text === 'moved', { what: 'bytes at the new target' });
  t.equal(first.text, '', 'the old target got nothing');
});

void t.test('close releases the port, connections and timers', async (t) => {
  const target = await Target.start(t);
  const proxy = await FaultProxy.start({ targetPort: target.port });
  const client = await dial(t, proxy.port);
  await waitFor(() => target.sockets.length === 1, { what: 'the proxied connection' });
  proxy.delay(60_000);
  client.socket.write('never');
  await waitFor(() => proxy.heldBytes === 5, { what: 'a chunk queued behind a long timer' });
  await proxy.close();
  await waitFor(() => client.closed, { what: 'the client connection closed' });
  t.equal(proxy.connectionCount, 0);
  t.equal(proxy.heldBytes, 0);
  const error = await new Promise<string>((resolve) => {
    const socket = connect(proxy.port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code ?? err.message);
    });
  });
  t.equal(error, 'ECONNREFUSED', 'nothing listens any more');
  await proxy.close();
  t.pass('close is idempotent (and this file ends without a pending 60 s timer)');
});
