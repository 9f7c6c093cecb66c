import path from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import type { BatchToAppend } from '../../../broker/log/batch.js';
import type { LogOptions } from '../../../broker/log/log-options.js';
import type { ShardOptions } from '../../../broker/log/shard.js';
import { ALONE_SHARD_FILE, PartitionLog } from '../../../broker/log/partition-log.js';
import { readRecordBatchHeader, setBaseOffset, setPartitionLeaderEpoch } from '../../../protocol/index.js';
import { makeBatch, tempDir, TEST_OPTIONS } from './log-fixtures.js';

function openLog(t: Test, dir: string, options: Partial<LogOptions & ShardOptions> = {}): PartitionLog {
  const log = PartitionLog.openAlone(dir, { ...TEST_OPTIONS, ...options });
  t.teardown(() => log.close());
  return log;
}

/** Appends the batches in one turn and waits for their group commit. */
async function appendAll(log: PartitionLog, batches: BatchToAppend[], term = 1): Promise<void> {
  await Promise.all(batches.map((batch) => log.append(batch, term)));
}

void t.test('append then read returns the batches as appended, offsets consecutive', async (t) => {
  const log = openLog(t, tempDir(t));
  const first = makeBatch(3, 120, 1, {
    firstTimestamp: 10,
    maxTimestamp: 12,
    producerId: 7,
    producerEpoch: 2,
    baseSequence: 40,
    attributes: 8,
  });
  const second = makeBatch(1, 80, 2);
  const third = makeBatch(100, 1000, 3);
  t.same(await log.append(first, 1), { baseOffset: 0, lastOffset: 2 });
  t.same(await log.append(second, 1), { baseOffset: 3, lastOffset: 3 });
  t.same(await log.append(third, 2), { baseOffset: 4, lastOffset: 103 });

  const read = log.read(0, 1_000_000, log.logEndOffset);
  t.equal(read.length, 3);
  t.same(read[0], { ...first, baseOffset: 0, term: 1, bytes: Buffer.from(first.bytes) });
  t.same(read[1], { ...second, baseOffset: 3, term: 1, bytes: Buffer.from(second.bytes) });
  t.same(read[2], { ...third, baseOffset: 4, term: 2, bytes: Buffer.from(third.bytes) });
  t.strictSame(
    read.map((b) => [readRecordBatchHeader(b.bytes).baseOffset, readRecordBatchHeader(b.bytes).partitionLeaderEpoch]),
    [
      [0, 1],
      [3, 1],
      [4, 2],
    ],
    'the stored bytes carry their base offset and leader epoch (the term)',
  );
  t.equal(log.logEndOffset, 104);
  t.equal(log.committedEndOffset, 104);
  t.equal(log.sizeBytes, 1200);
  t.equal(log.lastTerm, 2);
});

void t.test('appends in one turn share one transaction; offsets are assigned at call time', async (t) => {
  const log = openLog(t, tempDir(t));
  const promises = [log.append(makeBatch(2, 10), 1), log.append(makeBatch(5, 10), 1), log.append(makeBatch(1, 10), 1)];
  t.equal(log.logEndOffset, 8, 'offsets assigned synchronously');
  t.equal(log.committedEndOffset, 0, 'nothing committed yet');
  t.same(log.read(0, 1000, 100), [], 'queued batches are not readable');
  t.same(await Promise.all(promises), [
    { baseOffset: 0, lastOffset: 1 },
    { baseOffset: 2, lastOffset: 6 },
    { baseOffset: 7, lastOffset: 7 },
  ]);
  t.equal(log.stats.commits, 1);
  t.equal(log.stats.batchesCommitted, 3);
  t.equal(log.committedEndOffset, 8);

  await appendAll(log, [makeBatch(1, 10), makeBatch(1, 10)]);
  t.equal(log.stats.commits, 2, 'the next turn is the next transaction');
});

void t.test('appendSync commits at once, together with appends queued before it', async (t) => {
  const log = openLog(t, tempDir(t));
  const queued = log.append(makeBatch(2, 10), 1);
  t.same(log.appendSync(makeBatch(3, 10), 1), { baseOffset: 2, lastOffset: 4 });
  t.equal(log.committedEndOffset, 5);
  t.equal(log.stats.commits, 1);
  t.same(await queued, { baseOffset: 0, lastOffset: 1 });
  t.equal(log.read(0, 1000, 5).length, 2);
});

