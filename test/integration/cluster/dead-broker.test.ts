/**
 * A 3-broker cluster with one broker SIGKILLed (issue 14): new topics are placed on the two live brokers only, a
 * replication factor the live brokers cannot hold is refused with a clear error, and a partition left without a
 * leader shows as such (`Leader: none` in `brook topic describe`, counted by `brook_offline_partitions`), and a
 * produce to it fails within the producer's leaderWaitMs with NoLeaderError instead of hanging for deliveryTimeoutMs.
 */
import t from 'tap';
import { Admin, BrookError, Consumer, NoLeaderError, Producer, stringCodec } from '../../../client/index.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { TestCluster } from '../../helpers/cluster.js';
import { scrapeMetric } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait-for.js';

const DEAD = 3;
const PARTITIONS = 6;
/** The producer's default leaderWaitMs, and the most a leaderless produce may take (the wait, then a last retry). */
const LEADER_WAIT_MS = 5_000;
const FAIL_WITHIN_MS = 15_000;

void t.test('with broker 3 SIGKILLed', async (t) => {
  const cluster = await TestCluster.start(t, 3);
  const live = cluster.ids.filter((id) => id !== DEAD);
  const admin = new Admin({ bootstrap: cluster.bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  // Created while every broker is up: its partitions with replicas {1,3} or {2,3} lose their leader with broker 3.
  await admin.createTopic('pairs', { partitions: PARTITIONS, replicationFactor: 2 });
  await waitFor(async () => (await admin.describeTopics(['pairs']))[0]?.partitions.every((p) => p.leader > 0), {
    timeoutMs: 20_000,
    what: 'a leader for every partition of pairs',
  });
  const [pairs] = await admin.describeTopics(['pairs']);
  // One replica each: its partitions on broker 3 are hosted by no live broker once 3 is gone.
  await admin.createTopic('solo', { partitions: PARTITIONS, replicationFactor: 1 });
  await waitFor(async () => (await admin.describeTopics(['solo']))[0]?.partitions.every((p) => p.leader > 0), {
    timeoutMs: 20_000,
    what: 'a leader for every partition of solo',
  });
  const soloOnDead = ((await admin.describeTopics(['solo']))[0]?.partitions ?? []).filter((p) =>
    p.replicas.includes(DEAD),
  ).length;

  await cluster.kill(DEAD);
  for (const id of live) {
    await waitFor(async () => (await scrapeMetric(cluster.broker(id).wsPort, 'brook_peer_brokers_live')) === 1, {
      timeoutMs: 20_000,
      what: `broker ${String(id)} to see only one live peer`,
    });
  }
  const liveAdmin = new Admin({
    bootstrap: live.map((id) => cluster.broker(id).bootstrap).join(','),
    requestTimeoutMs: 30_000,
  });
  t.teardown(() => liveAdmin.close());

  await t.test('new partitions are placed on live brokers only', async (t) => {
    for (const replicationFactor of [1, 2]) {
      const name = `rf${String(replicationFactor)}`;
      await liveAdmin.createTopic(name, { partitions: PARTITIONS, replicationFactor });
      // The broker asked may apply the committed topic a moment after the controller answered.
      const topic = await waitFor(
        async () => (await liveAdmin.listTopics()).includes(name) && (await liveAdmin.describeTopics([name]))[0],
        { what: `${name} described` },
      );
      t.equal(topic.partitions.length, PARTITIONS);
      for (const p of topic.partitions) {
        t.notOk(
          p.replicas.includes(DEAD),
          `${name}-${String(p.partition)}: replicas [${p.replicas.join(',')}] avoid ${String(DEAD)}`,
        );
        t.equal(p.replicas.length, replicationFactor);
      }
    }
  });

  await t.test('a replication factor above the live brokers is refused, naming them', async (t) => {
    await t.rejects(liveAdmin.createTopic('rf3', { partitions: 1, replicationFactor: 3 }), {
      constructor: BrookError,
      code: 'INVALID_REPLICATION_FACTOR',
      message: /needs 3 live brokers, but only 2 of 3 are live \(live: \[1,2\], not reachable: \[3\]\)/,
    });
    t.notOk((await liveAdmin.listTopics()).includes('rf3'), 'and not created');
  });

  await t.test('a partition left without a leader shows Leader: none and counts as offline', async (t) => {
    // Broker 1's own replicas know they have no leader; ask broker 1 for the metadata.
    const broker = cluster.broker(1);
    const orphaned = (pairs?.partitions ?? []).filter((p) => [...p.replicas].sort().join(',') === '1,3');
    t.ok(orphaned.length > 0, `some partitions of pairs are on brokers 1 and 3 (${String(orphaned.length)})`);
    // The controller also counts the partitions whose only replica was on broker 3 (no live broker hosts them).
    const { controllerId } = await liveAdmin.describeCluster();
    t.ok(soloOnDead > 0, `some partitions of solo were on broker 3 (${String(soloOnDead)})`);
    const expected = (id: number): number =>
      (pairs?.partitions ?? []).filter((p) => p.replicas.includes(id) && p.replicas.includes(DEAD)).length +
      (id === controllerId ? soloOnDead : 0);
    for (const id of live) {
      await waitFor(
        async () => (await scrapeMetric(cluster.broker(id).wsPort, 'brook_offline_partitions')) === expected(id),
        {
          timeoutMs: 20_000,
          what:
            `brook_offline_partitions on broker ${String(id)} to be ${String(expected(id))}: its partitions of pairs ` +
            `shared with broker 3${id === controllerId ? ', and (the controller) the partitions of solo on broker 3' : ''}`,
        },
      );
    }
    t.pass('brook_offline_partitions counts them, each once in the cluster');
    const described = await runBrook(t, ['topic', 'describe', 'pairs', '--bootstrap', broker.bootstrap]);
    t.equal(described.code, 0, described.stderr);
    for (const p of orphaned) {
      t.match(
        described.stdout,
        new RegExp(`Partition: ${String(p.partition)}\\tLeader: none\\t`),
        `partition ${String(p.partition)} has no leader`,
      );
    }
  });

  await t.test('a broker that does not host a partition names no dead broker its leader', async (t) => {
    // Broker 2 hosts no partition with replicas {1,3}; those whose preferred leader is the dead broker 3 have none.
    const other = new Admin({ bootstrap: cluster.broker(2).bootstrap, requestTimeoutMs: 30_000 });
    t.teardown(() => other.close());
    const preferredDead = (pairs?.partitions ?? []).filter((p) => p.replicas[0] === DEAD && !p.replicas.includes(2));
    t.ok(
      preferredDead.length > 0,
      `some partitions prefer broker 3 and avoid broker 2 (${String(preferredDead.length)})`,
    );
    const [seen] = await other.describeTopics(['pairs']);
    for (const p of preferredDead) {
      const described = seen?.partitions.find((q) => q.partition === p.partition);
      t.equal(described?.leader, -1, `partition ${String(p.partition)}: no leader, not the dead broker 3`);
      t.notOk(described?.isr.includes(DEAD), `partition ${String(p.partition)}: broker 3 is not in sync`);
    }
  });

  await t.test('a produce to a partition without a leader fails fast, naming it (library and CLI)', async (t) => {
    const orphan = (pairs?.partitions ?? []).find((p) => p.replicas.includes(DEAD));
    if (orphan === undefined) throw new Error('no partition of pairs on broker 3');
    const bootstrap = live.map((id) => cluster.broker(id).bootstrap).join(',');
    const producer = new Producer<string>({ bootstrap, codec: stringCodec() });
    t.teardown(() => producer.close({ timeoutMs: 1_000 }));
    const startMs = Date.now();
    const err = await producer
      .send({ topic: 'pairs', partition: orphan.partition, value: 'x' })
      .catch((e: unknown) => e);
    const tookMs = Date.now() - startMs;
    t.type(err, NoLeaderError, String(err));
    t.match(err, { topic: 'pairs', partition: orphan.partition, code: 'NOT_LEADER' });
    t.ok(tookMs >= LEADER_WAIT_MS && tookMs < FAIL_WITHIN_MS, `failed after the leader wait, in ${String(tookMs)} ms`);

    const cli = await runBrook(
      t,
      ['produce', 'pairs', '--partition', String(orphan.partition), '--bootstrap', bootstrap],
      {
        input: 'a\nb\n',
        timeoutMs: 30_000,
      },
    );
    t.not(cli.code, 0, 'brook produce exits non-zero');
    t.match(cli.stderr, `pairs/${String(orphan.partition)} has no reachable leader`);
    t.ok(cli.durationMs < FAIL_WITHIN_MS + 5_000, `brook produce gave up in ${String(cli.durationMs)} ms`);
  });

  await t.test('consumer groups work: the offsets topic needs only a live majority of its replicas', async (t) => {
    const bootstrap = live.map((id) => cluster.broker(id).bootstrap).join(',');
    const producer = new Producer<string>({ bootstrap, codec: stringCodec() });
    const consumer = new Consumer<string>({ bootstrap, codec: stringCodec(), groupId: 'after-crash' });
    t.teardown(async () => {
      await consumer.close();
      await producer.close({ timeoutMs: 1_000 });
    });
    await producer.send({ topic: 'rf2', partition: 0, value: 'hello' });
    consumer.subscribe('rf2');
    const it = consumer[Symbol.asyncIterator]();
    const first = await it.next();
    t.equal(first.done === true ? undefined : first.value.value, 'hello', 'the group member reads the record');
    const [offsets] = await liveAdmin.describeTopics(['__offsets']);
    t.ok((offsets?.partitions.length ?? 0) > 0, 'the offsets topic exists');
    for (const p of offsets?.partitions ?? []) {
      t.ok(p.replicas.filter((id) => id !== DEAD).length >= 2, `__offsets-${String(p.partition)}: a live majority`);
    }
  });
});
