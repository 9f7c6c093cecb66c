/**
 * The group coordinator on 3 real broker processes, driven through raw protocol connections: `__offsets` is created
 * on the first request, a member joins, heartbeats and commits, fetchOffsets and describeGroups report it (lag from
 * produced records), and after a SIGKILL of the broker leading the group's `__offsets` partition, a new
 * coordinator has every committed offset and the member (its epoch and assignment).
 */
import t from 'tap';
import { Producer, stringCodec, Admin } from '../../../client/index.js';
import { TestCluster } from '../../helpers/cluster.js';
import { RawTcpConnection } from '../../helpers/raw-connection.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOPIC = 'orders';
const GROUP = 'billing';

/** A raw connection to a broker, past its hello. */
async function openRaw(port: number): Promise<RawTcpConnection> {
  const connection = await RawTcpConnection.open(t, port);
  await connection.hello();
  return connection;
}

void t.test('join, commit, describe, and a coordinator failover that loses no commit', async (t) => {
  const cluster = await TestCluster.start(t, 3, ['--group-offsets-partitions', '4']);
  const admin = new Admin({ bootstrap: cluster.bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: 3, replicationFactor: 3 });
  const producer = new Producer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec(), acks: 'all' });
  t.teardown(() => producer.close({ timeoutMs: 1_000 }));
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => producer.send({ topic: TOPIC, partition: 0, value: `v${String(i)}` })),
  );

  const clients = new Map<number, RawTcpConnection>();
  const clientOf = async (id: number): Promise<RawTcpConnection> => {
    let client = clients.get(id);
    if (client === undefined) {
      client = await openRaw(cluster.broker(id).tcpPort);
      clients.set(id, client);
    }
    return client;
  };
  t.teardown(() => {
    for (const c of clients.values()) c.destroy();
  });

  // Any broker answers findCoordinator. The first one asked is not the controller, so it has the controller create
  // __offsets through a createTopics of its own.
  const first = await clientOf(1);
  const controllerId = await waitFor(
    async () => {
      const id = (await first.request('metadata', { topics: [] })).controllerId;
      return id > 0 ? id : null;
    },
    {
      timeoutMs: 20_000,
      what: 'a controller',
    },
  );
  const asked = await clientOf(cluster.ids.find((id) => id !== controllerId) ?? 0);
  const found = await waitFor(() => asked.request('findCoordinator', { groupId: GROUP }), {
    timeoutMs: 30_000,
    what: 'a coordinator for the group',
  });
  const coordinatorId = found.coordinatorId;
  t.ok(
    cluster.ids.includes(coordinatorId),
    `broker ${String(coordinatorId)} coordinates partition ${String(found.offsetsPartition)}`,
  );
  const coordinator = await clientOf(coordinatorId);

  const joined = await waitFor(
    () =>
      coordinator.request('groupHeartbeat', {
        groupId: GROUP,
        memberId: '',
        memberEpoch: 0,
        subscribedTopics: [TOPIC],
      }),
    { timeoutMs: 30_000, what: 'the coordinator to load and take a join' },
  );
  t.equal(joined.memberEpoch, 1);
  t.same(joined.assignment, [{ topic: TOPIC, partitions: [0, 1, 2] }]);
  const beat = await coordinator.request('groupHeartbeat', {
    groupId: GROUP,
    memberId: joined.memberId,
    memberEpoch: joined.memberEpoch,
    owned: [{ topic: TOPIC, partitions: [0, 1, 2] }],
  });
  t.equal(beat.assignment, null, 'a heartbeat with nothing new');

  const offsets = [
    { topic: TOPIC, partition: 0, offset: 4 },
    { topic: TOPIC, partition: 1, offset: 0, metadata: 'm1' },
    { topic: TOPIC, partition: 2, offset: 0 },
  ];
  const committed = await coordinator.request('commitOffsets', {
    groupId: GROUP,
    memberId: joined.memberId,
    memberEpoch: joined.memberEpoch,
    offsets,
  });
  t.same(
    committed.results,
    offsets.map(({ topic, partition }) => ({ topic, partition })),
  );
  const expected = offsets.map((o) => ({
    topic: o.topic,
    partition: o.partition,
    offset: o.offset,
    metadata: o.metadata ?? '',
  }));
  t.same((await coordinator.request('fetchOffsets', { groupId: GROUP })).offsets, expected);

  // Control entries (a new leader's no-op) take offsets too: the log end comes from listOffsets, not from the 10.
  const logEnd = (await admin.listOffsets(TOPIC, 'latest', [0]))[0]?.offset ?? -1;
  t.ok(logEnd >= 10, `partition 0 ends at ${String(logEnd)}`);
  const described = await waitFor(
    async () => {
      const [group] = (await coordinator.request('describeGroups', { groupIds: [GROUP] })).groups;
      return group?.offsets[0]?.logEndOffset === logEnd ? group : null;
    },
    { timeoutMs: 10_000, what: 'describeGroups to see the end of partition 0' },
  );
  t.equal(described.state, 'stable');
  t.same(
    described.members.map((m) => m.memberId),
    [joined.memberId],
  );
  t.same(described.offsets[0], {
    topic: TOPIC,
    partition: 0,
    committed: 4,
    logEndOffset: logEnd,
    lag: logEnd - 4,
    memberId: joined.memberId,
  });
  const other = await clientOf(cluster.ids.find((id) => id !== coordinatorId) ?? 0);
  await t.rejects(
    other.request('fetchOffsets', { groupId: GROUP }),
    { code: 'NOT_COORDINATOR' },
    'other brokers refuse',
  );

  // Failover: the leader of the group's __offsets partition dies.
  clients.get(coordinatorId)?.destroy();
  clients.delete(coordinatorId);
  await cluster.kill(coordinatorId);
  const survivor = await clientOf(cluster.ids.find((id) => id !== coordinatorId) ?? 0);
  const next = await waitFor(
    async () => {
      const r = await survivor.request('findCoordinator', { groupId: GROUP });
      return r.coordinatorId !== coordinatorId && r.coordinatorId > 0 ? r : null;
    },
    { timeoutMs: 30_000, what: 'a new coordinator' },
  );
  const successor = await clientOf(next.coordinatorId);
  const after = await waitFor(() => successor.request('fetchOffsets', { groupId: GROUP }), {
    timeoutMs: 30_000,
    what: 'the new coordinator to load the group',
  });
  t.same(after.offsets, expected, 'every committed offset survived the failover');
  const resumed = await successor.request('groupHeartbeat', {
    groupId: GROUP,
    memberId: joined.memberId,
    memberEpoch: joined.memberEpoch,
  });
  t.equal(resumed.memberEpoch, joined.memberEpoch, 'the member carries on at its epoch');
  t.same(resumed.assignment, [{ topic: TOPIC, partitions: [0, 1, 2] }], 'with its partitions');
  const fenced = await successor.request('commitOffsets', {
    groupId: GROUP,
    memberId: 'zombie',
    memberEpoch: 1,
    offsets: [{ topic: TOPIC, partition: 0, offset: 9 }],
  });
  t.equal(fenced.results[0]?.error?.code, 28, 'an unknown member cannot commit');
});