void t.test('read: first batch always, maxBytes, maxOffset exclusive, mid-batch offsets', async (t) => {
  const log = openLog(t, tempDir(t));
  // Four batches of 10 records, 200 bytes each: offsets 0-9, 10-19, 20-29, 30-39.
  await appendAll(
    log,
    [1, 2, 3, 4].map((seed) => makeBatch(10, 200, seed)),
  );
  const bases = (offset: number, maxBytes: number, maxOffset: number): number[] =>
    log.read(offset, maxBytes, maxOffset).map((b) => b.baseOffset);

  t.same(bases(0, 1_000, 40), [0, 10, 20, 30]);
  t.same(bases(0, 400, 40), [0, 10], 'stops before the bytes would exceed maxBytes');
  t.same(bases(0, 599, 40), [0, 10]);
  t.same(bases(0, 600, 40), [0, 10, 20], 'an exact fit is included');
  t.same(bases(0, 1, 40), [0], 'the first batch is returned even when larger than maxBytes');
  t.same(bases(0, 0, 40), [0]);
  t.same(bases(15, 1_000, 40), [10, 20, 30], 'starts at the batch holding the offset');
  t.same(bases(19, 1_000, 40), [10, 20, 30]);
  t.same(bases(20, 1_000, 40), [20, 30]);
  t.same(bases(0, 1_000, 30), [0, 10, 20], 'maxOffset is exclusive');
  t.same(bases(0, 1_000, 29), [0, 10], 'a batch ending at or past maxOffset is left out');
  t.same(bases(25, 1_000, 29), [], 'even when it is the first');
  t.same(bases(40, 1_000, 40), [], 'reading at the log end returns nothing');
  t.same(bases(0, 1_000, 0), []);
});

void t.test('read outside [logStartOffset, logEndOffset] throws OFFSET_OUT_OF_RANGE', async (t) => {
  const log = openLog(t, tempDir(t), { retentionBytes: 100 });
  await appendAll(
    log,
    [1, 2, 3].map((seed) => makeBatch(10, 100, seed)),
  );
  t.throws(() => log.read(31, 1000, 100), { name: 'LogError', kind: 'OFFSET_OUT_OF_RANGE' });
  t.throws(() => log.read(-1, 1000, 100), { name: 'LogError', kind: 'OFFSET_OUT_OF_RANGE' });
  t.equal(log.applyRetention(0), 2);
  t.equal(log.logStartOffset, 20);
  t.throws(() => log.read(19, 1000, 100), { name: 'LogError', kind: 'OFFSET_OUT_OF_RANGE' });
  t.equal(log.read(20, 1000, 100).length, 1);
  t.throws(() => log.read(1.5, 1000, 100), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
});

void t.test('a batch whose CRC does not match its records is rejected and nothing is appended', async (t) => {
  const log = openLog(t, tempDir(t));
  await log.append(makeBatch(2, 10), 1);
  const bad = makeBatch(3, 10);
  bad.bytes[70] = (bad.bytes[70] ?? 0) ^ 1;
  await t.rejects(log.append(bad, 1), { name: 'LogError', kind: 'CORRUPT_BATCH' });
  const flipped = makeBatch(3, 10);
  const last = flipped.bytes.byteLength - 1;
  flipped.bytes[last] = (flipped.bytes[last] ?? 0) ^ 1;
  t.throws(() => log.appendSync(flipped, 1), { name: 'LogError', kind: 'CORRUPT_BATCH' });
  t.equal(log.logEndOffset, 2);
  t.same(await log.append(makeBatch(1, 10), 1), { baseOffset: 2, lastOffset: 2 }, 'offsets continue without a gap');
  t.equal(log.read(0, 1000, 10).length, 2);
});

void t.test('malformed batches and a term going backwards are INVALID_ARGUMENT', async (t) => {
  const log = openLog(t, tempDir(t));
  await t.rejects(log.append({ ...makeBatch(1, 10), count: 0 }, 1), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  await t.rejects(log.append({ ...makeBatch(1, 10), producerId: 1.5 }, 1), {
    name: 'LogError',
    kind: 'INVALID_ARGUMENT',
  });
  await log.append(makeBatch(1, 10), 5);
  await t.rejects(log.append(makeBatch(1, 10), 4), { name: 'LogError', kind: 'INVALID_ARGUMENT' });
  t.equal(log.logEndOffset, 1);
  t.equal(log.lastTerm, 5);
});

void t.test('retention by time deletes expired batches from the head only', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir, { retentionMs: 1_000 });
  const maxTimestamps = [100, 200, 5_000, 300, 6_000];
  await appendAll(
    log,
    maxTimestamps.map((ts, i) => makeBatch(2, 100, i, { firstTimestamp: ts - 50, maxTimestamp: ts })),
  );
  t.equal(log.applyRetention(1_100), 0, 'max_ts 100 is not older than 1100 - 1000');
  t.equal(log.applyRetention(1_201), 2, 'batches with max_ts < 201 go');
  t.equal(log.logStartOffset, 4);
  t.equal(log.sizeBytes, 300);
  t.equal(log.applyRetention(5_500), 0, 'an expired batch behind a live one stays (head only)');
  t.equal(log.applyRetention(7_001), 3, 'everything expired: all batches go');
  t.equal(log.logStartOffset, 10);
  t.equal(log.logEndOffset, 10);
  t.equal(log.sizeBytes, 0);
  t.equal(log.termAt(9), 1, 'the term before the log start is kept');
  await log.close();

  const reopened = openLog(t, dir, { retentionMs: 1_000 });
  t.equal(reopened.logStartOffset, 10, 'log start offset persisted');
  t.equal(reopened.logEndOffset, 10, 'log end offset survives an emptied log');
  t.equal(reopened.lastTerm, 1);
  t.same(await reopened.append(makeBatch(1, 10), 2), { baseOffset: 10, lastOffset: 10 });
});

