import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { TopicRecord } from '../../../broker/topics/topic-registry.js';
import { PartitionRegistry, type PartitionRegistryOptions } from '../../../broker/partitions/partition-registry.js';
import { storedLogNames } from '../../helpers/shard-files.js';
import { batchOf, tempDir } from './fixtures.js';

function topic(name: string, partitions: number, fields: Partial<TopicRecord> = {}): TopicRecord {
  return {
    name,
    partitions,
    replicationFactor: 1,
    replicas: Array.from({ length: partitions }, () => [1]),
    config: {},
    createdMs: 0,
    ...fields,
  };
}

function registry(t: Test, dataDir: string, options: Partial<PartitionRegistryOptions> = {}): PartitionRegistry {
  const r = new PartitionRegistry({
    dataDir,
    brokerId: 1,
    flush: 'never',
    retentionDefaults: { retentionMs: -1, retentionBytes: -1 },
    maxMessageBytes: 1 << 20,
    ...options,
  });
  t.teardown(() => r.closeAll());
  return r;
}

void t.test('create opens a log for every partition; lookups name what is missing', async (t) => {
  const dir = tempDir(t);
  const r = registry(t, dir);
  await r.createTopic(topic('orders', 2));
  t.equal(r.partition('orders', 1).partition, 1);
  t.equal([...r.all()].length, 2);
  t.throws(() => r.partition('nope', 0), { code: 'UNKNOWN_TOPIC' });
  t.throws(() => r.partition('orders', 2), { code: 'UNKNOWN_PARTITION', message: /has no partition 2 \(it has 2\)/ });
  await t.rejects(r.createTopic(topic('orders', 1)), { code: 'TOPIC_EXISTS' });
  await r.closeAll();
  t.same(storedLogNames(dir), ['orders-0', 'orders-1'], 'both logs are stored');
});

void t.test('partitions hosted elsewhere or led by another broker answer NOT_LEADER with the leader', async (t) => {
  const r = registry(t, tempDir(t));
  await r.createTopic(
    topic('spread', 2, {
      replicationFactor: 2,
      replicas: [
        [2, 3],
        [2, 1],
      ],
    }),
  );
  t.throws(() => r.partition('spread', 0), { code: 'NOT_LEADER', leaderId: 2 });
  t.equal(r.partition('spread', 1).leaderId, 2, 'a follower replica is hosted');
  t.throws(() => r.leader('spread', 1), { code: 'NOT_LEADER', leaderId: 2 });
  t.equal(r.partition('spread', 1).highWatermark, 0);
});

void t.test(
  'delete closes the partitions, tells watchers, removes directories; a new topic starts empty',
  async (t) => {
    const dir = tempDir(t);
    const r = registry(t, dir);
    await r.createTopic(topic('gone', 1));
    const p = r.partition('gone', 0);
    await p.append(batchOf(5), 1, 1000);
    const events: string[] = [];
    p.watch((e) => events.push(e));
    const deleting = r.deleteTopic('gone');
    t.throws(() => r.partition('gone', 0), { code: 'UNKNOWN_TOPIC' }, 'unknown from the moment of the delete');
    const recreating = r.createTopic(topic('gone', 1));
    await deleting;
    t.same(events, ['closed']);
    await recreating;
    t.equal(r.partition('gone', 0).highWatermark, 0, 'recreated after the delete finished: empty');
    await r.deleteTopic('gone');
    t.notOk(fs.existsSync(path.join(dir, 'gone-0')));
    await r.deleteTopic('gone');
  },
);

void t.test('reopen recovers offsets, removes the logs of deleted topics, keeps other files', async (t) => {
  const dir = tempDir(t);
  const first = new PartitionRegistry({
    dataDir: dir,
    brokerId: 1,
    flush: 'never',
    retentionDefaults: { retentionMs: -1, retentionBytes: -1 },
    maxMessageBytes: 1 << 20,
  });
  await first.openAll([]);
  await first.createTopic(topic('kept', 1));
  await first.createTopic(topic('a-1', 1));
  await first.createTopic(topic('orphan', 1));
  await first.partition('kept', 0).append(batchOf(4), 1, 1000);
  await first.closeAll();
  fs.mkdirSync(path.join(dir, 'not-a-partition-7'));
  fs.writeFileSync(path.join(dir, 'meta.db'), '');

  const warnings: string[] = [];
  const second = registry(t, dir, { warn: (_fields, message) => warnings.push(message) });
  await second.openAll([topic('kept', 1), topic('a-1', 1)]);
  t.equal(second.partition('kept', 0).highWatermark, 4);
  t.equal(second.partition('kept', 0).logEndOffset, 4);
  t.ok(fs.existsSync(path.join(dir, 'not-a-partition-7')), 'directories without a log are left alone');
  t.ok(fs.existsSync(path.join(dir, 'meta.db')));
  t.same(warnings, ['removing the log of a deleted topic']);
  await second.closeAll();
  t.same(storedLogNames(dir), ['a-1-0', 'kept-0'], 'the orphan log is removed');
});

