/**
 * MetadataGroup, the controller: two brokers, each with its own data dir (topic store, partition registry, metadata
 * log) and Raft host, wired in-process on one manual runtime. Commands proposed by the controller are applied by
 * every broker, in log order.
 */
import { pino } from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import path from 'node:path';
import { METADATA_GROUP, MetadataGroup } from '../../../broker/cluster/metadata-group.js';
import type { PeerAddress } from '../../../broker/cluster/peer-link.js';
import { TopicStore } from '../../../broker/cluster/topic-store.js';
import { PartitionLog } from '../../../broker/log/partition-log.js';
import type { TopicSpec } from '../../../broker/topics/topic-config.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { ManualRuntime, WALL_START_MS } from './helpers/manual-runtime.js';
import { testPartitions } from './helpers/test-partitions.js';
import type { RaftHost } from '../../../broker/cluster/raft-host.js';
import { MemoryPeers, settle } from './helpers/memory-peers.js';

const IDS = [1, 2];
const ELECTION_TICKS = 6;

interface Broker {
  readonly id: number;
  readonly dataDir: string;
  readonly host: RaftHost;
  readonly topics: TopicStore;
  readonly metadata: MetadataGroup;
  /** Brokers this one was told joined. */
  readonly added: PeerAddress[];
  /** Internal topics this broker asked the controller for. */
  readonly asked: { controllerId: number; spec: TopicSpec }[];
}

interface Cluster {
  readonly runtime: ManualRuntime;
  get(id: number): Broker;
  controller(): Broker | undefined;
  /** Ticks every host and lets passes and deliveries run until `done`. */
  until(done: () => boolean): Promise<void>;
}

function startCluster(t: Test): Cluster {
  const runtime = new ManualRuntime();
  const peers = new MemoryPeers();
  const brokers = new Map<number, Broker>();
  const logger = pino({ level: 'silent' });
  for (const id of IDS) {
    const dataDir = tempDir(t, `metadata-group-${String(id)}-`);
    const host = peers.host(id, IDS, { electionTicks: ELECTION_TICKS, logger, runtime });
    const topics = TopicStore.open(dataDir, { clusterId: 'test', brokerIds: IDS });
    const partitions = testPartitions(dataDir, id);
    const added: PeerAddress[] = [];
    const asked: { controllerId: number; spec: TopicSpec }[] = [];
    const metadata = MetadataGroup.open({
      selfId: id,
      voters: IDS,
      dataDir,
      host,
      topics,
      partitions,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: 1,
      logger,
      runtime,
      brokerAdded: (broker) => added.push(broker),
      brokerRemoved: () => undefined,
      askController: (controllerId, spec) => asked.push({ controllerId, spec }),
    });
    brokers.set(id, { id, dataDir, host, topics, metadata, added, asked });
    t.teardown(async () => {
      host.close();
      await metadata.close();
      await partitions.closeAll();
      topics.close();
    });
  }
  const get = (id: number): Broker => {
    const broker = brokers.get(id);
    if (broker === undefined) throw new Error(`no broker ${String(id)}`);
    return broker;
  };
  const controller = (): Broker | undefined => [...brokers.values()].find((b) => b.metadata.isLeader);
  const until = async (done: () => boolean): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      if (done()) return;
      for (const b of brokers.values()) b.host.tick();
      await settle();
    }
    throw new Error('condition not reached');
  };
  return { runtime, get, controller, until };
}

/** A cluster with a controller elected; returns it and the other broker. */
async function elected(t: Test): Promise<{ cluster: Cluster; controller: Broker; other: Broker }> {
  const cluster = startCluster(t);
  await cluster.until(() => cluster.controller() !== undefined);
  const controller = cluster.controller();
  if (controller === undefined) throw new Error('no controller');
  const other = cluster.get(controller.id === 1 ? 2 : 1);
  await cluster.until(() => other.metadata.controllerId() === controller.id);
  return { cluster, controller, other };
}

function spec(name: string, fields: Partial<TopicSpec> = {}): TopicSpec {
  return { name, partitions: 2, replicationFactor: 1, config: {}, ...fields };
}

void t.test('a topic created on the controller is applied on every broker', async (t) => {
  const { cluster, controller, other } = await elected(t);
  t.equal(controller.metadata.controllerId(), controller.id, 'the controller knows itself');
  const record = await controller.metadata.createTopic(spec('orders'), 1234);
  t.equal(record.createdMs, 1234, "the record carries the caller's creation time");
  await cluster.until(() => other.topics.get('orders') !== undefined);
  t.same(other.topics.get('orders'), controller.topics.get('orders'), 'the same record on both brokers');
  t.ok(other.topics.appliedIndex > 0, 'the applied index is stored with the topics');

  await controller.metadata.deleteTopic('orders');
  await cluster.until(() => other.topics.get('orders') === undefined);
  t.pass('the delete is applied on both brokers');
  await t.rejects(controller.metadata.deleteTopic('orders'), { code: 'UNKNOWN_TOPIC' });
  await t.rejects(
    controller.metadata.createTopic(spec('dup'), 1).then(() => controller.metadata.createTopic(spec('dup'), 2)),
    {
      code: 'TOPIC_EXISTS',
    },
  );
});

