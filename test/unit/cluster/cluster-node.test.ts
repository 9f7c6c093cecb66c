/**
 * ClusterNode, this broker as a cluster member: two nodes in one process on one manual runtime, their peer transports
 * replaced by an in-memory router. Only the runtime's timers make anything happen: advancing manual time fires the
 * Raft tick timer and the leader-balance and membership passes.
 */
import { pino } from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import { ClusterNode, type ClusterTransport } from '../../../broker/cluster/cluster-node.js';
import type { HostEnvelope } from '../../../broker/cluster/raft-host.js';
import type { PeerEnvelope, PeerTransportOptions } from '../../../broker/cluster/peer-transport.js';
import { TopicStore } from '../../../broker/cluster/topic-store.js';
import { resolveConfig } from '../../../broker/config.js';
import type { PartitionRegistry } from '../../../broker/partitions/partition-registry.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { ManualRuntime, WALL_START_MS } from './helpers/manual-runtime.js';
import { testPartitions } from './helpers/test-partitions.js';
import { settle } from './helpers/memory-peers.js';

const IDS = [1, 2];
const TICK_MS = 10;
const ELECTION_TICKS = 6;

/** Stands in for the peer transports: what a node flushes reaches the other node's handler on a later turn. */
class Router {
  readonly handlers = new Map<number, PeerTransportOptions>();
  /** Every envelope flushed, by sender. */
  readonly sent = new Map<number, HostEnvelope[]>();
  /** Peer lists a node was given after start (a broker was added). */
  readonly peerUpdates: number[][] = [];

  transport(options: PeerTransportOptions): ClusterTransport {
    const from = options.selfId;
    this.handlers.set(from, options);
    const queued: { to: number; envelope: PeerEnvelope }[] = [];
    return {
      start: () => Promise.resolve(9000 + from),
      send: (to, envelope) => {
        queued.push({ to, envelope });
      },
      flush: () => {
        for (const { to, envelope } of queued.splice(0)) {
          const sent = this.sent.get(from) ?? [];
          sent.push(envelope as HostEnvelope);
          this.sent.set(from, sent);
          setImmediate(() => {
            this.handlers.get(to)?.onEnvelopes(from, [envelope]);
          });
        }
      },
      setPeers: (peers) => {
        this.peerUpdates.push(peers.map((p) => p.id));
      },
      close: () => Promise.resolve(),
    };
  }

  /** How many `alive` messages `from` has sent. */
  alives(from: number): number {
    return (this.sent.get(from) ?? []).filter((e) => 'kind' in e.message && e.message.kind === 'alive').length;
  }
}

interface Node {
  readonly id: number;
  readonly node: ClusterNode;
  readonly topics: TopicStore;
  readonly partitions: PartitionRegistry;
}

interface Cluster {
  readonly runtime: ManualRuntime;
  readonly router: Router;
  readonly nodes: Node[];
  /** Advances manual time one tick at a time, letting passes and deliveries run, until `done`. */
  until(done: () => boolean): Promise<void>;
  /** Advances manual time by `ms`, one tick at a time, letting passes and deliveries run. */
  runFor(ms: number): Promise<void>;
  controller(): Node | undefined;
}

async function startCluster(t: Test): Promise<Cluster> {
  const runtime = new ManualRuntime();
  const router = new Router();
  const logger = pino({ level: 'silent' });
  const nodes: Node[] = [];
  for (const id of IDS) {
    const dataDir = tempDir(t, `cluster-node-${String(id)}-`);
    const config = resolveConfig({
      brokerId: id,
      dataDir,
      peers: IDS.map((p) => ({ id: p, host: '127.0.0.1', port: 9000 + p })),
      raftTickMs: TICK_MS,
      raftElectionTicks: ELECTION_TICKS,
      raftHeartbeatTicks: 1,
    });
    const topics = TopicStore.open(dataDir, { clusterId: 'test', brokerIds: IDS });
    const endpoint = { host: '127.0.0.1', port: 100 + id, wsPort: 200 + id };
    const node = new ClusterNode(config, topics, logger, () => endpoint, runtime, {
      createTransport: (o) => router.transport(o),
      asyncWrites: false,
    });
    const partitions = testPartitions(dataDir, id, node.replicate);
    await node.start(partitions);
    nodes.push({ id, node, topics, partitions });
  }
  const until = async (done: () => boolean): Promise<void> => {
    for (let i = 0; i < 1000; i++) {
      if (done()) return;
      runtime.advance(TICK_MS);
      await settle();
    }
    throw new Error('condition not reached');
  };
  const runFor = async (ms: number): Promise<void> => {
    const endMs = runtime.monotonic.nowMs() + ms;
    await until(() => runtime.monotonic.nowMs() >= endMs);
  };
  t.teardown(async () => {
    // Closing hands leadership off, pausing on the manual timers between attempts: time must keep moving.
    let closed = false;
    const closing = Promise.all(nodes.map((n) => n.node.close())).finally(() => (closed = true));
    await until(() => closed);
    await closing;
    for (const n of nodes) {
      await n.partitions.closeAll();
      n.topics.close();
    }
  });
  const controller = (): Node | undefined => nodes.find((n) => n.node.controller.isLeader);
  return { runtime, router, nodes, until, runFor, controller };
}

