import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Packr } from 'msgpackr';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { freePort, freePorts } from '../../../bench/harness/free-port.js';
import { encodeEnvelopes, encodeHello } from '../../../broker/cluster/peer-codec.js';
import {
  PeerTransport,
  type PeerAddress,
  type PeerEnvelope,
  type PeerTransportOptions,
} from '../../../broker/cluster/peer-transport.js';
import { MessageType, type Message } from '../../../broker/raft/messages.js';
import { waitFor } from '../../helpers/wait-for.js';

const CLUSTER = 'peer-test';

/** A transport with what it received and whom it found unreachable. */
interface Node {
  readonly id: number;
  readonly transport: PeerTransport;
  readonly received: { from: number; envelopes: readonly PeerEnvelope[] }[];
  readonly unreachable: number[];
  /** Log lines at warn and above. */
  readonly warnings: { msg: string; reason?: string }[];
  port: number;
}

function makeNode(
  t: Test,
  id: number,
  peers: readonly PeerAddress[],
  options: Partial<PeerTransportOptions> = {},
): Node {
  const received: Node['received'] = [];
  const unreachable: number[] = [];
  const warnings: Node['warnings'] = [];
  const logger = pino(
    { level: 'warn' },
    {
      write: (line: string) => {
        warnings.push(JSON.parse(line) as { msg: string; reason?: string });
      },
    },
  );
  const transport = new PeerTransport({
    selfId: id,
    clusterId: () => CLUSTER,
    peers,
    listenHost: '127.0.0.1',
    listenPort: 0,
    onEnvelopes: (from, envelopes) => received.push({ from, envelopes }),
    onUnreachable: (peer) => unreachable.push(peer),
    logger,
    ...options,
  });
  t.teardown(() => transport.close());
  return { id, transport, received, unreachable, warnings, port: 0 };
}

/** Starts `count` transports that all know each other (ports known up front so every peer list is complete). */
async function startCluster(t: Test, count: number, options: Partial<PeerTransportOptions> = {}): Promise<Node[]> {
  const ports = await freePorts(count);
  const peers = ports.map((port, i) => ({ id: i + 1, host: '127.0.0.1', port }));
  const nodes = peers.map((peer) => makeNode(t, peer.id, peers, { ...options, listenPort: peer.port }));
  for (const node of nodes) node.port = await node.transport.start();
  await waitFor(() => nodes.every((n) => n.transport.connectedPeers().length === count - 1), {
    what: 'every link to connect',
  });
  return nodes;
}

function append(from: number, to: number, data: Uint8Array[]): Message {
  return {
    type: MessageType.Append,
    from,
    to,
    term: 1,
    index: 0,
    logTerm: 0,
    commit: 0,
    entries: data.map((d, i) => ({ index: i + 1, term: 1, type: 'normal', data: d })),
  };
}

function heartbeat(from: number, to: number, commit: number): Message {
  return { type: MessageType.Heartbeat, from, to, term: 1, commit };
}

/** A heartbeat's commit, or -1 for anything else. */
function commitOf(message: PeerEnvelope['message']): number {
  return 'kind' in message || message.type !== MessageType.Heartbeat ? -1 : message.commit;
}

function envelopesFrom(node: Node, from: number): PeerEnvelope[] {
  return node.received.filter((r) => r.from === from).flatMap((r) => r.envelopes);
}

/** `payload` behind its 4-byte length prefix. */
function withPrefix(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(payload.byteLength + 4);
  new DataView(frame.buffer).setUint32(0, payload.byteLength);
  frame.set(payload, 4);
  return frame;
}

/** A raw client socket, with a promise of its closing. */
async function rawConnect(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      resolve();
    });
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, closed };
}