void t.test('retention by size keeps at least retentionBytes', async (t) => {
  const log = openLog(t, tempDir(t), { retentionBytes: 500 });
  await appendAll(
    log,
    [1, 2, 3, 4, 5].map((seed) => makeBatch(10, 200, seed)),
  );
  t.equal(log.applyRetention(0), 2, 'deletes while size minus the head batch >= retentionBytes');
  t.equal(log.sizeBytes, 600);
  t.equal(log.logStartOffset, 20);
  t.equal(log.applyRetention(0), 0, 'deleting another would leave 400 < 500');
  t.same(
    log.read(20, 10_000, 100).map((b) => b.baseOffset),
    [20, 30, 40],
  );
});

void t.test('retention never deletes a batch that ends at or past upToOffset', async (t) => {
  const log = openLog(t, tempDir(t), { retentionBytes: 0 });
  await appendAll(
    log,
    [1, 2, 3, 4].map((seed) => makeBatch(10, 100, seed)),
  );
  t.equal(log.applyRetention(0, 25), 2, 'upToOffset inside a batch keeps that batch');
  t.equal(log.logStartOffset, 20);
  t.equal(log.applyRetention(0, 30), 1);
  t.equal(log.applyRetention(0), 1, 'default bound is the committed end');
  t.equal(log.logStartOffset, 40);
  t.equal(log.logEndOffset, 40);
});

void t.test('truncateFrom removes a suffix at a batch boundary', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  await appendAll(log, [makeBatch(5, 100, 1), makeBatch(5, 100, 2)], 1);
  await appendAll(log, [makeBatch(5, 100, 3), makeBatch(5, 100, 4)], 2);
  t.throws(
    () => {
      log.truncateFrom(7);
    },
    { name: 'LogError', kind: 'INVALID_ARGUMENT' },
    'inside a batch',
  );
  t.throws(
    () => {
      log.truncateFrom(21);
    },
    { name: 'LogError', kind: 'OFFSET_OUT_OF_RANGE' },
  );
  log.truncateFrom(20);
  t.equal(log.logEndOffset, 20, 'truncating at the end is a no-op');
  log.truncateFrom(10);
  t.equal(log.logEndOffset, 10);
  t.equal(log.committedEndOffset, 10);
  t.equal(log.lastTerm, 1, 'last term comes from the last remaining batch');
  t.equal(log.sizeBytes, 200);
  t.same(await log.append(makeBatch(3, 10, 9), 3), { baseOffset: 10, lastOffset: 12 });
  await log.close();

  const reopened = openLog(t, dir);
  t.equal(reopened.logEndOffset, 13);
  t.same(
    reopened.read(0, 10_000, 100).map((b) => [b.baseOffset, b.count, b.term]),
    [
      [0, 5, 1],
      [5, 5, 1],
      [10, 3, 3],
    ],
  );
  reopened.truncateFrom(0);
  t.equal(reopened.logEndOffset, 0);
  t.equal(reopened.lastTerm, 0);
});

