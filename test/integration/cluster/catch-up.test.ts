/**
 * Lagging followers catch up, across 3 real broker processes. Two topics of replication factor 3, one partition each:
 * `steady` keeps everything; `lagging` has a small `retention.bytes`, so while a follower is away the leader deletes
 * the offsets it would need next. Expected (DESIGN.md, Replication):
 * - a follower killed briefly catches up on `steady` by plain log replication: its log still starts where it did
 *   and ends up identical to the leader's;
 * - the same follower, on `lagging`, cannot be sent the entries it lacks: the leader sends a Raft snapshot (just the
 *   snapshot point), the follower resets its log to start at the leader's log start offset, and replication goes on
 *   from there, so it ends up with the leader's batches from that point on, never with offsets it missed;
 * - once caught up it can lead: with the old leader killed it is elected, serves every committed record from its log
 *   start in order with no gap, and brings the third replica (killed meanwhile, and left behind the new leader's log
 *   start too) back the same way.
 * Replica logs are compared from their SQLite files once their brokers are stopped (a running broker locks them).
 */
import t, { type Test } from 'tap';
import { Admin, Consumer, Producer, stringCodec } from '../../../client/index.js';
import type { PartitionMetadata } from '../../../client/index.js';
import { readReplicaLog, type ReplicaLog } from '../../chaos/replica-log.js';
import { TestCluster } from '../../helpers/cluster.js';
import { consumeUntil, valueOf } from '../../helpers/consume.js';
import { scrapeMetric } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait-for.js';

const STEADY = 'steady';
const LAGGING = 'lagging';
/** `lagging` keeps about this many payload bytes: 7 or so of the ~2.3 KB rounds below. */
const RETENTION_BYTES = 16 * 1024;
/** Records sent together (one batch, give or take the producer's linger). */
const ROUND = 20;
/** About 110 bytes per record. */
const FILLER = 'x'.repeat(100);
/** Generous per wait: two cores shared with other test runs. */
const WAIT_MS = 20_000;

