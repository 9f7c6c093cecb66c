/**
 * Crash recovery of a real broker process: a producer writes while the broker is killed with SIGKILL; after a
 * restart on the same data dir every acknowledged record is at its acknowledged offset with its value, offsets have
 * no gaps, and new records continue at the next offset. Under the default flush policy (interval) and `always`, with
 * the topic's partitions spread over both of the broker's storage shards, so the kill hits every shard mid-write.
 */
import t from 'tap';
import type { Test } from 'tap';
import { Admin, Consumer, Producer, stringCodec, type ConsumerRecord } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { findInShards } from '../../helpers/shard-files.js';
import { consumeToOffsets } from '../../helpers/consume.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { valueOf } from '../../helpers/consume.js';

const TOPIC = 'crash';
const PARTITIONS = 4;
/** Storage shards of the broker: every one of them holds some of the topic's partitions. */
const SHARDS = 2;
/** Acknowledged records before the kill. */
const ACKED_BEFORE_KILL = 5_000;
/** Records per partition produced after the restart. */
const AFTER_RESTART = 500;

interface Acked {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/** How many shard files of `dataDir` hold partitions of {@link TOPIC}. */
function shardsHoldingTopic(dataDir: string): number {
  let holding = 0;
  findInShards(dataDir, { readonly: false }, (db) => {
    const count = db
      .prepare<[string], number>('SELECT count(*) FROM partitions WHERE name LIKE ?')
      .pluck()
      .get(`${TOPIC}-%`);
    if (count !== undefined && count > 0) holding++;
    return undefined;
  });
  return holding;
}

async function crashAndRecover(t: Test, flushArgs: readonly string[], acks: 1 | 'all'): Promise<void> {
  const dataDir = tempDir(t);
  const args = [...flushArgs, '--storage-shards', String(SHARDS)];
  const first = await startBrokerProcess(t, { dataDir, args });
  const admin = new Admin({ bootstrap: first.bootstrap });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: PARTITIONS });

  // ---- produce until well past ACKED_BEFORE_KILL acknowledgements, and kill the broker while sends are in flight --
  const producer = new Producer<string>({
    bootstrap: first.bootstrap,
    codec: stringCodec(),
    acks,
    lingerMs: 1,
    batchBytes: 16 * 1024,
    // A dead broker must fail the sends quickly instead of retrying for two minutes.
    deliveryTimeoutMs: 3_000,
    reconnectMaxRetries: 2,
    reconnectBackoffMs: { initial: 50, max: 200 },
  });
  t.teardown(() => producer.close({ timeoutMs: 1_000 }));
  const acked: Acked[] = [];
  let failed = 0;
  const control = { stop: false };
  const producing = (async () => {
    for (let i = 0; !control.stop; i++) {
      const value = `value-${String(i)}`;
      const partition = i % PARTITIONS;
      producer.send({ topic: TOPIC, partition, value }).then(
        (meta) => {
          acked.push({ partition: meta.partition, offset: meta.offset, value });
        },
        () => {
          failed++;
        },
      );
      // Yield now and then so acknowledgements (and the test's kill) get their turn.
      if (i % 64 === 63) await new Promise<void>((resolve) => setImmediate(resolve));
      await producer.whenWritable();
    }
  })();
  await waitFor(() => acked.length >= ACKED_BEFORE_KILL, {
    timeoutMs: 30_000,
    what: `${String(ACKED_BEFORE_KILL)} acknowledgements`,
  });
  const inFlightBytes = producer.bufferedRecordBytes;
  first.kill('SIGKILL');
  const exit = await first.exited;
  control.stop = true;
  // Whatever was not acknowledged by now fails (CLOSED); close also wakes the loop if it waits for buffer room.
  await producer.close({ timeoutMs: 1_000 });
  await producing;
  t.equal(exit.signal, 'SIGKILL', 'the broker died of SIGKILL');
  t.equal(shardsHoldingTopic(dataDir), SHARDS, `the topic's partitions are spread over all ${String(SHARDS)} shards`);
  t.ok(inFlightBytes > 0, `records were in flight when the broker was killed (${String(inFlightBytes)} bytes)`);
  const ackedAtKill = acked.length;
  t.comment(`${String(ackedAtKill)} records acknowledged, ${String(failed)} failed or unacknowledged at the crash`);

  // ---- restart on the same data dir (new ports) and read everything ----------------------------------------------
  const second = await startBrokerProcess(t, { dataDir, args });
  const admin2 = new Admin({ bootstrap: second.bootstrap });
  const consumer = new Consumer<string>({ bootstrap: second.bootstrap, codec: stringCodec(), from: 'earliest' });
  t.teardown(() => Promise.all([admin2.close(), consumer.close()]));
  const starts = (await admin2.listOffsets(TOPIC, 'earliest')).map((p) => p.offset);
  const ends = (await admin2.listOffsets(TOPIC, 'latest')).map((p) => p.offset);
  t.same(starts, Array<number>(PARTITIONS).fill(0), 'nothing was deleted from the head');
  await consumer.assign(TOPIC);
  const records = await consumeToOffsets(consumer, TOPIC, ends);

  const byPartition: ConsumerRecord<string>[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const record of records) byPartition[record.partition]?.push(record);
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = byPartition[p]?.map((r) => r.offset) ?? [];
    const gapless = offsets.every((offset, i) => offset === i);
    t.ok(
      gapless && offsets.length === ends[p],
      `partition ${String(p)}: offsets 0..${String((ends[p] ?? 0) - 1)} without gaps or repeats`,
    );
  }
  let missing = 0;
  for (const a of acked) {
    const record = byPartition[a.partition]?.[a.offset];
    if (record?.value !== a.value) {
      if (missing++ < 10)
        t.fail(`acknowledged ${a.value} at ${String(a.partition)}:${String(a.offset)}, found ${String(record?.value)}`);
    }
  }
  t.equal(missing, 0, `all ${String(acked.length)} acknowledged records are at their offsets with their values`);
  const values = records.map((r) => r.value);
  t.equal(new Set(values).size, values.length, 'no record was stored twice');
  t.comment(
    `recovered ${String(records.length)} records (${String(records.length - acked.length)} beyond the acknowledged ones)`,
  );

  // ---- new records continue at the next offsets ------------------------------------------------------------------
  const producer2 = new Producer<string>({ bootstrap: second.bootstrap, codec: stringCodec(), acks });
  t.teardown(() => producer2.close({ timeoutMs: 1_000 }));
  const sends: Promise<{ partition: number; offset: number }>[] = [];
  for (let i = 0; i < AFTER_RESTART * PARTITIONS; i++) {
    sends.push(producer2.send({ topic: TOPIC, partition: i % PARTITIONS, value: `after-${String(i)}` }));
  }
  const metas = await Promise.all(sends);
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = metas.filter((m) => m.partition === p).map((m) => m.offset);
    const end = ends[p] ?? 0;
    t.same(
      offsets,
      Array.from({ length: AFTER_RESTART }, (_, i) => end + i),
      `partition ${String(p)}: new records at ${String(end)}.. in order`,
    );
  }
  const newEnds = ends.map((end) => end + AFTER_RESTART);
  const after = await consumeToOffsets(consumer, TOPIC, newEnds);
  t.equal(after.length, AFTER_RESTART * PARTITIONS, 'the consumer reads exactly the new records');
  for (let p = 0; p < PARTITIONS; p++) {
    const end = ends[p] ?? 0;
    const mine = after.filter((r) => r.partition === p);
    t.same(
      mine.map((r) => r.offset),
      Array.from({ length: AFTER_RESTART }, (_, i) => end + i),
      `partition ${String(p)}: the new records follow on without gaps`,
    );
  }
  t.ok(
    after.every((r) => metas[Number(valueOf(r).slice('after-'.length))]?.offset === r.offset),
    'each new record is at the offset its send reported',
  );
  t.equal((await second.stop()).code, 0, 'the restarted broker shuts down cleanly on SIGTERM');
}

void t.test('SIGKILL mid-produce, default flush (interval), acks=1: nothing acknowledged is lost', (t) =>
  crashAndRecover(t, [], 1),
);

void t.test('SIGKILL mid-produce, --flush always, acks=all: nothing acknowledged is lost', (t) =>
  crashAndRecover(t, ['--flush', 'always'], 'all'),
);