void t.test(
  '3 transports exchange envelopes: one frame per peer per flush, order kept, binary data intact',
  async (t) => {
    const nodes = await startCluster(t, 3);
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    for (const node of nodes) {
      for (const peer of nodes) {
        if (peer === node) continue;
        node.transport.send(peer.id, {
          group: 'orders/0',
          message: append(node.id, peer.id, [Uint8Array.of(node.id, peer.id), big]),
        });
        for (let i = 0; i < 100; i++) {
          node.transport.send(peer.id, { group: `orders/${String(i)}`, message: heartbeat(node.id, peer.id, i) });
        }
        const alive = { kind: 'alive', endpoint: { host: '127.0.0.1', port: 9000 + node.id, wsPort: 0 } };
        node.transport.send(peer.id, { group: '', message: alive });
      }
      node.transport.send(node.id, { group: 'self', message: heartbeat(node.id, node.id, 0) });
      node.transport.flush();
    }
    await waitFor(() => nodes.every((n) => n.received.length === 2), { what: 'one frame from each peer' });
    for (const node of nodes) {
      for (const peer of nodes) {
        if (peer === node) continue;
        const got = envelopesFrom(node, peer.id);
        t.equal(got.length, 102, `${String(node.id)} got all of ${String(peer.id)}'s envelopes in one frame`);
        t.same(
          got[101],
          { group: '', message: { kind: 'alive', endpoint: { host: '127.0.0.1', port: 9000 + peer.id, wsPort: 0 } } },
          "the driver's own messages ride along",
        );
        const first = got[0]?.message;
        if (first === undefined || 'kind' in first || first.type !== MessageType.Append) {
          throw new Error('the append comes first');
        }
        const [small, large] = first.entries.map((e) => e.data);
        t.ok(small instanceof Uint8Array && small.constructor === Uint8Array, 'entry data is a Uint8Array');
        t.same(Array.from(small ?? []), [peer.id, node.id]);
        t.equal(Buffer.compare(large ?? new Uint8Array(0), big), 0, 'the 3 MiB entry arrives intact');
        t.same(
          got.slice(1, 101).map((e) => commitOf(e.message)),
          Array.from({ length: 100 }, (_, i) => i),
          'heartbeats in the order they were queued',
        );
      }
      t.same(node.unreachable, [node.id], 'sending to itself is dropped as unreachable');
      t.equal(node.transport.stats.framesSent, 2);
      t.equal(node.transport.stats.framesReceived, 2);
      t.equal(node.transport.stats.dropped, 1);
      t.ok(node.transport.stats.bytesSent > 6 * 1024 * 1024);
      t.ok(node.transport.stats.bytesReceived > 6 * 1024 * 1024);
    }
    // A flush with nothing queued sends nothing.
    nodes[0]?.transport.flush();
    t.equal(nodes[0]?.transport.stats.framesSent, 2);
  },
);

void t.test('a peer that is down: queues dropped with onUnreachable, then it reconnects when back', async (t) => {
  const downPort = await freePort();
  const peers = [
    { id: 1, host: '127.0.0.1', port: 0 },
    { id: 2, host: '127.0.0.1', port: downPort },
  ];
  const one = makeNode(t, 1, peers, { reconnectMinMs: 5, reconnectMaxMs: 40 });
  await one.transport.start();
  t.same(one.transport.connectedPeers(), []);
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 1000; i++) one.transport.send(2, { group: 'g', message: heartbeat(1, 2, i) });
    one.transport.flush();
  }
  t.same(
    one.unreachable,
    Array.from({ length: 50 }, () => 2),
    'one report per flush',
  );
  t.equal(one.transport.stats.dropped, 50_000, 'every queued envelope dropped, none kept');
  t.equal(one.transport.stats.framesSent, 0);

  const two = makeNode(t, 2, peers, { listenPort: downPort });
  await two.transport.start();
  await waitFor(() => one.transport.connectedPeers().includes(2), { what: 'the link to come up' });
  one.transport.send(2, { group: 'g', message: heartbeat(1, 2, 424242) });
  one.transport.flush();
  await waitFor(() => two.received.length === 1, { what: 'the envelope after reconnecting' });
  t.same(
    envelopesFrom(two, 1).map((e) => commitOf(e.message)),
    [424242],
    'only what was sent while connected arrives: nothing dropped earlier was kept',
  );

  // The peer goes away again and comes back on the same port: the link redials by itself.
  await two.transport.close();
  await waitFor(() => !one.transport.connectedPeers().includes(2), { what: 'the link to drop' });
  const twoAgain = makeNode(t, 2, peers, { listenPort: downPort });
  await twoAgain.transport.start();
  await waitFor(
    () => {
      one.transport.send(2, { group: 'g', message: heartbeat(1, 2, 7) });
      one.transport.flush();
      return twoAgain.received.length > 0;
    },
    { what: 'delivery to the restarted peer' },
  );
  t.pass('delivered after the peer restarted');
});

