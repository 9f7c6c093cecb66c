import t, { type Test } from 'tap';
import { PartitionLog } from '../../../broker/log/partition-log.js';
import { Partition, type PartitionOptions } from '../../../broker/partitions/partition.js';
import {
  BrookError,
  RecordBatchBuilder,
  decodeRecordBatch,
  readRecordBatchHeader,
  type RecordBatch,
} from '../../../protocol/index.js';
import { CHECKPOINT_END, CHECKPOINT_START, CONTROL_BATCH, CONTROL_CONFIG } from '../../../broker/log/control.js';
import { waitFor } from '../../helpers/wait-for.js';
import { batchOf, ManualTimer, tempDir } from './fixtures.js';

function openPartition(t: Test, options: Partial<PartitionOptions> = {}, dir = tempDir(t)): Partition {
  const log = PartitionLog.openAlone(dir, { flush: 'never', retentionMs: -1, retentionBytes: -1 });
  const partition = new Partition({
    topic: 't',
    partition: 0,
    log,
    replicas: [1],
    leaderId: 1,
    maxMessageBytes: 64 * 1024,
    soleReplica: true,
    ...options,
  });
  t.teardown(() => partition.close('shutdown'));
  return partition;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return err instanceof BrookError ? err.code : `not a BrookError: ${String(err)}`;
  }
  return undefined;
}

void t.test('the high watermark follows each group commit, not the append', async (t) => {
  const p = openPartition(t);
  const pending = Promise.all([p.append(batchOf(2), 1, 1000), p.append(batchOf(3), 1, 1000)]);
  t.equal(p.logEndOffset, 5, 'offsets are assigned at once');
  t.equal(p.highWatermark, 0, 'nothing readable before the commit');
  t.same(p.read(0, 1000), []);
  const ranges = await pending;
  t.same(ranges, [
    { baseOffset: 0, lastOffset: 1 },
    { baseOffset: 2, lastOffset: 4 },
  ]);
  t.equal(p.highWatermark, 5);
  t.same(p.isr, [1]);
});

void t.test('watchers hear once per group commit, and "closed" when the topic is deleted', async (t) => {
  const p = openPartition(t);
  const events: string[] = [];
  const stop = p.watch((e) => events.push(e));
  await Promise.all([p.append(batchOf(1), 1, 1000), p.append(batchOf(1), 1, 1000), p.append(batchOf(1), 0, 1000)]);
  t.same(events, ['data'], 'three appends in one turn: one notification');
  await p.append(batchOf(1), 1, 1000);
  t.same(events, ['data', 'data']);
  stop();
  await p.append(batchOf(1), 1, 1000);
  t.same(events, ['data', 'data'], 'removed listener hears nothing');

  const closedEvents: string[] = [];
  p.watch((e) => closedEvents.push(e));
  await p.close('deleted');
  t.same(closedEvents, ['closed']);
  const late: string[] = [];
  p.watch((e) => late.push(e));
  await Promise.resolve();
  t.same(late, ['closed'], 'a watcher added after the delete hears closed too');
});

void t.test('a throwing watcher does not fail the append', async (t) => {
  const errors: unknown[] = [];
  const p = openPartition(t, { onListenerError: (err) => errors.push(err) });
  p.watch(() => {
    throw new Error('listener bug');
  });
  t.same(await p.append(batchOf(1), 1, 1000), { baseOffset: 0, lastOffset: 0 });
  t.equal(errors.length, 1);
});

void t.test('read returns whole committed batches as stored, within range', async (t) => {
  const p = openPartition(t);
  await p.append(batchOf(3, 100), 1, 1000);
  await p.append(batchOf(2, 200), 1, 1000);
  const batches = p.read(1, 1_000_000);
  t.equal(batches.length, 2, 'starts with the batch containing the offset');
  t.strictSame(
    batches.map((b) => [readRecordBatchHeader(b.bytes).baseOffset, b.baseOffset]),
    [
      [0, 0],
      [3, 3],
    ],
    'the stored bytes carry their base offsets',
  );
  const records = batches.flatMap((b) => decodeRecordBatch(b.bytes)).filter((r) => r.offset >= 1);
  t.same(
    records.map((r) => r.offset),
    [1, 2, 3, 4],
  );
  t.same(
    records.map((r) => r.timestamp),
    [101, 102, 200, 201],
  );
  t.equal(p.read(0, 1).length, 1, 'at least one batch even above maxBytes');
  t.same(p.read(5, 1000), [], 'nothing at the high watermark');
  t.throws(() => p.read(6, 1000), { code: 'OFFSET_OUT_OF_RANGE' });
});

