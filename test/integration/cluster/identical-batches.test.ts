/**
 * Followers store byte-identical batches: a RecordBatch v2 is stored as the producer encoded it, with only
 * baseOffset and partitionLeaderEpoch set, and every replica sets the same values for the same Raft entry. The rows
 * of a replicated partition are read straight from each broker's shard files and compared byte for byte.
 */
import t from 'tap';
import { Admin, Producer, stringCodec } from '../../../client/index.js';
import { readRecordBatchHeader, validateRecordBatch } from '../../../protocol/index.js';
import { startTestCluster } from '../../helpers/cluster.js';
import { findInShards } from '../../helpers/shard-files.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOPIC = 'same-bytes';
const RECORDS = 60;

/** `[base_offset, payload hex]` of every row of the partition on the broker with data dir `dataDir`. */
function rows(dataDir: string): [number, string][] {
  return (
    findInShards(dataDir, { readonly: true }, (db) => {
      const found = db
        .prepare<[string], [number, Buffer]>(
          'SELECT b.base_offset, b.payload FROM batches b JOIN partitions p USING (part) WHERE p.name = ? ORDER BY b.base_offset',
        )
        .raw()
        .all(`${TOPIC}-0`);
      return found.length === 0
        ? undefined
        : found.map(([base, payload]): [number, string] => [base, payload.toString('hex')]);
    }) ?? []
  );
}

void t.test('the three replicas of a partition hold the same bytes for every batch', async (t) => {
  const cluster = await startTestCluster(t, { size: 3 });
  const admin = new Admin({ bootstrap: cluster.bootstrap });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: 1, replicationFactor: 3 });
  const producer = new Producer<string>({ bootstrap: cluster.bootstrap, codec: stringCodec(), idempotent: true });
  t.teardown(() => producer.close());
  await Promise.all(
    Array.from({ length: RECORDS }, (_, i) =>
      producer.send({
        topic: TOPIC,
        key: i % 4 === 0 ? null : `k${String(i)}`,
        value: `v${String(i)}`,
        headers: { n: String(i) },
      }),
    ),
  );
  await producer.flush();
  const dirs = cluster.ids.map((id) => cluster.dataDir(id));
  const all = await waitFor(
    () => {
      const each = dirs.map(rows);
      const counts = each.map((r) => r.length);
      return counts.every((n) => n > 0 && n === counts[0]) && each.every((r) => r.at(-1)?.[0] === each[0]?.at(-1)?.[0])
        ? each
        : undefined;
    },
    { timeoutMs: 30_000, what: 'every replica holds the same rows' },
  );
  const [first, ...others] = all;
  for (const [i, other] of others.entries()) t.same(other, first, `broker ${String(i + 2)} holds broker 1's bytes`);
  for (const [base, hex] of first ?? []) {
    const bytes = Buffer.from(hex, 'hex');
    t.equal(readRecordBatchHeader(bytes).baseOffset, base, `the batch at ${String(base)} carries its offset`);
    t.equal(validateRecordBatch(bytes).magic, 2, `the batch at ${String(base)} is a valid RecordBatch v2`);
  }
});
