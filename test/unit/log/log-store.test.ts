/** The WAL of a shard: checkpointed by the shard's checkpointer thread, never by the writer on the event loop. */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ALONE_SHARD_FILE, PartitionLog } from '../../../broker/log/partition-log.js';
import { CHECKPOINT_AFTER_BYTES } from '../../../broker/log/shard.js';
import { waitFor } from '../../helpers/wait-for.js';
import { makeBatch, tempDir, TEST_OPTIONS } from './log-fixtures.js';

const MiB = 1024 * 1024;

function walBytes(dir: string): number {
  return fs.statSync(path.join(dir, `${ALONE_SHARD_FILE}-wal`)).size;
}

void t.test('past 16 MiB the checkpointer thread checkpoints the WAL, and the writer then restarts it', async (t) => {
  t.equal(CHECKPOINT_AFTER_BYTES, 16 * MiB);
  const dir = tempDir(t);
  const log = PartitionLog.openAlone(dir, { ...TEST_OPTIONS, flush: 'interval' });
  t.teardown(() => log.close());
  let appended = 0;
  const appendMiB = (): void => {
    log.appendSync(makeBatch(1, MiB, appended / MiB), 0);
    appended += MiB;
  };
  while (appended < 15 * MiB) appendMiB();
  t.ok(walBytes(dir) > 14 * MiB, `the writer never checkpoints by itself (${String(walBytes(dir))} WAL bytes)`);
  t.equal(log.checkpoints, 0, 'nothing asked for one yet');
  while (appended < 17 * MiB) appendMiB();
  await waitFor(() => log.checkpoints >= 1, { what: 'the checkpointer thread to finish its checkpoint' });
  // What was committed while a checkpoint ran is copied by the next one; the first write after a checkpoint that copied
  // the whole WAL restarts it, cut back to 4 MiB (journal_size_limit).
  for (let round = 0; round < 5 && walBytes(dir) > 6 * MiB; round++) {
    const before = log.checkpoints;
    appendMiB();
    log.sync();
    await waitFor(() => log.checkpoints > before, { what: 'the checkpoint sync asked for' });
  }
  appendMiB();
  t.ok(walBytes(dir) < 6 * MiB, `the WAL restarted (${String(walBytes(dir))} bytes)`);
  t.equal(log.read(0, MiB, log.committedEndOffset).length, 1, 'data readable');
});

void t.test('sync asks the checkpointer and returns at once; closing leaves no WAL behind', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.openAlone(dir, { ...TEST_OPTIONS, flush: 'interval' });
  await log.append(makeBatch(3, 100), 1);
  log.sync();
  await waitFor(() => log.checkpoints === 1, { what: 'the checkpoint sync asked for' });
  log.sync();
  t.equal(log.checkpoints, 1, 'nothing written since: no second checkpoint');
  await log.close();
  t.notOk(fs.existsSync(path.join(dir, `${ALONE_SHARD_FILE}-wal`)), 'the last connection to close removed the WAL');
  const again = PartitionLog.openAlone(dir, TEST_OPTIONS);
  t.teardown(() => again.close());
  t.equal(again.logEndOffset, 3);
});