void t.test("metadata batches are stamped with the runtime's wall clock", async (t) => {
  const { cluster, controller } = await elected(t);
  cluster.runtime.advance(5_000);
  await controller.metadata.createTopic(spec('stamped'), 1);
  await controller.metadata.close();
  const log = PartitionLog.openAlone(path.join(controller.dataDir, METADATA_GROUP), {
    flush: 'never',
    retentionMs: -1,
    retentionBytes: -1,
  });
  t.teardown(() => log.close());
  const last = log.read(0, 1 << 20, Number.MAX_SAFE_INTEGER).at(-1);
  const expected = WALL_START_MS + cluster.runtime.monotonic.nowMs();
  t.equal(last?.maxTimestamp, expected, 'the last batch carries the manual wall time');
  t.ok(cluster.runtime.monotonic.nowMs() >= 5_000);
});

void t.test('an added broker is applied everywhere and reported to the transport', async (t) => {
  const { cluster, controller, other } = await elected(t);
  const joiner = { id: 3, host: '10.0.0.3', port: 9093 };
  await controller.metadata.addBroker(joiner);
  await cluster.until(() => other.added.length === 1);
  t.same(controller.added, [joiner]);
  t.same(other.added, [joiner]);
  t.same(other.topics.joinedBrokers(), [joiner]);
});

void t.test('a removed broker leaves the voters everywhere; the last voter is never removed', async (t) => {
  const { cluster, controller, other } = await elected(t);
  const removing = controller.metadata.removeBroker(other.id, false);
  await cluster.until(() => controller.metadata.voters.length === 1);
  // The removal answers once it sees the voter change committed, polling on the runtime's timers.
  cluster.runtime.advance(1_000);
  t.same(await removing, [], 'it hosted nothing: no moves');
  t.same(controller.metadata.voters, [controller.id], 'one voter left (Raft thesis §4.1: one change at a time)');
  await cluster.until(() => other.topics.isRemoved(other.id));
  t.same(controller.topics.brokerIds, [controller.id], 'no replica is placed on it any more');
  await t.rejects(controller.metadata.removeBroker(controller.id, false), {
    code: 'WOULD_LOSE_QUORUM',
    message: /last metadata voter/,
  });
});

void t.test('a controller asked to remove itself hands its role over and refuses with NOT_LEADER', async (t) => {
  const { cluster, controller, other } = await elected(t);
  await t.rejects(controller.metadata.removeBroker(controller.id, false), {
    code: 'NOT_LEADER',
    message: new RegExp(`hands the controller role to broker ${String(other.id)}`),
  });
  await cluster.until(() => other.metadata.isLeader);
  t.equal(controller.metadata.voters.length, 2, 'still a voter until the next controller removes it');
});

void t.test('only the controller proposes; the others refuse with NOT_LEADER or ask it', async (t) => {
  const { controller, other } = await elected(t);
  await t.rejects(other.metadata.createTopic(spec('elsewhere'), 1), { code: 'NOT_LEADER', leaderId: controller.id });
  await other.metadata.ensureInternalTopic(spec('__offsets'), 1);
  t.same(
    other.asked,
    [{ controllerId: controller.id, spec: spec('__offsets') }],
    'an internal topic is asked of the controller',
  );
  await controller.metadata.ensureInternalTopic(spec('__offsets'), 1);
  await controller.metadata.ensureInternalTopic(spec('__offsets'), 1);
  t.ok(controller.topics.get('__offsets'), 'the controller creates it, once (a second ensure is no error)');
});

void t.test(
  'a finished move reported to a broker that is no longer the controller is completed by it later',
  async (t) => {
    // Regression: propose threw NOT_LEADER synchronously, so completeMove on a non-controller threw out of the peer
    // message handler and left the partition marked as being completed, and that broker never completed it.
    const { cluster, controller, other } = await elected(t);
    await controller.metadata.createTopic(spec('moving', { partitions: 1 }), 1);
    const [move] = await controller.metadata.reassign([{ topic: 'moving', partition: 0, replicas: [2, 1] }], false);
    if (move === undefined) throw new Error('no move');
    await cluster.until(() => other.topics.get('moving')?.moving?.[0] !== undefined);

    t.doesNotThrow(() => {
      other.metadata.completeMove(move);
    }, 'a non-controller does not throw');
    await settle();

    const group = controller.host.get(METADATA_GROUP);
    if (group === undefined) throw new Error('no metadata group');
    group.node.transferLeadership(other.id);
    controller.host.touch(group);
    await cluster.until(() => other.metadata.isLeader);
    other.metadata.completeMove(move);
    await cluster.until(() => [controller, other].every((b) => b.topics.get('moving')?.moving === undefined));
    t.same(other.topics.get('moving')?.replicas, [[2, 1]], 'the move is complete on every broker');
  },
);
