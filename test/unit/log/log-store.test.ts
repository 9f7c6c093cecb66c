import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ALONE_SHARD_FILE, PartitionLog } from '../../../broker/log/partition-log.js';
import { SHARD_PAGE_BYTES, WAL_AUTOCHECKPOINT_PAGES } from '../../../broker/log/shard.js';
import { makeBatch, tempDir, TEST_OPTIONS } from './log-fixtures.js';

const MiB = 1024 * 1024;

function walBytes(dir: string): number {
  return fs.statSync(path.join(dir, `${ALONE_SHARD_FILE}-wal`)).size;
}

void t.test('the WAL is checkpointed automatically every 16 MiB, not at SQLite default 4 MiB', (t) => {
  t.equal(WAL_AUTOCHECKPOINT_PAGES * SHARD_PAGE_BYTES, 16 * MiB);
  const dir = tempDir(t);
  const log = PartitionLog.openAlone(dir, { ...TEST_OPTIONS, flush: 'interval' });
  t.teardown(() => log.close());
  let appended = 0;
  while (appended < 8 * MiB) {
    log.appendSync(makeBatch(1, MiB, appended / MiB), 0);
    appended += MiB;
  }
  // Under SQLite's default (1000 pages) the WAL would have been checkpointed and restarted at about 4 MiB.
  t.ok(walBytes(dir) > 7 * MiB, `WAL holds the 8 MiB appended (${String(walBytes(dir))} bytes)`);
  while (appended < 24 * MiB) {
    log.appendSync(makeBatch(1, MiB, appended / MiB), 0);
    appended += MiB;
  }
  // A checkpoint past 16 MiB restarted the WAL, which journal_size_limit cut back to 4 MiB before it grew again.
  t.ok(walBytes(dir) < 16 * MiB, `WAL restarted after an automatic checkpoint (${String(walBytes(dir))} bytes)`);
  t.equal(log.read(0, MiB, log.committedEndOffset).length, 1, 'data readable');
  t.end();
});