void t.test('retention sees the new head batch after truncation emptied the log', async (t) => {
  const log = openLog(t, tempDir(t), { retentionMs: 1_000 });
  await log.append(makeBatch(1, 10, 1, { maxTimestamp: 5_000 }), 1);
  log.truncateFrom(0);
  await log.append(makeBatch(1, 10, 2, { maxTimestamp: 100 }), 1);
  t.equal(log.applyRetention(2_000), 1);
  t.equal(log.logStartOffset, 1);
});

void t.test('truncateFrom commits queued appends first', async (t) => {
  const log = openLog(t, tempDir(t));
  const queued = [log.append(makeBatch(5, 10), 1), log.append(makeBatch(5, 10), 1)];
  log.truncateFrom(5);
  t.same(await Promise.all(queued), [
    { baseOffset: 0, lastOffset: 4 },
    { baseOffset: 5, lastOffset: 9 },
  ]);
  t.equal(log.logEndOffset, 5);
  t.equal(log.read(0, 1000, 100).length, 1);
});

void t.test('offsetForTimestamp finds the earliest batch with max timestamp >= the target', async (t) => {
  const log = openLog(t, tempDir(t));
  const maxTimestamps = [100, 300, 200, 400];
  await appendAll(
    log,
    maxTimestamps.map((ts, i) => makeBatch(10, 10, i, { maxTimestamp: ts })),
  );
  t.equal(log.offsetForTimestamp(0), 0);
  t.equal(log.offsetForTimestamp(100), 0);
  t.equal(log.offsetForTimestamp(101), 10);
  t.equal(log.offsetForTimestamp(250), 10, 'the earliest, not the closest');
  t.equal(log.offsetForTimestamp(301), 30);
  t.equal(log.offsetForTimestamp(401), null);
});

void t.test('termAt covers committed, queued and the batch before the log start', async (t) => {
  const log = openLog(t, tempDir(t), { retentionBytes: 0 });
  await appendAll(log, [makeBatch(5, 10)], 1);
  await appendAll(log, [makeBatch(5, 10)], 2);
  void log.append(makeBatch(5, 10), 3);
  t.equal(log.termAt(0), 1);
  t.equal(log.termAt(4), 1);
  t.equal(log.termAt(5), 2);
  t.equal(log.termAt(12), 3, 'a queued batch');
  t.equal(log.termAt(15), null, 'past the end');
  t.equal(log.termAt(-1), null);
  log.sync();
  t.equal(log.applyRetention(0, 10), 2);
  t.equal(log.termAt(9), 2, 'the batch just before the log start');
  t.equal(log.termAt(4), null, 'older removed batches are unknown');
});

void t.test('resetTo empties the log and restarts it at an offset', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  await appendAll(log, [makeBatch(5, 10)], 1);
  log.resetTo(100, 4);
  t.equal(log.logStartOffset, 100);
  t.equal(log.logEndOffset, 100);
  t.equal(log.lastTerm, 4);
  t.equal(log.termAt(99), 4);
  t.equal(log.sizeBytes, 0);
  await log.close();
  const reopened = openLog(t, dir);
  t.equal(reopened.logStartOffset, 100);
  t.equal(reopened.lastTerm, 4);
  t.same(await reopened.append(makeBatch(2, 10), 4), { baseOffset: 100, lastOffset: 101 });
});

void t.test('recovery truncates a corrupt tail and offsets continue from the last good batch', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  await appendAll(
    log,
    [1, 2, 3, 4].map((seed) => makeBatch(5, 150, seed)),
  );
  await log.close();

  // Damage the last two rows behind the log's back, as bit rot or a torn write would.
  const raw = new Database(path.join(dir, ALONE_SHARD_FILE));
  raw.prepare('UPDATE batches SET payload = zeroblob(50) WHERE base_offset >= 10').run();
  raw.close();

  const reopened = openLog(t, dir);
  t.same(reopened.recovery, { truncatedBatches: 2 });
  t.equal(reopened.logEndOffset, 10);
  t.equal(reopened.sizeBytes, 300);
  t.same(await reopened.append(makeBatch(1, 10), 1), { baseOffset: 10, lastOffset: 10 });
  t.same(
    reopened.read(0, 10_000, 100).map((b) => b.baseOffset),
    [0, 5, 10],
  );
  await reopened.close();

  const clean = openLog(t, dir);
  t.same(clean.recovery, { truncatedBatches: 0 });
});