void t.test('syncAppended syncs only what was appended since the last pass', async (t) => {
  const r = registry(t, tempDir(t));
  await r.createTopic(topic('s', 3));
  t.equal(r.syncAppended(), 0);
  await Promise.all([r.partition('s', 0).append(batchOf(1), 1, 1000), r.partition('s', 2).append(batchOf(1), 1, 1000)]);
  t.equal(r.syncAppended(), 2);
  t.equal(r.syncAppended(), 0);
});

void t.test("retentionPass applies each topic's retention", async (t) => {
  const r = registry(t, tempDir(t), { retentionDefaults: { retentionMs: -1, retentionBytes: -1 } });
  await r.createTopic(topic('short', 1, { config: { 'retention.ms': '1000' } }));
  await r.createTopic(topic('forever', 1));
  await r.partition('short', 0).append(batchOf(1, 1_000), 1, 1000);
  await r.partition('short', 0).append(batchOf(1, 5_000), 1, 1000);
  await r.partition('forever', 0).append(batchOf(1, 1_000), 1, 1000);
  r.syncAppended();
  t.equal(r.retentionPass(5_500), 1, 'the batch older than 1 s');
  t.equal(r.partition('short', 0).logStartOffset, 1);
  t.equal(r.partition('forever', 0).logStartOffset, 0);
  t.equal(r.syncAppended(), 1, 'the partition whose log start moved is flushed on the next tick');
});

void t.test('partition logs spread over the storage shards, one database file each', async (t) => {
  const dir = tempDir(t);
  const r = registry(t, dir, { storageShards: 2 });
  await r.createTopic(topic('many', 5));
  for (let round = 0; round < 2; round++) {
    await Promise.all([0, 1, 2, 3, 4].map((p) => r.partition('many', p).append(batchOf(1), 1, 1000)));
  }
  for (let p = 0; p < 5; p++) {
    t.equal(r.partition('many', p).read(0, 1 << 20).length, 2, `partition ${String(p)}`);
  }
  t.same(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.db'))
      .sort(),
    ['shard-0.db', 'shard-1.db'],
    'two shard files, no file per partition',
  );
});

void t.test(
  'a move: the arriving replica opens, the staying one learns its replicas, the leaving one deletes its copy',
  async (t) => {
    const before = topic('m', 1, { replicas: [[1, 2]] });
    const during = topic('m', 1, { replicas: [[3, 1]], moving: { 0: [1, 2, 3] } });
    const after = topic('m', 1, { replicas: [[3, 1]] });
    const dirs = [1, 2, 3].map(() => tempDir(t));
    const [one, two, three] = dirs.map((dataDir, i) => registry(t, dataDir, { brokerId: i + 1 }));
    if (one === undefined || two === undefined || three === undefined) throw new Error('three registries');
    for (const r of [one, two, three]) await r.openAll([before]);
    t.throws(() => three.partition('m', 0), { code: 'NOT_LEADER' }, 'broker 3 does not host it yet');

    for (const r of [one, two, three]) await r.moved(during, 0);
    t.same(three.partition('m', 0).replicas, [3, 1], 'broker 3 hosts the arriving replica');
    t.same(one.partition('m', 0).replicas, [3, 1], 'broker 1 knows the new replicas');
    t.same(two.partition('m', 0).replicas, [3, 1], 'broker 2 still hosts it while it moves');

    for (const r of [one, two, three]) await r.moved(after, 0);
    t.throws(() => two.partition('m', 0), { code: 'NOT_LEADER' }, 'broker 2 let it go');
    for (const r of [one, two, three]) await r.closeAll();
    t.same(storedLogNames(dirs[1] ?? ''), [], "broker 2's copy is deleted");
    t.same(storedLogNames(dirs[2] ?? ''), ['m-0'], "broker 3's copy stays");
  },
);

void t.test('on reopen, the copy of a partition moved away while this broker was down is removed', async (t) => {
  const dir = tempDir(t);
  const first = registry(t, dir, { brokerId: 2 });
  await first.openAll([topic('gone', 2, { replicas: [[1, 2], [2]] })]);
  await first.closeAll();
  const warnings: string[] = [];
  const second = registry(t, dir, { brokerId: 2, warn: (_fields, message) => warnings.push(message) });
  await second.openAll([topic('gone', 2, { replicas: [[1, 3], [2]] })]);
  await second.closeAll();
  t.same(storedLogNames(dir), ['gone-1'], 'partition 0 moved to brokers 1 and 3; partition 1 is still here');
  t.same(warnings, ['removing the log of a partition moved away']);
});
