/**
 * Replication across 3 real broker processes: a topic with replication factor 3 gets a leader per partition and
 * every replica in sync; acks=all records sent across a SIGKILL of a partition leader are all acknowledged in the end
 * (a new leader takes writes, the idempotent producer's retries store nothing twice, nothing acknowledged is lost); the killed broker comes back and catches up.
 */
import t from 'tap';
import { Admin, Consumer, Producer, stringCodec } from '../../../client/index.js';
import { TestCluster } from '../../helpers/cluster.js';
import { consumeUntil } from '../../helpers/consume.js';
import { httpGet, metricSum } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait-for.js';
import { valueOf } from '../../helpers/consume.js';

const TOPIC = 'replicated';
const PARTITIONS = 3;
const BEFORE_KILL = 3_000;
const AFTER_KILL = 1_000;
/** Unacknowledged sends the writer allows itself across the kill. */
const MAX_IN_FLIGHT = 500;
/** Sends issued just before the kill. */
const IN_FLIGHT_AT_KILL = 200;

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
  const sendOne = (i: number): Promise<unknown> =>
    producer.send({ topic: TOPIC, partition: i % PARTITIONS, value: `v${String(i)}` });
  await Promise.all(Array.from({ length: BEFORE_KILL }, (_, i) => sendOne(i)));

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

  // ---- kill the leader of partition 0 while acks=all writes are in flight; every one must end up acknowledged ----
  const [victim] = await cluster.leaders(TOPIC);
  if (victim === undefined || victim < 1) throw new Error('partition 0 has no leader');
  const sent: Promise<unknown>[] = [];
  let acked = 0;
  let next = BEFORE_KILL;
  const sendNext = (): void => {
    sent.push(sendOne(next++).then(() => acked++));
  };
  const writing = { stop: false };
  const writer = (async () => {
    while (!writing.stop) {
      sendNext();
      // At most MAX_IN_FLIGHT unacknowledged: the writer keeps going through the failover without piling up.
      if (sent.length - acked >= MAX_IN_FLIGHT) await waitFor(() => sent.length - acked < MAX_IN_FLIGHT);
      else if (next % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await waitFor(() => acked >= AFTER_KILL / 2, { what: 'writes acknowledged before the kill' });
  // Sends issued in this turn cannot be acknowledged before the kill below: they are in flight across it.
  for (let k = 0; k < IN_FLIGHT_AT_KILL; k++) sendNext();
  await cluster.kill(victim);
  const ackedAtKill = acked;
  await waitFor(() => acked >= ackedAtKill + AFTER_KILL, {
    timeoutMs: 30_000,
    what: 'writes acknowledged after the kill',
  });
  writing.stop = true;
  await writer;
  await Promise.all(sent);
  const leaders = await cluster.leaders(TOPIC);
  t.ok(
    leaders.every((l) => l > 0 && l !== victim),
    `every partition has a new leader after broker ${String(victim)} was killed`,
  );

  const consumer = new Consumer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec(), from: 'earliest' });
  t.teardown(() => consumer.close());
  await consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })));
  const total = BEFORE_KILL + sent.length;
  const records = await consumeUntil(consumer, (r) => r.length >= total, { timeoutMs: 30_000 });
  const values = new Set(records.map((r) => r.value));
  t.equal(records.length, total, 'no record twice');
  t.equal(values.size, total, 'every acknowledged record is there');
  for (let p = 0; p < PARTITIONS; p++) {
    const numbers = records.filter((r) => r.partition === p).map((r) => Number(valueOf(r).slice(1)));
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
