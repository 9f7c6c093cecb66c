import t from 'tap';
import { setBaseOffset, setPartitionLeaderEpoch } from '../../../protocol/index.js';
import { isLogError } from '../../../broker/log/log-error.js';
import { PartitionLog } from '../../../broker/log/partition-log.js';
import { makeBatch, tempDir, TEST_OPTIONS } from './log-fixtures.js';

// SQLite's max_page_count makes the database hit SQLITE_FULL exactly as a full disk would: the same error code
// from the same page allocation path, without filling a real disk.
// Pages of 16 KiB: the empty shard takes about 8, so a dozen or so batches fit.
const QUOTA_PAGES = 12;
const BATCH_BYTES = 4_000;
/** More batches than fit in the quota. */
const ATTEMPTS = 100;

void t.test('a full disk rejects the whole group, keeps committed data, and recovers once space is back', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.openAlone(dir, { ...TEST_OPTIONS, retentionBytes: 0, maxPageCount: QUOTA_PAGES });
  t.teardown(() => log.close());

  // Fill the quota one commit at a time until a commit fails.
  let fullError: unknown = null;
  let committed = 0;
  for (let seed = 0; seed < ATTEMPTS && fullError === null; seed++) {
    try {
      await log.append(makeBatch(10, BATCH_BYTES, seed), 1);
      committed++;
    } catch (err) {
      fullError = err;
    }
  }
  t.ok(isLogError(fullError, 'STORAGE_FULL'), 'the append that does not fit fails with STORAGE_FULL');
  t.match(fullError, { message: /storage full/ });
  t.ok(committed > 5, `some batches fit first (${String(committed)})`);
  t.equal(log.logEndOffset, committed * 10, 'the end offset rolled back to the committed end');
  t.equal(log.committedEndOffset, committed * 10);
  t.equal(log.stats.failedCommits, 1);

  const group = [log.append(makeBatch(1, 10, 100), 1), log.append(makeBatch(1, BATCH_BYTES, 101), 1)];
  const results = await Promise.allSettled(group);
  t.same(
    results.map((r) => r.status === 'rejected' && isLogError(r.reason, 'STORAGE_FULL')),
    [true, true],
    'every append in a failed group rejects, even the one that alone would have fit',
  );
  t.equal(log.logEndOffset, committed * 10);

  const before = log.read(0, Number.MAX_SAFE_INTEGER, log.logEndOffset);
  t.equal(before.length, committed, 'everything committed before is still there');
  t.ok(
    before.every((batch, i) => {
      const appended = makeBatch(10, BATCH_BYTES, i);
      setBaseOffset(appended.bytes, i * 10);
      setPartitionLeaderEpoch(appended.bytes, 1);
      return Buffer.from(appended.bytes).equals(batch.bytes);
    }),
    'with its payload intact',
  );

  // Space comes back: retention frees pages (deleting all but the last two batches frees whole 16 KiB pages), which
  // SQLite reuses.
  t.ok(log.applyRetention(0, (committed - 2) * 10) > 0);
  t.same(await log.append(makeBatch(10, BATCH_BYTES, 200), 1), {
    baseOffset: committed * 10,
    lastOffset: committed * 10 + 9,
  });
  await log.close();

  // Or the quota is raised.
  const bigger = PartitionLog.openAlone(dir, { ...TEST_OPTIONS, maxPageCount: QUOTA_PAGES * 4 });
  t.teardown(() => bigger.close());
  t.equal(bigger.logEndOffset, (committed + 1) * 10);
  for (let i = 0; i < 5; i++) await bigger.append(makeBatch(10, BATCH_BYTES, 300 + i), 1);
  t.equal(bigger.logEndOffset, (committed + 6) * 10);
  const start = (committed - 2) * 10;
  t.equal(bigger.logStartOffset, start, 'the start retention left');
  t.equal(bigger.read(start, Number.MAX_SAFE_INTEGER, bigger.logEndOffset).length, 2 + 1 + 5, 'every batch after it');
});

void t.test(
  'appends queued behind a group that fails are rejected with it: their offsets followed its own',
  async (t) => {
    const log = PartitionLog.openAlone(tempDir(t), { ...TEST_OPTIONS, retentionBytes: 0, maxPageCount: QUOTA_PAGES });
    t.teardown(() => log.close());
    // Too big for the quota: its group fails.
    const big = log.append(makeBatch(1, QUOTA_PAGES * 16 * 1024, 1), 1);
    // One turn later that group is with the writer (its commit turn ran first) and its answer cannot have been read yet,
    // so this append waits behind it, as the next group.
    await new Promise((resolve) => setImmediate(resolve));
    const small = log.append(makeBatch(1, 10, 2), 1);
    const results = await Promise.allSettled([big, small]);
    t.same(
      results.map((r) => r.status === 'rejected' && isLogError(r.reason, 'STORAGE_FULL')),
      [true, true],
      'the small append fails with the big one although it alone would fit',
    );
    t.equal(log.logEndOffset, 0, 'the end went back to what is stored');
    t.same(
      await log.append(makeBatch(1, 10, 3), 1),
      { baseOffset: 0, lastOffset: 0 },
      'the next append takes offset 0',
    );
    t.equal(log.read(0, Number.MAX_SAFE_INTEGER, log.logEndOffset).length, 1, 'and is the only batch stored');
  },
);