void t.test('oversized and corrupt batches are refused and nothing is appended', async (t) => {
  const p = openPartition(t, { maxMessageBytes: 100 });
  t.equal(await codeOf(p.append(batchOf(20, 0, 10), 1, 1000)), 'MESSAGE_TOO_LARGE');
  const one = batchOf(1);
  const bytes = one.bytes.slice();
  bytes[bytes.byteLength - 1] = (bytes[bytes.byteLength - 1] ?? 0) ^ 0xff; // a record byte, inside the CRC
  t.equal(await codeOf(p.append({ ...one, bytes }, 1, 1000)), 'CORRUPT_BATCH');
  t.equal(p.logEndOffset, 0);
  t.equal(p.highWatermark, 0);
  t.same(await p.append(batchOf(1), 1, 1000), { baseOffset: 0, lastOffset: 0 }, 'the partition still works');
});

void t.test(
  'a batch whose fields differ from its header is refused; one whose bytes are damaged is CORRUPT_BATCH',
  async (t) => {
    const p = openPartition(t);
    const two = batchOf(2);
    t.equal(await codeOf(p.append({ ...two, count: 3 }, 1, 1000)), 'INVALID_REQUEST', 'count too high');
    t.equal(await codeOf(p.append({ ...two, count: 1 }, 1, 1000)), 'INVALID_REQUEST', 'count too low');
    const bytes = two.bytes.slice();
    bytes[bytes.byteLength - 1] = (bytes[bytes.byteLength - 1] ?? 0) ^ 1;
    t.equal(await codeOf(p.append({ ...two, bytes }, 1, 1000)), 'CORRUPT_BATCH', 'damaged in transit: retriable');
    t.equal(p.logEndOffset, 0, 'nothing appended');
    t.same(await p.append(two, 1, 1000), { baseOffset: 0, lastOffset: 1 }, 'the partition still works');
  },
);

void t.test(
  'control and checkpoint bits are refused from producers, checkpoint bits taken from the broker',
  async (t) => {
    const p = openPartition(t);
    const withAttributes = (attributes: number): RecordBatch => {
      const builder = new RecordBatchBuilder();
      builder.add({ key: null, value: null, timestamp: 1 });
      return builder.build(undefined, attributes);
    };
    for (const attributes of [CONTROL_BATCH, CONTROL_CONFIG, CHECKPOINT_START, CHECKPOINT_END]) {
      t.equal(
        await codeOf(p.append(withAttributes(attributes), 1, 1000)),
        'INVALID_REQUEST',
        `bit ${String(attributes)}`,
      );
    }
    t.equal(p.logEndOffset, 0, 'nothing appended');
    t.same(await p.append(withAttributes(CHECKPOINT_START | CHECKPOINT_END), 1, 1000, true), {
      baseOffset: 0,
      lastOffset: 0,
    });
  },
);

void t.test('waitForData: released by an append, or by its deadline', async (t) => {
  const timer = new ManualTimer();
  const p = openPartition(t, { setTimer: timer.set });
  const waiting = p.waitForData(0, 5000);
  t.equal(p.waitingRequests, 1);
  await p.append(batchOf(1), 1, 1000);
  t.equal(await waiting, 'reached');
  t.equal(timer.armed, 0, 'its timer is cleared');

  const idle = p.waitForData(1, 5000);
  timer.advance(4999);
  t.equal(p.waitingRequests, 1);
  timer.advance(1);
  t.equal(await idle, 'timeout');

  const stopping = p.waitForData(1, 5000);
  p.wakeWaiters();
  t.equal(await stopping, 'woken');
});

