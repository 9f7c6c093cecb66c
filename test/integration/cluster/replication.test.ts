/**
 * Replication across 3 real broker processes: a topic with replication factor 3 gets a leader per partition and
 * every replica in sync; acks=all records survive SIGKILL of a partition leader (a new leader takes writes, nothing
 * acknowledged is lost or duplicated); the killed broker comes back and catches up.
 */
import t from 'tap';
import { Admin, Consumer, Producer, stringCodec } from '../../../client/index.js';
import { TestCluster } from '../../helpers/cluster.js';
import { consumeUntil } from '../../helpers/consume.js';
import { httpGet, metricSum } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOPIC = 'replicated';
const PARTITIONS = 3;
const BEFORE_KILL = 3_000;
const AFTER_KILL = 1_000;

void t.test('a 3-broker cluster replicates, fails over and catches up', async (t) => {
  const cluster = await TestCluster.start(t, 3);
  const admin = new Admin({ bootstrap: cluster.bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: PARTITIONS, replicationFactor: 3 });

  const described = await waitFor(
    async () => {
      const [topic] = await admin.describeTopics([TOPIC]);
      const partitions = topic?.partitions ?? [];
      return partitions.length === PARTITIONS && partitions.every((p) => p.leader > 0) ? partitions : null;
    },
    { timeoutMs: 20_000, what: 'a leader for every partition' },
  );
  for (const p of described)
    t.same([...p.replicas].sort(), [1, 2, 3], `partition ${String(p.partition)} has 3 replicas`);

  const producer = new Producer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec(), acks: 'all' });
  t.teardown(() => producer.close({ timeoutMs: 1_000 }));
  const sendAll = (from: number, count: number): Promise<unknown> =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        producer.send({ topic: TOPIC, partition: (from + i) % PARTITIONS, value: `v${String(from + i)}` }),
      ),
    );
  await sendAll(0, BEFORE_KILL);

  await waitFor(
    async () => {
      const [topic] = await admin.describeTopics([TOPIC]);
      return topic?.partitions.every((p) => p.isr.length === 3);
    },
    { timeoutMs: 20_000, what: 'every replica in sync' },
  );
  // Scraped one broker after another, a leadership hand-over could be counted twice: wait for a consistent view.
  const leaderCount = async (): Promise<number> => {
    const counts = await Promise.all(
      cluster.ids.map(async (id) =>
        metricSum((await httpGet(cluster.broker(id).wsPort, '/metrics')).body, 'brook_partition_leader_count'),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  };
  await waitFor(async () => (await leaderCount()) === PARTITIONS, {
    timeoutMs: 20_000,
    what: 'brook_partition_leader_count over the brokers to add up to one leader per partition',
  });
  t.pass('brook_partition_leader_count over the brokers adds up to one leader per partition');

  // ---- kill the leader of partition 0; a new leader must take acks=all writes ----
  const [victim] = await cluster.leaders(TOPIC);
  if (victim === undefined || victim < 1) throw new Error('partition 0 has no leader');
  await cluster.kill(victim);
  await waitFor(
    async () => {
      const leaders = await cluster.leaders(TOPIC);
      return leaders.every((l) => l > 0 && l !== victim);
    },
    { timeoutMs: 20_000, what: `new leaders after broker ${String(victim)} was killed` },
  );
  await sendAll(BEFORE_KILL, AFTER_KILL);

  const consumer = new Consumer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec(), from: 'earliest' });
  t.teardown(() => consumer.close());
  await consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })));
  const total = BEFORE_KILL + AFTER_KILL;
  const records = await consumeUntil(consumer, (r) => r.length >= total, { timeoutMs: 30_000 });
  const values = new Set(records.map((r) => r.value));
  t.equal(records.length, total, 'no record twice');
  t.equal(values.size, total, 'every acknowledged record is there');
  for (let p = 0; p < PARTITIONS; p++) {
    const numbers = records.filter((r) => r.partition === p).map((r) => Number(r.value.slice(1)));
    t.same(
      numbers,
      [...numbers].sort((a, b) => a - b),
      `partition ${String(p)} in send order`,
    );
  }

  // ---- the killed broker comes back and catches up ----
  await cluster.restart(victim);
  await waitFor(
    async () => {
      const [topic] = await admin.describeTopics([TOPIC]);
      return topic?.partitions.every((p) => p.isr.includes(victim));
    },
    { timeoutMs: 30_000, what: `broker ${String(victim)} back in sync` },
  );
});