void t.test('lagging followers catch up, from the leader log start past a retention gap', async (t) => {
  // Retention runs every 100 ms instead of every 30 s, so the waits below for it are short.
  const cluster = await TestCluster.start(t, 3, ['--retention-check-interval-ms', '100']);
  const dataDirs = new Map(cluster.ids.map((id) => [id, cluster.broker(id).dataDir]));
  const dataDir = (id: number): string => dataDirs.get(id) ?? '';
  // Short request timeouts: a query caught by a broker kill fails and is retried by waitFor instead of hanging.
  const clientOptions = { bootstrap: cluster.bootstrap, requestTimeoutMs: 3_000 };
  const admin = new Admin(clientOptions);
  t.teardown(() => admin.close());
  await admin.createTopic(STEADY, { partitions: 1, replicationFactor: 3 });
  await admin.createTopic(LAGGING, {
    partitions: 1,
    replicationFactor: 3,
    config: { 'retention.bytes': String(RETENTION_BYTES) },
  });

  const describe = async (topic: string): Promise<PartitionMetadata> => {
    const [described] = await admin.describeTopics([topic]);
    const partition = described?.partitions[0];
    if (partition === undefined) throw new Error(`no partition 0 of ${topic}`);
    return partition;
  };
  /** A partition gauge as broker `id` itself reports it (followers included, unlike metadata). */
  const gauge = (id: number, topic: string, name: string): Promise<number> =>
    scrapeMetric(cluster.broker(id).wsPort, `brook_partition_${name}`, { topic, partition: '0' });
  const inSync = (topic: string, ids: readonly number[]): Promise<PartitionMetadata> =>
    waitFor(
      async () => {
        const p = await describe(topic);
        return p.leader > 0 && ids.every((id) => p.isr.includes(id)) ? p : null;
      },
      { timeoutMs: WAIT_MS, intervalMs: 50, what: `brokers ${ids.join(',')} in the ISR of ${topic}` },
    );

  // The preferred replica leads each new partition; waiting for it keeps the preferred-leader balancer still.
  const lagging0 = await waitFor(
    async () => {
      const p = await describe(LAGGING);
      return p.leader === p.replicas[0] && p.isr.length === 3 ? p : null;
    },
    { timeoutMs: WAIT_MS, intervalMs: 50, what: 'the preferred leader of lagging, all replicas in sync' },
  );
  const steady0 = await inSync(STEADY, cluster.ids);
  const leader = lagging0.leader;
  // The follower to stop: one that leads neither topic, so both keep their leader while it is away.
  const follower = cluster.ids.find((id) => id !== leader && id !== steady0.leader);
  const third = cluster.ids.find((id) => id !== leader && id !== follower);
  if (follower === undefined || third === undefined) throw new Error('no follower of both topics');
  t.comment(`lagging led by ${String(leader)}, steady by ${String(steady0.leader)}; follower ${String(follower)}`);

  const producer = new Producer<string>({ ...clientOptions, requestTimeoutMs: 30_000, codec: stringCodec() });
  t.teardown(() => producer.close({ timeoutMs: 1_000 }));
  /** Next record number per topic: values are `<number>|<filler>`, sent in order, so each log reads 0, 1, 2, ... */
  const next = new Map([
    [STEADY, 0],
    [LAGGING, 0],
  ]);
  const produceRounds = async (topic: string, rounds: number): Promise<void> => {
    for (let r = 0; r < rounds; r++) {
      const first = next.get(topic) ?? 0;
      next.set(topic, first + ROUND);
      await Promise.all(
        Array.from({ length: ROUND }, (_, i) =>
          producer.send({ topic, partition: 0, value: `${String(first + i)}|${FILLER}` }),
        ),
      );
    }
  };

  // ---- everyone in sync, then the follower is killed -------------------------------------------------------
  // 5 rounds stay under retention.bytes: nothing deleted yet anywhere.
  await produceRounds(STEADY, 5);
  await produceRounds(LAGGING, 5);
  await inSync(LAGGING, cluster.ids);
  await inSync(STEADY, cluster.ids);
  await cluster.kill(follower);
  // What the follower holds, from its file: it needs the offsets from its end offset on.
  const stale = readReplicaLog(dataDir(follower), LAGGING, 0);
  const staleSteady = readReplicaLog(dataDir(follower), STEADY, 0);
  // Log starts are 0 or 1, not 0: the leader's first no-op (a control row, timestamp 0) goes with the first time
  // retention pass on every topic (control.ts), while no record is ever older than retention.ms here.
  t.ok(
    stale.logStartOffset <= 1,
    `before: the follower holds lagging from its first no-op or record (${String(stale.logStartOffset)})`,
  );
  t.ok(stale.endOffset > 0, `before: the follower holds lagging up to ${String(stale.endOffset)}`);

  // ---- while it is away: steady grows a little, lagging a lot, so retention cuts past the follower's end -------
  await produceRounds(STEADY, 5);
  await produceRounds(LAGGING, 25);
  const cut = await waitFor(
    async () => {
      const p = await describe(LAGGING);
      return p.leader === leader && p.logStartOffset > stale.endOffset ? p : null;
    },
    { timeoutMs: WAIT_MS, intervalMs: 50, what: `the leader's log start of lagging past ${String(stale.endOffset)}` },
  );
  t.comment(`lagging on the leader: [${String(cut.logStartOffset)}, ${String(cut.highWatermark)})`);
  const steadyAway = await describe(STEADY);
  t.ok(steadyAway.logStartOffset <= 1, 'steady keeps every record: no retention gap for its follower');

  // ---- the follower comes back and catches up on both topics, while lagging is written to ------------------
  // Ten more rounds go in as it restarts, so the leader's log start likely moves while it catches up: a snapshot it
  // was sent can then be out of date once installed, and it needs another. (Writing until it shows in the ISR would
  // be unbounded: the ISR is "holds the commit index", which a follower of a busy partition drops out of often.)
  await cluster.restart(follower);
  await produceRounds(LAGGING, 10);
  await inSync(LAGGING, cluster.ids);
  // Nothing is written now. Its own view (metrics) of lagging comes to match the leader's: the same log start (its
  // retention and the leader's cut the same batches), end and high watermark.
  const lagging1 = await waitFor(
    async () => {
      const p = await describe(LAGGING);
      const [start, end, hw] = await Promise.all(
        ['log_start_offset', 'log_end_offset', 'high_watermark'].map((name) => gauge(follower, LAGGING, name)),
      );
      if (p.leader === leader && start === p.logStartOffset && end === p.highWatermark && hw === p.highWatermark) {
        return p;
      }
      // Not yet: thrown, so that a timeout says where it got stuck.
      throw new Error(
        `leader ${String(p.leader)} holds [${String(p.logStartOffset)}, ${String(p.highWatermark)}), the follower ` +
          `[${String(start)}, ${String(end)}) with high watermark ${String(hw)}`,
      );
    },
    { timeoutMs: WAIT_MS, intervalMs: 50, what: "the follower's lagging log to match the leader's" },
  );
  t.ok(
    lagging1.logStartOffset > stale.endOffset,
    `the follower holds lagging [${String(lagging1.logStartOffset)}, ${String(lagging1.highWatermark)}) as the ` +
      `leader does, not from its old end ${String(stale.endOffset)}`,
  );
  const steady1 = await inSync(STEADY, cluster.ids);
  await waitFor(
    async () =>
      (await gauge(follower, STEADY, 'log_end_offset')) === steady1.highWatermark &&
      (await gauge(follower, STEADY, 'log_start_offset')) <= 1,
    { timeoutMs: WAIT_MS, intervalMs: 50, what: 'the follower to hold the whole of steady' },
  );

  // ---- the caught-up follower becomes the leader -----------------------------------------------------------
  // The third replica is killed while more is written, so that its log is behind the follower's: then only the
  // follower can win the election once the leader is killed too (Raft §5.4.1), and, with retention cutting on the
  // follower as well, the third replica needs a snapshot in turn, this time from the caught-up follower. (SIGSTOP
  // would not do: appends sent to a paused process wait in its socket buffer and it reads them all on SIGCONT.)
  await cluster.kill(third);
  const thirdEnd = readReplicaLog(dataDir(third), LAGGING, 0).endOffset;
  await produceRounds(LAGGING, 10);
  const written = next.get(LAGGING) ?? 0;
  await waitFor(async () => (await gauge(follower, LAGGING, 'log_start_offset')) > thirdEnd, {
    timeoutMs: WAIT_MS,
    intervalMs: 50,
    what: `the follower's log start of lagging past the third replica's end ${String(thirdEnd)}`,
  });
  await waitFor(
    async () => (await describe(LAGGING)).highWatermark === (await gauge(follower, LAGGING, 'log_end_offset')),
    { timeoutMs: WAIT_MS, intervalMs: 50, what: 'the follower to hold every committed batch of lagging' },
  );
  await cluster.kill(leader);
  await cluster.restart(third);
  const promoted = await waitFor(
    async () => {
      const p = await describe(LAGGING);
      if (p.leader === follower && p.isr.includes(third)) return p;
      // Not yet: thrown, so that a timeout says where it got stuck.
      throw new Error(`lagging is led by ${String(p.leader)}, ISR ${p.isr.join(',')}`);
    },
    { timeoutMs: WAIT_MS, intervalMs: 50, what: 'the follower leading lagging, the third replica back in sync' },
  );
  t.pass(`the follower leads lagging, log [${String(promoted.logStartOffset)}, ${String(promoted.highWatermark)})`);

  // Every committed record from the new leader's log start: consecutive numbers up to the last one sent.
  const consumer = new Consumer<string>({ ...clientOptions, codec: stringCodec(), from: 'earliest' });
  t.teardown(() => consumer.close());
  await consumer.assign([{ topic: LAGGING, partition: 0 }]);
  const records = await consumeUntil(consumer, (r) => r.at(-1)?.value?.startsWith(`${String(written - 1)}|`) === true, {
    timeoutMs: WAIT_MS,
  });
  const numbers = records.map((r) => Number(valueOf(r).split('|')[0]));
  const firstNumber = numbers[0] ?? -1;
  // Nothing is deleted meanwhile: the size cut is done and the new leader's no-op holds no bytes.
  t.equal(records[0]?.offset, promoted.logStartOffset, 'the first record read is at the log start');
  t.same(
    numbers,
    Array.from({ length: written - firstNumber }, (_, i) => firstNumber + i),
    `the new leader serves records ${String(firstNumber)}..${String(written - 1)} with no gap and no repeat`,
  );

  // ---- the files, once the brokers are stopped -------------------------------------------------------------
  await waitFor(
    async () => (await gauge(third, LAGGING, 'log_end_offset')) === (await gauge(follower, LAGGING, 'log_end_offset')),
    { timeoutMs: WAIT_MS, intervalMs: 50, what: 'the third replica to hold the whole of lagging' },
  );
  await waitFor(
    async () => (await gauge(third, STEADY, 'log_end_offset')) === (await gauge(follower, STEADY, 'log_end_offset')),
    { timeoutMs: WAIT_MS, intervalMs: 50, what: 'the third replica to hold the whole of steady' },
  );
  await consumer.close();
  await cluster.kill(follower);
  await cluster.kill(third);
  const logs = (topic: string): Map<number, ReplicaLog> =>
    new Map(cluster.ids.map((id) => [id, readReplicaLog(dataDir(id), topic, 0)]));

  const lagging = logs(LAGGING);
  const caughtUp = lagging.get(follower);
  const rejoined = lagging.get(third);
  const old = lagging.get(leader);
  if (caughtUp === undefined || rejoined === undefined || old === undefined)
    throw new Error('a replica log is missing');
  t.ok(
    caughtUp.logStartOffset > stale.endOffset,
    `lagging on the follower starts at ${String(caughtUp.logStartOffset)}, past its old end ${String(stale.endOffset)}: ` +
      'it restarted from the leader log start',
  );
  t.ok(
    rejoined.logStartOffset > thirdEnd,
    'lagging on the third replica starts past where it was killed: it restarted from the new leader log start',
  );
  t.equal(rejoined.endOffset, caughtUp.endOffset, 'lagging: the third replica ends where the new leader does');
  sameFrom(t, caughtUp, rejoined, 'lagging: third replica and new leader');
  // The old leader was killed before the new leader's no-op: its log is the same up to its end.
  t.ok(old.endOffset <= caughtUp.endOffset, 'lagging: the old leader holds nothing beyond the new leader');
  sameFrom(t, caughtUp, old, 'lagging: old and new leader');

  const steady = logs(STEADY);
  const steadyFollower = steady.get(follower);
  if (steadyFollower === undefined) throw new Error('the follower has no steady log');
  // No reset (which would start it at the leader's log start, past the first records): plain replication.
  t.ok(steadyFollower.logStartOffset <= 1, 'steady on the follower still starts at its first no-op or record');
  t.ok(steadyFollower.endOffset > staleSteady.endOffset, 'steady on the follower grew past where it stopped');
  t.same(
    steadyFollower.records.map((r) => Number(r.value.split('|')[0])),
    Array.from({ length: next.get(STEADY) ?? 0 }, (_, i) => i),
    'steady on the follower: every record, in order',
  );
  for (const id of cluster.ids) {
    const log = steady.get(id);
    if (log === undefined || id === follower) continue;
    t.ok(log.logStartOffset <= 1, `steady on broker ${String(id)} starts at its first no-op or record`);
    sameFrom(t, steadyFollower, log, `steady: broker ${String(id)} and the follower`);
  }
});

/**
 * The two copies hold the same batches (offsets and CRC) and records wherever both have them: from the later log
 * start to the earlier end. Each must hold at least one batch there.
 */
function sameFrom(t: Test, a: ReplicaLog, b: ReplicaLog, what: string): void {
  const from = Math.max(a.logStartOffset, b.logStartOffset);
  const to = Math.min(a.endOffset, b.endOffset);
  const batches = (log: ReplicaLog) => log.batches.filter((x) => x.baseOffset >= from && x.lastOffset < to);
  const records = (log: ReplicaLog) => log.records.filter((x) => x.offset >= from && x.offset < to);
  t.ok(batches(a).length > 0, `${what}: batches in common in [${String(from)}, ${String(to)})`);
  t.same(batches(a), batches(b), `${what}: identical batches in [${String(from)}, ${String(to)})`);
  t.same(records(a), records(b), `${what}: identical records in [${String(from)}, ${String(to)})`);
}