void t.test('the receiver drops only the link: a wrong cluster id or an unknown broker is closed', async (t) => {
  const [one, two] = await startCluster(t, 2);
  if (one === undefined || two === undefined) throw new Error('two nodes');
  const strangers = [
    { name: 'wrong cluster', hello: encodeHello({ clusterId: 'other-cluster', from: 1 }) },
    { name: 'unknown broker', hello: encodeHello({ clusterId: CLUSTER, from: 99 }) },
    { name: 'itself', hello: encodeHello({ clusterId: CLUSTER, from: 2 }) },
  ];
  for (const { name, hello } of strangers) {
    const raw = await rawConnect(two.port);
    raw.socket.write(hello);
    raw.socket.write(encodeEnvelopes([{ group: 'g', message: heartbeat(1, 2, 666) }]));
    await raw.closed;
    t.pass(`${name}: closed`);
  }
  t.same(two.received, [], 'nothing from a rejected connection was delivered');
  t.ok(two.warnings.some((w) => w.reason?.includes('other-cluster') === true));
  t.ok(two.warnings.some((w) => w.reason === 'hello from unknown broker 99'));

  // A whole transport of another cluster never gets through either.
  const intruder = makeNode(t, 3, [{ id: 2, host: '127.0.0.1', port: two.port }], { clusterId: () => 'other-cluster' });
  await intruder.transport.start();
  await waitFor(() => two.warnings.filter((w) => w.reason?.includes('other-cluster') === true).length >= 2);
  one.transport.send(2, { group: 'g', message: heartbeat(1, 2, 1) });
  one.transport.flush();
  await waitFor(() => two.received.length === 1);
  t.same(
    two.received.map((r) => r.from),
    [1],
    'the real peer still delivers',
  );
});

void t.test('garbage closes only that connection; the other links keep working', async (t) => {
  const [one, two] = await startCluster(t, 2);
  if (one === undefined || two === undefined) throw new Error('two nodes');
  // The raw sockets greet as broker 3 (greeting as 1 would replace the real link from 1), so 3 must be known.
  two.transport.setPeers([
    { id: 1, host: '127.0.0.1', port: one.port },
    { id: 2, host: '127.0.0.1', port: two.port },
    { id: 3, host: '127.0.0.1', port: await freePort() },
  ]);
  const cases: { name: string; bytes: Uint8Array[] }[] = [
    { name: 'garbage instead of a hello', bytes: [Uint8Array.of(0, 0, 0, 3, 0xc1, 0xc1, 0xc1)] },
    { name: 'a frame longer than maxFrameBytes', bytes: [Uint8Array.of(0xff, 0xff, 0xff, 0xff)] },
    {
      name: 'undecodable frame after a good hello',
      bytes: [encodeHello({ clusterId: CLUSTER, from: 3 }), Uint8Array.of(0, 0, 0, 2, 0xc1, 0xc1)],
    },
    {
      name: 'a message of unknown type after a good hello',
      bytes: [
        encodeHello({ clusterId: CLUSTER, from: 3 }),
        withPrefix(new Packr({ useRecords: false }).pack([['g', 'gossip', 3, 2, 1]])),
      ],
    },
  ];
  for (const { name, bytes } of cases) {
    const raw = await rawConnect(two.port);
    for (const b of bytes) raw.socket.write(b);
    await raw.closed;
    t.pass(`${name}: closed`);
  }
  t.same(two.received, []);
  t.same(two.transport.connectedPeers(), [1], 'two still dials one');
  one.transport.send(2, { group: 'g', message: heartbeat(1, 2, 5) });
  one.transport.flush();
  await waitFor(() => two.received.length === 1, { what: 'the real link to deliver' });
  t.equal(two.received[0]?.from, 1);
});

