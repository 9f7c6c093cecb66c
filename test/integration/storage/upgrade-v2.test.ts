/**
 * Upgrade from storage schema v2: brokers start on copies of data directories written by an older release
 * (test/fixtures/data-v2, see its README) and must serve every record at its old offset, with its key, value and
 * headers, and the group offsets committed back then. A broker that cannot read old data loses a user's log.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Admin, type ConsumerRecord } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { startTestCluster } from '../../helpers/cluster.js';
import { valueOf } from '../../helpers/consume.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { fixturesOf, readTopic } from '../../helpers/upgrade-fixtures.js';

const FIXTURES = fixturesOf(2);
const RECORDS = 30;
/** Offset 0 of each partition holds its first leader's control entry (consumers never see it); records follow. */
const FIRST = 1;

/** What the fixture's producer sent as record `i` (see the fixture README). */
function sent(i: number): { key: string; value: string; header: string } {
  return { key: `k${String(i % 7)}`, value: `v${String(i)}`, header: String(i) };
}

/** `[partition, offset, key, value, header n]` of each record, sorted. */
function rows(records: readonly ConsumerRecord<string>[]): [number, number, string, string, string][] {
  const decoder = new TextDecoder();
  return records
    .map((r): [number, number, string, string, string] => {
      const header = r.headers.find(([name]) => name === 'n')?.[1];
      return [
        r.partition,
        r.offset,
        r.key === null ? '' : decoder.decode(r.key),
        valueOf(r),
        header === undefined || header === null ? '' : decoder.decode(header),
      ];
    })
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

void t.test('a broker without peers (no Raft): every record at its old offset, and the group offsets', async (t) => {
  const dataDir = tempDir(t, 'brook-upgrade-');
  fs.cpSync(path.join(FIXTURES, 'standalone'), dataDir, { recursive: true });
  const broker = await startBrokerProcess(t, { dataDir });
  const expected = Array.from({ length: RECORDS }, (_, i): [number, number, string, string, string] => {
    const { key, value, header } = sent(i);
    return [i % 2, Math.floor(i / 2), key, value, header];
  }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  t.same(rows(await readTopic(broker.bootstrap, 'orders', [15, 15])), expected, 'records 0-29 from offset 0 on');
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  const committed = await admin.committedOffsets('fixture-group');
  const read = committed.filter((o) => o.topic === 'orders').reduce((sum, o) => sum + o.offset, 0);
  t.equal(read, 12, 'the positions after the 12 records the group read are still committed');
});

void t.test('a one-broker cluster: every record at its old offset, and the committed group offsets', async (t) => {
  const cluster = await startTestCluster(t, { size: 1, copyFrom: () => path.join(FIXTURES, 'single') });
  const expected = Array.from({ length: RECORDS }, (_, i): [number, number, string, string, string] => {
    const { key, value, header } = sent(i);
    return [i % 2, FIRST + Math.floor(i / 2), key, value, header];
  }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  t.same(
    rows(await readTopic(cluster.bootstrap, 'orders', [FIRST + 15, FIRST + 15])),
    expected,
    'records 0-29 as written',
  );

  const admin = new Admin({ bootstrap: cluster.bootstrap });
  t.teardown(() => admin.close());
  const committed = await admin.committedOffsets('fixture-group');
  const read = committed.filter((o) => o.topic === 'orders').reduce((sum, o) => sum + o.offset - FIRST, 0);
  t.equal(read, 12, 'the positions after the 12 records the group read are still committed');
});

void t.test('three brokers: the replicated partition and its Raft state survive', async (t) => {
  const cluster = await startTestCluster(t, {
    size: 3,
    copyFrom: (id) => path.join(FIXTURES, `cluster-${String(id)}`),
  });
  const expected = Array.from({ length: RECORDS }, (_, i): [number, number, string, string, string] => {
    const { key, value, header } = sent(i);
    return [0, FIRST + i, key, value, header];
  });
  t.same(
    rows(await readTopic(cluster.bootstrap, 'replicated', [FIRST + RECORDS])),
    expected,
    'records 0-29 as written',
  );
});