void t.test('when another replica must commit: the high watermark waits for advanceHighWatermark', async (t) => {
  const timer = new ManualTimer();
  const p = openPartition(t, { soleReplica: false, replicas: [1, 2, 3], setTimer: timer.set });
  t.same(p.isr, [1]);
  const events: string[] = [];
  p.watch((e) => events.push(e));
  t.same(
    await p.append(batchOf(2), 1, 1000),
    { baseOffset: 0, lastOffset: 1 },
    'acks=1 answers after the local append',
  );
  t.equal(p.highWatermark, 0);
  t.same(events, []);

  let acked = false;
  const all = p.append(batchOf(1), -1, 1000).then((r) => {
    acked = true;
    return r;
  });
  await new Promise((resolve) => setImmediate(resolve));
  await Promise.resolve();
  t.equal(acked, false, 'acks=all waits for the commit');
  p.advanceHighWatermark(2);
  t.equal(p.highWatermark, 2);
  t.same(events, ['data']);
  await Promise.resolve();
  t.equal(acked, false, 'still below its batch');
  // The batch's local commit is with the shard's writer: until it answers, the log holds 2 records, then 3.
  await waitFor(() => {
    p.advanceHighWatermark(100);
    return p.highWatermark === 3;
  });
  t.equal(p.highWatermark, 3, 'never past the committed end: 100 was asked, the log holds 3');
  t.same(await all, { baseOffset: 2, lastOffset: 2 });
  p.advanceHighWatermark(1);
  t.equal(p.highWatermark, 3, 'never back');

  const late = p.append(batchOf(1), -1, 1000);
  // Its wait for the commit starts once the shard's writer has stored it locally.
  await waitFor(() => timer.armed > 0);
  timer.advance(1000);
  t.equal(await codeOf(late), 'REQUEST_TIMED_OUT');
});

void t.test('listOffsets by timestamp: the first batch whose max timestamp is at or after it', async (t) => {
  const p = openPartition(t);
  await p.append(batchOf(2, 100), 1, 1000); // max 101
  await p.append(batchOf(2, 200), 1, 1000); // max 201
  t.same(p.offsetForTimestamp(0), { offset: 0, timestamp: 101 });
  t.same(p.offsetForTimestamp(101), { offset: 0, timestamp: 101 });
  t.same(p.offsetForTimestamp(102), { offset: 2, timestamp: 201 });
  t.same(p.offsetForTimestamp(202), { offset: 4, timestamp: null }, 'none: the high watermark');
});

void t.test('retention never deletes at or above the high watermark', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.openAlone(dir, { flush: 'never', retentionMs: 0, retentionBytes: -1 });
  const p = new Partition({
    topic: 't',
    partition: 0,
    log,
    replicas: [1, 2],
    leaderId: 1,
    maxMessageBytes: 1 << 20,
    soleReplica: false,
  });
  t.teardown(() => p.close('shutdown'));
  await p.append(batchOf(1, 1), 1, 1000);
  await p.append(batchOf(1, 2), 1, 1000);
  t.equal(p.applyRetention(10_000), 0, 'nothing committed yet');
  p.advanceHighWatermark(1);
  t.equal(p.applyRetention(10_000), 1);
  t.equal(p.logStartOffset, 1);
  t.throws(() => p.read(0, 1000), { code: 'OFFSET_OUT_OF_RANGE' });
});

void t.test('a recovered sole replica has everything committed; close wakes waiters and fails later use', async (t) => {
  const dir = tempDir(t);
  const first = openPartition(t, {}, dir);
  await first.append(batchOf(3), 1, 1000);
  await first.close('shutdown');
  t.throws(() => first.read(0, 10), { code: 'SHUTTING_DOWN' });
  t.equal(await codeOf(first.append(batchOf(1), 1, 1000)), 'SHUTTING_DOWN');

  const second = openPartition(t, {}, dir);
  t.equal(second.highWatermark, 3);
  const waiting = second.waitForData(3, 60_000);
  await second.close('deleted');
  t.equal(await waiting, 'closed');
  t.throws(() => second.read(0, 10), { code: 'UNKNOWN_TOPIC' });
  t.equal(await codeOf(second.append(batchOf(1), 1, 1000)), 'UNKNOWN_TOPIC');
});
