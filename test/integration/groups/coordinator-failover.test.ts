/**
 * Group consumers through a coordinator failover on 3 real broker processes: two consumers share a replicated
 * topic while a producer writes; the broker coordinating their group is killed with SIGKILL. The consumers find the
 * new coordinator on their own, keep their membership (no partition is lost), keep consuming, hand partitions to a
 * member that joins afterwards, and their commits land on the new coordinator: after clean closes a new member
 * starts at the end of every partition.
 */
import t from 'tap';
import { Admin, Consumer, Producer, type TopicPartition } from '../../../client/index.js';
import { Cluster } from '../../../client/cluster.js';
import { resolveClientOptions } from '../../../client/options.js';
import { nodePlatform } from '../../../client/platform-node.js';
import { TestCluster } from '../../helpers/cluster.js';
import { waitFor } from '../../helpers/wait-for.js';

const PARTITIONS = 6;
const GROUP = 'failover-group';

void t.test('consumers find the new coordinator after a SIGKILL and lose nothing', async (t) => {
  const cluster = await TestCluster.start(t, 3, ['--group-heartbeat-interval-ms', '500']);
  const bootstrap = cluster.bootstrap;
  const admin = new Admin({ bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  await admin.createTopic('events', { partitions: PARTITIONS, replicationFactor: 3 });
  const producer = new Producer<number>({ bootstrap, acks: 'all', lingerMs: 5 });
  t.teardown(() => producer.close({ timeoutMs: 1_000 }));

  const endOffset = new Array<number>(PARTITIONS).fill(0);
  /** Acknowledged records (`partition:offset`); other offsets are Raft leaders' no-op batches. */
  const acknowledged: string[] = [];
  const state = { producing: true };
  let sequence = 0;
  const produced = (async () => {
    while (state.producing) {
      const round = Array.from({ length: PARTITIONS }, (_, partition) =>
        producer.send({ topic: 'events', partition, value: sequence++ }).then(
          (meta) => {
            endOffset[partition] = Math.max(endOffset[partition] ?? 0, meta.offset + 1);
            acknowledged.push(`${String(partition)}:${String(meta.offset)}`);
          },
          () => undefined, // a send caught in the failover fails; the records that count are those acknowledged
        ),
      );
      await Promise.all([...round, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  })();

  const seen = new Set<string>();
  const lost: TopicPartition[] = [];
  const consumer = (name: string) =>
    new Consumer<number>({
      bootstrap,
      clientId: name,
      groupId: GROUP,
      sessionTimeoutMs: 20_000,
      requestTimeoutMs: 30_000,
      onRevoked: (tps, info) => {
        if (info.lost) lost.push(...tps);
      },
    });
  const errors: string[] = [];
  const read = async (c: Consumer<number>) => {
    try {
      for await (const r of c) seen.add(`${String(r.partition)}:${String(r.offset)}`);
    } catch (err: unknown) {
      errors.push(String(err));
    }
  };
  const consumers = [consumer('a'), consumer('b')];
  const loops = consumers.map(read);
  t.teardown(() => Promise.all(consumers.map((c) => c.close())));
  for (const c of consumers) c.subscribe('events');
  const count = () => seen.size;
  await waitFor(() => consumers.every((c) => c.assignment().length === PARTITIONS / 2) && count() > 100, {
    timeoutMs: 60_000,
    what: 'two members reading three partitions each',
  });
  const members = consumers.map((c) => c.memberId);

  // Which broker coordinates the group, as any broker says.
  const lookup = new Cluster(resolveClientOptions({ bootstrap }, nodePlatform));
  const { coordinatorId } = await lookup.anyConnection().request('findCoordinator', { groupId: GROUP });
  await lookup.close();
  t.ok(cluster.ids.includes(coordinatorId), `broker ${String(coordinatorId)} coordinates the group`);

  await cluster.kill(coordinatorId);
  const killedAt = count();
  // Commits need the coordinator: one that resolves was stored by the new one.
  await Promise.all(consumers.map((c) => c.commit()));
  await waitFor(() => count() > killedAt + 300, { timeoutMs: 30_000, what: 'consumption going on' });
  // A rebalance needs the members' heartbeats to reach the new coordinator (their sessions would outlast the test).
  const third = consumer('c');
  consumers.push(third);
  loops.push(read(third));
  third.subscribe('events');
  await waitFor(() => consumers.every((c) => c.assignment().length === PARTITIONS / 3), {
    timeoutMs: 30_000,
    what: 'a third member given its share by the new coordinator',
  });

  state.producing = false;
  await produced;
  const expected = [...endOffset];
  await waitFor(() => acknowledged.every((k) => seen.has(k)), {
    timeoutMs: 30_000,
    what: 'every acknowledged record processed',
  });
  t.same(errors, [], 'no error reached the iterators');
  t.same(lost, [], 'no member lost its partitions');
  t.same(
    consumers.slice(0, 2).map((c) => c.memberId),
    members,
    'the same members throughout',
  );
  await Promise.all(consumers.map((c) => c.close()));
  await Promise.all(loops);

  const check = new Consumer<number>({ bootstrap, groupId: GROUP, requestTimeoutMs: 30_000 });
  t.teardown(() => check.close());
  check.subscribe('events');
  await waitFor(
    () =>
      check.assignment().length === PARTITIONS && check.assignment().every((tp) => check.position(tp) !== undefined),
    { timeoutMs: 30_000, what: 'a new member assigned every partition' },
  );
  const positions = Array.from(
    { length: PARTITIONS },
    (_, partition) => check.position({ topic: 'events', partition }) ?? -1,
  );
  t.ok(
    positions.every((position, p) => position >= (expected[p] ?? 0)),
    `committed offsets reach the acknowledged ends (${positions.join(',')} >= ${expected.join(',')})`,
  );
});
