/**
 * Changing existing topics on a 3-broker cluster (issue 14): `brook topic add-partitions` (Admin.createPartitions)
 * places new partitions that get leaders and take records, leaves the existing ones alone, and a group consumer is
 * assigned them; `brook topic alter-config` (Admin.alterTopicConfig) changes retention on every broker, and a short
 * retention.ms then deletes old records.
 */
import t from 'tap';
import { Admin, BrookError, Consumer, Producer, stringCodec } from '../../../client/index.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { TestCluster } from '../../helpers/cluster.js';
import { waitFor } from '../../helpers/wait-for.js';

void t.test('topic changes on a 3-broker cluster', async (t) => {
  // Retention passes every 200 ms, so a shortened retention.ms shows within the test.
  const cluster = await TestCluster.start(t, 3, ['--retention-check-interval-ms', '200']);
  const admin = new Admin({ bootstrap: cluster.bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  const allLed = async (topic: string, count: number): Promise<boolean> => {
    const [described] = await admin.describeTopics([topic]);
    return described?.partitions.length === count && described.partitions.every((p) => p.leader > 0);
  };

  await t.test('add-partitions: new partitions get leaders, take records and reach a group consumer', async (t) => {
    await admin.createTopic('grow', { partitions: 2, replicationFactor: 2 });
    await waitFor(() => allLed('grow', 2), { timeoutMs: 20_000, what: 'leaders for grow-0 and grow-1' });
    const [before] = await admin.describeTopics(['grow']);

    const assigned = new Set<number>();
    const consumer = new Consumer<string>({
      bootstrap: cluster.bootstrap,
      groupId: 'growers',
      codec: stringCodec(),
      onAssigned: (tps) => {
        for (const tp of tps) assigned.add(tp.partition);
      },
    });
    t.teardown(() => consumer.close());
    consumer.subscribe('grow');
    await waitFor(() => assigned.size === 2, { timeoutMs: 30_000, what: 'the consumer to be assigned grow-0, grow-1' });

    const cli = await runBrook(t, [
      'topic',
      'add-partitions',
      'grow',
      '--partitions',
      '5',
      '--bootstrap',
      cluster.bootstrap,
    ]);
    t.equal(cli.code, 0, cli.stderr);
    t.match(cli.stdout, /Topic grow now has 5 partitions/);
    await waitFor(() => allLed('grow', 5), {
      timeoutMs: 20_000,
      what: 'a leader for each of the 5 partitions of grow',
    });
    const [after] = await admin.describeTopics(['grow']);
    for (const p of before?.partitions ?? []) {
      t.strictSame(after?.partitions[p.partition]?.replicas, p.replicas, `grow-${String(p.partition)} did not move`);
    }
    for (const p of after?.partitions.slice(2) ?? [])
      t.equal(p.replicas.length, 2, `grow-${String(p.partition)}: rf 2`);

    const producer = new Producer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec() });
    t.teardown(() => producer.close());
    for (const partition of [2, 3, 4]) {
      const sent = await producer.send({ topic: 'grow', partition, value: `to ${String(partition)}` });
      t.equal(sent.partition, partition, `grow-${String(partition)} took a record`);
    }
    await waitFor(() => assigned.size === 5, {
      timeoutMs: 30_000,
      what: 'the group consumer to be assigned the new partitions too',
    });
    const seen = new Map<number, string | null>();
    for await (const record of consumer) {
      seen.set(record.partition, record.value);
      if (seen.size === 3) break;
    }
    t.strictSame(
      new Map([...seen].sort(([a], [b]) => a - b)),
      new Map([
        [2, 'to 2'],
        [3, 'to 3'],
        [4, 'to 4'],
      ]),
      'the group consumer read the record of each new partition',
    );

    await t.rejects(admin.createPartitions('grow', 5), {
      constructor: BrookError,
      code: 'INVALID_TOPIC',
      message: /has 5 partitions: the new count must be an integer from 6/,
    });
    await t.rejects(admin.createPartitions('nosuch', 3), { code: 'UNKNOWN_TOPIC' });
  });

  await t.test('alter-config: every broker applies it, and a short retention.ms deletes old records', async (t) => {
    await admin.createTopic('aged', { partitions: 1, replicationFactor: 3 });
    await waitFor(() => allLed('aged', 1), { timeoutMs: 20_000, what: 'a leader for aged-0' });
    const producer = new Producer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec(), lingerMs: 0 });
    t.teardown(() => producer.close());
    const defaultRetentionMs = (await admin.describeTopics(['aged']))[0]?.config['retention.ms'];
    for (let i = 0; i < 3; i++) await producer.send({ topic: 'aged', partition: 0, value: `old ${String(i)}` });

    const bad = await runBrook(t, [
      'topic',
      'alter-config',
      'aged',
      '--set',
      'retention.ms=soon',
      '--bootstrap',
      cluster.bootstrap,
    ]);
    t.not(bad.code, 0, 'a bad value is refused');
    t.match(bad.stderr, /retention\.ms must be an integer >= 0 or -1 \(unlimited\), got "soon"/);

    const cli = await runBrook(t, [
      'topic',
      'alter-config',
      'aged',
      '--set',
      'retention.ms=1',
      '--bootstrap',
      cluster.bootstrap,
    ]);
    t.equal(cli.code, 0, cli.stderr);
    for (const id of cluster.ids) {
      const own = new Admin({ bootstrap: cluster.broker(id).bootstrap, requestTimeoutMs: 30_000 });
      t.teardown(() => own.close());
      await waitFor(async () => (await own.describeTopics(['aged']))[0]?.config['retention.ms'] === '1', {
        timeoutMs: 20_000,
        what: `broker ${String(id)} to apply retention.ms=1`,
      });
    }
    const [written] = await admin.describeTopics(['aged']);
    const end = written?.partitions[0]?.highWatermark ?? 0;
    t.ok(end >= 3, `aged-0 holds the 3 records (high watermark ${String(end)})`);
    await waitFor(async () => (await admin.describeTopics(['aged']))[0]?.partitions[0]?.logStartOffset === end, {
      timeoutMs: 20_000,
      what: `retention to delete the old records of aged-0 (log start offset ${String(end)})`,
    });
    t.pass('the old records are gone');

    await admin.alterTopicConfig('aged', { delete: ['retention.ms'] });
    // The broker asked may apply the committed change a moment after the controller answered.
    const restored = await waitFor(
      async () => {
        const [topic] = await admin.describeTopics(['aged']);
        return topic?.config['retention.ms'] === defaultRetentionMs ? topic : undefined;
      },
      { what: 'retention.ms back to the default' },
    );
    t.equal(restored.config['retention.ms'], defaultRetentionMs, "retention.ms is back to the broker's default");
    await t.rejects(admin.alterTopicConfig('aged', { set: { 'segment.ms': '1' } }), {
      code: 'INVALID_TOPIC',
      message: /unknown topic config key "segment.ms"/,
    });
  });
});
