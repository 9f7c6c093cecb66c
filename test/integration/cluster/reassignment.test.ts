/**
 * Growing a cluster online: a fourth broker started with --join is added by the controller, then partitions move
 * to it (a rebalance, and an explicit reassignment that also removes the partition's leader) while an idempotent
 * acks=all producer keeps writing. Expected: every move finishes (the new replicas are the in-sync replicas), the
 * replicas that were moved off delete their copies, and every acknowledged record is readable exactly once, in
 * order, afterwards.
 */
import t from 'tap';
import { Admin, Consumer, Producer, stringCodec } from '../../../client/index.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { TestCluster } from '../../helpers/cluster.js';
import { consumeUntil } from '../../helpers/consume.js';
import { logName } from '../../../broker/log/index.js';
import { storedLogNames } from '../../helpers/shard-files.js';
import { waitFor } from '../../helpers/wait-for.js';
import { valueOf } from '../../helpers/consume.js';

const SPREAD = 'spread';
const SPREAD_PARTITIONS = 6;
const PINNED = 'pinned';
/** Unacknowledged sends the writer allows itself. */
const MAX_IN_FLIGHT = 200;

const sameSet = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((id) => b.includes(id));

void t.test('a broker joins a running cluster and partitions move to it while producers write', async (t) => {
  const cluster = await TestCluster.start(t, 3);
  const admin = new Admin({ bootstrap: cluster.bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  await admin.createTopic(SPREAD, { partitions: SPREAD_PARTITIONS, replicationFactor: 2 });
  await admin.createTopic(PINNED, { partitions: 1, replicationFactor: 3 });

  const producer = new Producer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec(), acks: 'all' });
  t.teardown(() => producer.close({ timeoutMs: 1_000 }));
  const partitions = [
    ...Array.from({ length: SPREAD_PARTITIONS }, (_, partition) => ({ topic: SPREAD, partition })),
    { topic: PINNED, partition: 0 },
  ];
  const sent: Promise<unknown>[] = [];
  let acked = 0;
  let next = 0;
  const writing = { stop: false };
  const writer = (async () => {
    while (!writing.stop) {
      const target = partitions[next % partitions.length] ?? { topic: PINNED, partition: 0 };
      sent.push(producer.send({ ...target, value: `v${String(next++)}` }).then(() => acked++));
      if (sent.length - acked >= MAX_IN_FLIGHT) await waitFor(() => sent.length - acked < MAX_IN_FLIGHT);
      else if (next % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  await waitFor(() => acked >= 500, { timeoutMs: 30_000, what: 'writes acknowledged before the join' });

  // ---- broker 4 joins: the controller adds it, makes it a metadata voter, and everyone learns its address ----
  const joined = await cluster.join();
  const own = new Admin({ bootstrap: `127.0.0.1:${String(cluster.broker(joined).tcpPort)}` });
  t.teardown(() => own.close());
  // It knows the topics created before it existed only once it replicates the metadata log.
  await waitFor(async () => (await own.listTopics()).length === 2, {
    timeoutMs: 30_000,
    what: `broker ${String(joined)} to replicate the metadata log`,
  });
  t.same((await own.listTopics()).sort(), [PINNED, SPREAD], 'the new broker learned the topics from the metadata log');
  t.ok((await brokerIds(cluster.bootstrap)).includes(joined), `broker ${String(joined)} is in the cluster's metadata`);

  // ---- a rebalance gives it a share of the spread topic; an explicit move takes the pinned partition off its leader ----
  const [pinned] = await admin.describeTopics([PINNED]);
  const pinnedLeader = pinned?.partitions[0]?.leader ?? -1;
  t.ok(pinnedLeader > 0, 'the pinned partition has a leader');
  const pinnedTarget = [joined, ...[1, 2, 3].filter((id) => id !== pinnedLeader).slice(0, 2)];
  const rebalanced = await admin.rebalancePartitions();
  const spreadMoves = rebalanced.filter((m) => m.topic === SPREAD);
  t.ok(
    spreadMoves.some((m) => m.replicas.includes(joined)),
    `the rebalance moves partitions to broker ${String(joined)}`,
  );
  // The explicit move goes through the CLI as an operator would run it, and waits for the move to finish.
  const reassign = (replicas: string, ...more: string[]): string[] => {
    const args = ['partition', 'reassign', '--topic', PINNED, '--partition', '0', '--replicas', replicas];
    return [...args, ...more, '--bootstrap', cluster.bootstrap];
  };
  const refused = await runBrook(t, reassign('1,9'));
  t.not(refused.code, 0, 'a move to a broker that does not exist fails');
  t.match(refused.stderr, /INVALID_REPLICA_ASSIGNMENT|distinct brokers/, 'and says why');
  const moved = await runBrook(t, reassign(pinnedTarget.join(','), '--wait', '60000'), { timeoutMs: 90_000 });
  t.equal(moved.code, 0, 'brook partition reassign --wait exits 0', { stdout: moved.stdout, stderr: moved.stderr });
  t.match(moved.stdout, `Moving ${PINNED}-0 to replicas ${pinnedTarget.join(',')}.`, 'it prints the move');
  t.match(moved.stdout, 'Done: 1 partition(s) moved.', 'and that it finished');
  const explicit = [{ topic: PINNED, partition: 0, replicas: pinnedTarget }];

  const moves = [...spreadMoves, ...explicit];
  await waitFor(
    async () => {
      const described = await admin.describeTopics([SPREAD, PINNED]);
      return moves.every((m) => {
        const p = described.find((d) => d.name === m.topic)?.partitions.find((q) => q.partition === m.partition);
        return p !== undefined && sameSet(p.replicas, m.replicas) && sameSet(p.isr, m.replicas) && p.leader > 0;
      });
    },
    { timeoutMs: 60_000, what: 'every moved partition in sync on its new replicas' },
  );
  t.pass(`${String(moves.length)} partition(s) moved while the producer wrote`);
  const [afterPinned] = await admin.describeTopics([PINNED]);
  t.not(afterPinned?.partitions[0]?.leader, pinnedLeader, 'the pinned partition left its old leader');

  // ---- replicas moved off delete their copies; the new ones hold the log ----
  await waitFor(
    () =>
      moves.every((m) =>
        [1, 2, 3, joined].every(
          (id) =>
            storedLogNames(cluster.dataDir(id)).includes(logName(m.topic, m.partition)) === m.replicas.includes(id),
        ),
      ),
    { timeoutMs: 30_000, what: 'partition logs only on the new replicas' },
  );
  t.pass('old replicas removed their logs, new replicas have theirs');

  // ---- nothing acknowledged is lost or stored twice ----
  const ackedBeforeStop = acked;
  await waitFor(() => acked >= ackedBeforeStop + 200, { timeoutMs: 30_000, what: 'writes after the moves' });
  writing.stop = true;
  await writer;
  await Promise.all(sent);
  const consumer = new Consumer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec(), from: 'earliest' });
  t.teardown(() => consumer.close());
  await consumer.assign(partitions);
  const records = await consumeUntil(consumer, (r) => r.length >= sent.length, { timeoutMs: 30_000 });
  t.equal(records.length, sent.length, 'no record twice');
  t.equal(new Set(records.map((r) => r.value)).size, sent.length, 'every acknowledged record is there');
  for (const { topic, partition } of partitions) {
    const numbers = records
      .filter((r) => r.topic === topic && r.partition === partition)
      .map((r) => Number(valueOf(r).slice(1)));
    t.same(
      numbers,
      [...numbers].sort((a, b) => a - b),
      `${topic}-${String(partition)} in send order`,
    );
  }
});

/** Broker ids in the metadata of the cluster (its live brokers). */
async function brokerIds(bootstrap: string): Promise<number[]> {
  const admin = new Admin({ bootstrap });
  try {
    return (await admin.describeCluster()).brokers.map((b) => b.id);
  } finally {
    await admin.close();
  }
}
