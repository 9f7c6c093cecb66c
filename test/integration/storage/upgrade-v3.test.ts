/**
 * Upgrade from storage schema v3 (shards whose batches hold Brook's own record encoding): brokers start on copies of
 * data directories written by that release (test/fixtures/data-v3, see its README) and must serve every record at
 * its old offset with its timestamp, key (or null key), value and headers (a null header value too), and the group
 * offsets committed back then.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Admin, type ConsumerRecord } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { startTestCluster } from '../../helpers/cluster.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { fixturesOf, readTopic } from '../../helpers/upgrade-fixtures.js';

const FIXTURES = fixturesOf(3);
const RECORDS = 40;
/** Timestamp of record 0; record `i` was stamped `T0 + i`. */
const T0 = 1_700_000_000_000;

/** A record as the test compares it: partition, offset, timestamp, key, value, headers (null stays null). */
interface Row {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly (readonly [string, string | null])[];
}

/** What the fixture's producer sent as record `i` to `partition` at `offset` (see the fixture README). */
function sent(i: number, partition: number, offset: number): Row {
  return {
    partition,
    offset,
    timestamp: T0 + i,
    key: i % 5 === 4 ? null : `k${String(i % 7)}`,
    value: `v${String(i)}`,
    headers:
      i % 3 === 0
        ? [
            ['n', String(i)],
            ['empty', null],
          ]
        : [['n', String(i)]],
  };
}

function rows(records: readonly ConsumerRecord<string>[]): Row[] {
  const decoder = new TextDecoder();
  const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : decoder.decode(bytes));
  return records
    .map((r) => ({
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: text(r.key),
      value: r.value,
      headers: r.headers.map(([name, value]): [string, string | null] => [name, text(value)]),
    }))
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Records 0-39 spread over `partitions` partitions (record `i` to `i % partitions`), from offset `first` on. */
function expected(partitions: number, first: number): Row[] {
  return Array.from({ length: RECORDS }, (_, i) => sent(i, i % partitions, first + Math.floor(i / partitions))).sort(
    (a, b) => a.partition - b.partition || a.offset - b.offset,
  );
}

/** The group offsets committed on `topic`, per partition. */
async function committed(bootstrap: string, topic: string): Promise<number[]> {
  const admin = new Admin({ bootstrap });
  try {
    const offsets = await admin.committedOffsets('fixture-group');
    return offsets
      .filter((o) => o.topic === topic)
      .sort((a, b) => a.partition - b.partition)
      .map((o) => o.offset);
  } finally {
    await admin.close();
  }
}

void t.test('a broker without peers (no Raft): every record at its old offset, and the group offsets', async (t) => {
  const dataDir = tempDir(t, 'brook-upgrade-');
  fs.cpSync(path.join(FIXTURES, 'standalone'), dataDir, { recursive: true });
  const broker = await startBrokerProcess(t, { dataDir });
  t.same(rows(await readTopic(broker.bootstrap, 'orders', [20, 20])), expected(2, 0), 'records 0-39 from offset 0 on');
  t.same(await committed(broker.bootstrap, 'orders'), [7, 7], 'the committed offsets are still 7 on each partition');
});

// In a cluster, offset 0 of each partition holds its first leader's control entry (consumers never see it).
void t.test('a one-broker cluster: every record at its old offset, and the committed group offsets', async (t) => {
  const cluster = await startTestCluster(t, { size: 1, copyFrom: () => path.join(FIXTURES, 'single') });
  t.same(rows(await readTopic(cluster.bootstrap, 'orders', [21, 21])), expected(2, 1), 'records 0-39 from offset 1 on');
  t.same(await committed(cluster.bootstrap, 'orders'), [8, 8], 'the committed offsets are still 8 on each partition');
});

void t.test('three brokers: the replicated partition, its Raft state and the group offsets survive', async (t) => {
  const cluster = await startTestCluster(t, {
    size: 3,
    copyFrom: (id) => path.join(FIXTURES, `cluster-${String(id)}`),
  });
  t.same(rows(await readTopic(cluster.bootstrap, 'replicated', [41])), expected(1, 1), 'records 0-39 from offset 1 on');
  t.same(await committed(cluster.bootstrap, 'replicated'), [15], 'the committed offset is still 15');
});
