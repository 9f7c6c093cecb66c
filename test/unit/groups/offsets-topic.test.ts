/** The `__offsets` helpers: the group -> partition hash is Kafka's murmur2, and batches decode to their entries. */
import t from 'tap';
import { deleteEntry, offsetsEntry } from '../../../broker/groups/offsets-records.js';
import {
  decodeBatch,
  encodeBatches,
  MAX_OFFSETS_BATCH_BYTES,
  offsetsPartitionFor,
  offsetsTopicSpec,
} from '../../../broker/groups/offsets-topic.js';
import { partitionForKey } from '../../../protocol/murmur2.js';
import { CHECKPOINT_END, CHECKPOINT_START, CONTROL_BATCH } from '../../../broker/log/control.js';
import { setBaseOffset } from '../../../protocol/index.js';

void t.test("the partition of a group is Kafka's default partitioner over its id", (t) => {
  const utf8 = new TextEncoder();
  for (const id of ['', 'a', 'billing', 'group-with-a-long-name.v2', 'x'.repeat(255)]) {
    t.equal(offsetsPartitionFor(id, 16), partitionForKey(utf8.encode(id), 16), id);
  }
  t.equal(offsetsPartitionFor('billing', 16), offsetsPartitionFor('billing', 16));
  const spread = new Set(Array.from({ length: 200 }, (_, i) => offsetsPartitionFor(`g${String(i)}`, 16)));
  t.equal(spread.size, 16, 'groups spread over every partition');
  t.equal(offsetsTopicSpec(16, 5).replicationFactor, 3);
  t.equal(offsetsTopicSpec(16, 1).replicationFactor, 1);
  t.same(offsetsTopicSpec(16, 3).config, { 'cleanup.policy': 'checkpoint' }, 'checkpoint cleanup, no time retention');
  t.end();
});

void t.test('entries go out in bounded batches and come back in order; control batches hold none', (t) => {
  const big = 'm'.repeat(3000);
  const entries = Array.from({ length: 400 }, (_, i) =>
    offsetsEntry(`g${String(i)}`, [{ topic: 'orders', partition: 0, offset: i, metadata: big }]),
  );
  entries.push(deleteEntry('g0'));
  const batches = encodeBatches(entries, 1_000);
  t.ok(batches.length > 1, 'split');
  t.ok(batches.every((b) => b.bytes.byteLength <= MAX_OFFSETS_BATCH_BYTES + 1024));
  let offset = 0;
  const back = batches.flatMap((b) => {
    setBaseOffset(b.bytes, offset);
    const fetched = { ...b, baseOffset: offset, term: 1 };
    offset += b.count;
    return decodeBatch(fetched, () => t.fail('nothing skipped'));
  });
  t.same(back, entries);
  const first = batches[0];
  if (first !== undefined) {
    t.same(
      decodeBatch({ ...first, baseOffset: 0, term: 1, attributes: CONTROL_BATCH }, () => undefined),
      [],
    );
    const skipped: number[] = [];
    t.same(
      decodeBatch({ ...first, baseOffset: 0, term: 1, bytes: new Uint8Array([1, 2, 3]) }, (at) => skipped.push(at)),
      [],
    );
    t.same(skipped, [0], 'a corrupt batch is reported and skipped');
  }
  t.end();
});

void t.test('a checkpoint marks its first batch as the start and its last as the end', (t) => {
  const entries = Array.from({ length: 400 }, (_, i) => offsetsEntry(`g${String(i)}`, []));
  const one = encodeBatches(entries.slice(0, 1), 5, true);
  t.same(
    one.map((b) => b.attributes),
    [CHECKPOINT_START | CHECKPOINT_END],
    'a single batch is both',
  );
  const big = Array.from({ length: 400 }, (_, i) =>
    offsetsEntry(`g${String(i)}`, [{ topic: 'm'.repeat(3000), partition: 0, offset: i }]),
  );
  const many = encodeBatches(big, 5, true);
  t.ok(many.length > 2, 'several batches');
  t.same(
    many.map((b) => b.attributes),
    [CHECKPOINT_START, ...Array.from({ length: many.length - 2 }, () => 0), CHECKPOINT_END],
  );
  t.same(
    encodeBatches(big, 5).map((b) => b.attributes),
    many.map(() => 0),
    'without a checkpoint, no marks',
  );
  t.end();
});