void t.test('a peer that stops reading: flushes drop once its socket holds maxBufferedBytes', async (t) => {
  // A "peer" that accepts and never reads, like a SIGSTOPped broker.
  const stalled: Socket[] = [];
  const server: Server = createServer((socket) => {
    socket.pause();
    stalled.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const socket of stalled) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const maxBufferedBytes = 1024 * 1024;
  const one = makeNode(t, 1, [{ id: 2, host: '127.0.0.1', port: (server.address() as AddressInfo).port }], {
    maxBufferedBytes,
  });
  await one.transport.start();
  await waitFor(() => one.transport.connectedPeers().includes(2));
  const chunk = new Uint8Array(256 * 1024);
  let flushes = 0;
  // The kernel's buffers take several MiB first; after that the transport's own buffer grows to the bound.
  await waitFor(
    async () => {
      one.transport.send(2, { group: 'g', message: append(1, 2, [chunk]) });
      one.transport.flush();
      flushes++;
      await new Promise((resolve) => setImmediate(resolve));
      return one.unreachable.length > 0;
    },
    { what: 'backpressure to drop a flush', intervalMs: 0 },
  );
  t.same(one.unreachable, [2]);
  t.equal(one.transport.stats.dropped, 1);
  t.same(one.transport.connectedPeers(), [2], 'still connected: only the flush was dropped');
  // Later flushes keep dropping while the peer does not read: memory stays bounded.
  const sentBefore = one.transport.stats.bytesSent;
  for (let i = 0; i < 100; i++) {
    one.transport.send(2, { group: 'g', message: append(1, 2, [chunk]) });
    one.transport.flush();
  }
  t.equal(one.transport.stats.bytesSent, sentBefore, 'nothing more was written');
  t.equal(one.transport.stats.dropped, 101);
  t.ok(flushes > 4, `${String(flushes)} flushes went out before the bound was hit`);
});

void t.test('close() releases every handle, including pending redials and half-made connections', async (t) => {
  const nodes = await startCluster(t, 3);
  // A peer that hangs up at once: the link to it soon waits on a redial timer.
  const hangUp = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
  const hangUpPort = (hangUp.address() as AddressInfo).port;
  const lonely = makeNode(t, 4, [{ id: 5, host: '127.0.0.1', port: hangUpPort }], {
    reconnectMinMs: 1000,
    reconnectMaxMs: 2000,
  });
  await lonely.transport.start();
  await waitFor(() => lonely.warnings.some((w) => w.msg === 'peer link down'), { what: 'a redial to be pending' });
  await new Promise((resolve) => hangUp.close(resolve));
  const raw = await rawConnect(nodes[0]?.port ?? 0); // an accepted connection that never says hello
  await Promise.all([...nodes, lonely].map((n) => n.transport.close()));
  await raw.closed;
  // close() resolves once every handle is released; earlier tests closed everything too, so none may be left.
  t.same(liveHandles(), [], 'no socket, server or timer left');
  // Closing twice is fine, and sending after close is dropped quietly.
  await nodes[0]?.transport.close();
  nodes[0]?.transport.send(2, { group: 'g', message: heartbeat(1, 2, 0) });
  nodes[0]?.transport.flush();
  t.same(nodes[0]?.unreachable, []);
});

/** Sockets, servers and ref'd timers keeping the event loop alive. */
function liveHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout');
}