void t.test('recovery also rejects a row whose offsets do not match its count', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  await appendAll(log, [makeBatch(5, 10, 1), makeBatch(5, 10, 2)]);
  await log.close();
  const raw = new Database(path.join(dir, ALONE_SHARD_FILE));
  raw.prepare('UPDATE batches SET last_offset = 99 WHERE base_offset = 5').run();
  raw.close();
  const reopened = openLog(t, dir);
  t.same(reopened.recovery, { truncatedBatches: 1 });
  t.equal(reopened.logEndOffset, 5);
});

void t.test('a database with another schema version is refused', async (t) => {
  const dir = tempDir(t);
  await PartitionLog.openAlone(dir, TEST_OPTIONS).close();
  const raw = new Database(path.join(dir, ALONE_SHARD_FILE));
  raw.prepare("UPDATE shard SET value = 99 WHERE key = 'schema_version'").run();
  raw.close();
  t.throws(() => PartitionLog.openAlone(dir, TEST_OPTIONS), {
    name: 'LogError',
    kind: 'STORAGE_ERROR',
    message: /schema version 99/,
  });
});

void t.test('close commits queued appends; reopen keeps everything; use after close is CLOSED', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.openAlone(dir, { ...TEST_OPTIONS, retentionBytes: 200 });
  await appendAll(
    log,
    [1, 2, 3].map((seed) => makeBatch(4, 120, seed, { maxTimestamp: seed * 10 })),
    3,
  );
  t.equal(log.applyRetention(0), 1);
  const queued = log.append(makeBatch(2, 90, 9), 3);
  await log.close();
  t.same(await queued, { baseOffset: 12, lastOffset: 13 }, 'the queued append committed before close');
  await t.rejects(log.append(makeBatch(1, 10), 3), { name: 'LogError', kind: 'CLOSED' });
  t.throws(() => log.read(4, 100, 100), { name: 'LogError', kind: 'CLOSED' });
  await log.close();

  const reopened = openLog(t, dir, { retentionBytes: 200 });
  t.equal(reopened.logStartOffset, 4);
  t.equal(reopened.logEndOffset, 14);
  t.equal(reopened.sizeBytes, 330);
  t.equal(reopened.lastTerm, 3);
  const batches = reopened.read(4, 10_000, 100);
  t.same(
    batches.map((b) => [b.baseOffset, b.count, b.maxTimestamp, b.bytes.byteLength]),
    [
      [4, 4, 20, 120],
      [8, 4, 30, 120],
      [12, 2, 1000, 90],
    ],
  );
  const expected = makeBatch(2, 90, 9);
  setBaseOffset(expected.bytes, 12);
  setPartitionLeaderEpoch(expected.bytes, 3);
  t.same(batches[2]?.bytes, Buffer.from(expected.bytes), 'the bytes as appended, placed at offset 12 in term 3');
});

void t.test('a second open of the same directory fails instead of sharing the database', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  await log.append(makeBatch(1, 10), 1);
  t.throws(() => PartitionLog.openAlone(dir, TEST_OPTIONS), { name: 'LogError', kind: 'STORAGE_ERROR' });
  t.equal(log.read(0, 100, 100).length, 1);
});

void t.test('sync checkpoints under every flush policy', async (t) => {
  for (const flush of ['always', 'interval', 'never'] as const) {
    const dir = tempDir(t);
    const log = openLog(t, dir, { flush });
    const queued = log.append(makeBatch(2, 10), 1);
    log.sync();
    t.equal(log.committedEndOffset, 0, `${flush}: sync does not wait for queued appends`);
    await queued;
    log.sync();
    await log.close();
    t.equal(openLog(t, dir, { flush }).logEndOffset, 2);
  }
});

void t.test('bad options are rejected', (t) => {
  const dir = tempDir(t);
  t.throws(() => PartitionLog.openAlone(dir, { ...TEST_OPTIONS, retentionMs: -2 }), {
    name: 'LogError',
    kind: 'INVALID_ARGUMENT',
  });
  t.throws(() => PartitionLog.openAlone(dir, { ...TEST_OPTIONS, cacheKiB: 0 }), {
    name: 'LogError',
    kind: 'INVALID_ARGUMENT',
  });
  t.throws(() => PartitionLog.openAlone(dir, { ...TEST_OPTIONS, flush: 'sometimes' as 'never' }), {
    name: 'LogError',
    kind: 'INVALID_ARGUMENT',
  });
  t.end();
});