/** Runs until a controller is elected and the other broker knows it; returns both. */
async function agreedController(cluster: Cluster): Promise<{ controller: Node; other: Node }> {
  await cluster.until(() => cluster.controller() !== undefined);
  const controller = cluster.controller();
  const other = cluster.nodes.find((n) => n !== controller);
  if (controller === undefined || other === undefined) throw new Error('no controller');
  await cluster.until(() => other.node.controller.controllerId() === controller.id);
  return { controller, other };
}

function nodeOf(cluster: Cluster, id: number): Node {
  const node = cluster.nodes.find((n) => n.id === id);
  if (node === undefined) throw new Error(`no node ${String(id)}`);
  return node;
}

void t.test('the tick timer drives the Raft host: one tick per tickMs of manual time, none after close', async (t) => {
  const cluster = await startCluster(t);
  const one = nodeOf(cluster, 1);
  t.equal(one.node.host.stats.ticks, 0, 'nothing ticks before time moves');
  cluster.runtime.advance(TICK_MS - 1);
  t.equal(one.node.host.stats.ticks, 0, 'not before a whole tick');
  cluster.runtime.advance(1);
  t.equal(one.node.host.stats.ticks, 1, 'one tick after tickMs');
  cluster.runtime.advance(4 * TICK_MS);
  t.equal(one.node.host.stats.ticks, 5, 'five ticks after 5 * tickMs');
  await settle();
  t.equal(cluster.router.alives(1), 5, 'each tick told the peer this broker is alive, once');

  let closed = false;
  const closing = one.node.close().finally(() => (closed = true));
  await cluster.until(() => closed);
  await closing;
  const ticks = one.node.host.stats.ticks;
  cluster.runtime.advance(10 * TICK_MS);
  t.equal(one.node.host.stats.ticks, ticks, 'no tick after close');
});

void t.test(
  'time alone elects a controller, and both brokers learn each other as live with their endpoints',
  async (t) => {
    const cluster = await startCluster(t);
    const { controller, other } = await agreedController(cluster);
    t.ok(other.node.host.isLive(controller.id), 'the other broker hears the controller');
    t.same(other.node.host.brokerEndpoints().get(controller.id), {
      host: '127.0.0.1',
      port: 100 + controller.id,
      wsPort: 200 + controller.id,
    });
  },
);

void t.test(
  "a peer's internal topic request is created by the controller at the runtime's wall-clock time",
  async (t) => {
    const cluster = await startCluster(t);
    const { controller, other } = await agreedController(cluster);
    const spec = { name: '__internal', partitions: 1, replicationFactor: 2, config: {} };
    other.node.host.sendClusterMessage(controller.id, { kind: 'createTopic', spec });
    // Sent with this turn's ready pass and received on the next turns, with no time passing.
    await settle();
    const sentAtMs = WALL_START_MS + cluster.runtime.monotonic.nowMs();
    await cluster.until(() => other.topics.get('__internal') !== undefined);
    t.equal(other.topics.get('__internal')?.createdMs, sentAtMs, 'created with the manual wall time');

    other.node.host.sendClusterMessage(controller.id, { kind: 'createTopic', spec: { ...spec, name: 'user-topic' } });
    await cluster.runFor(50 * TICK_MS);
    t.equal(controller.topics.get('user-topic'), undefined, 'only internal topics are created on request');
  },
);

void t.test('the balance timer hands a partition back to its preferred replica', async (t) => {
  const cluster = await startCluster(t);
  await cluster.until(() => cluster.controller() !== undefined);
  const controller = cluster.controller();
  if (controller === undefined) throw new Error('no controller');
  const record = await controller.node.controller.createTopic(
    { name: 'orders', partitions: 1, replicationFactor: 2, config: {} },
    1,
  );
  const preferred = record.replicas[0]?.[0] ?? -1;
  const isLeader = (id: number): boolean => nodeOf(cluster, id).node.host.get('orders/0')?.isLeader === true;
  await cluster.until(() => isLeader(preferred));
  const other = IDS.find((id) => id !== preferred) ?? -1;
  const group = nodeOf(cluster, preferred).node.host.get('orders/0');
  if (group === undefined) throw new Error('no group');
  group.node.transferLeadership(other);
  nodeOf(cluster, preferred).node.host.touch(group);
  await cluster.until(() => isLeader(other));
  // LEADER_BALANCE_INTERVAL_MS in cluster-node.ts: the balance pass runs every 5 s of manual time.
  const nextPassMs = (Math.floor(cluster.runtime.monotonic.nowMs() / 5_000) + 1) * 5_000;
  await cluster.runFor(nextPassMs - TICK_MS - cluster.runtime.monotonic.nowMs());
  t.ok(isLeader(other), 'the other replica still leads just before the balance pass');
  await cluster.until(() => isLeader(preferred));
  const afterPassMs = cluster.runtime.monotonic.nowMs() - nextPassMs;
  t.ok(
    afterPassMs >= 0 && afterPassMs <= 10 * TICK_MS,
    `back on the preferred replica ${String(afterPassMs)} ms after the pass`,
  );
});
