/** Checkpoint cleanup: which checkpoint a log may cut at, and a log that keeps from it on whatever its age. */
import t from 'tap';
import { latestCompleteCheckpoint } from '../../../broker/log/checkpoint.js';
import { CHECKPOINT_END, CHECKPOINT_START } from '../../../broker/log/control.js';
import { PartitionLog } from '../../../broker/log/partition-log.js';
import { makeBatch, tempDir, TEST_OPTIONS } from './log-fixtures.js';

const S = CHECKPOINT_START;
const E = CHECKPOINT_END;

void t.test('the latest complete checkpoint, from the marked rows last first', (t) => {
  t.equal(latestCompleteCheckpoint([]), null, 'none');
  t.equal(latestCompleteCheckpoint([[10, S | E]]), 10, 'one batch that is both start and end');
  t.equal(
    latestCompleteCheckpoint([
      [12, E],
      [10, S],
    ]),
    10,
    'a start, batches, an end',
  );
  t.equal(
    latestCompleteCheckpoint([
      [20, S],
      [12, E],
      [10, S],
    ]),
    10,
    'a start with no end after it was cut off',
  );
  t.equal(
    latestCompleteCheckpoint([
      [22, E],
      [20, S],
      [12, E],
      [10, S],
    ]),
    20,
    'the latest complete one wins',
  );
  t.equal(
    latestCompleteCheckpoint([
      [12, E],
      [11, E],
      [10, S],
    ]),
    10,
    'stray ends',
  );
  t.equal(latestCompleteCheckpoint([[12, E]]), null, 'an end whose start retention took');
  t.end();
});

void t.test('a log with checkpoint cleanup deletes everything before its latest complete checkpoint', async (t) => {
  const log = PartitionLog.openAlone(tempDir(t), { ...TEST_OPTIONS, retentionMs: -1, checkpointCleanup: true });
  t.teardown(() => log.close());
  const marks = [0, S, 0, E, 0, S, 0];
  for (const attributes of marks) await log.append(makeBatch(2, 10, 1, { attributes, maxTimestamp: Date.now() }), 1);
  // Offsets: batches of 2 records, so batch i starts at 2i; the complete checkpoint spans batches 1-3.
  t.equal(log.applyRetention(Date.now(), 7), 0, 'nothing while the checkpoint is not wholly below the high watermark');
  t.equal(log.applyRetention(Date.now(), 8), 1, 'once it is: the batch before it goes, young as it is');
  t.equal(log.logStartOffset, 2, 'the log starts at the checkpoint');
  t.equal(log.applyRetention(Date.now(), log.logEndOffset), 0, 'the cut-off checkpoint at the end does not count');
  await log.append(makeBatch(1, 10, 1, { attributes: E }), 1);
  t.equal(log.applyRetention(Date.now(), log.logEndOffset), 4, 'a newer complete checkpoint moves the cut');
  t.equal(log.logStartOffset, 10);
});

void t.test('without a complete checkpoint nothing is deleted, however old', async (t) => {
  const log = PartitionLog.openAlone(tempDir(t), { ...TEST_OPTIONS, retentionMs: 1, checkpointCleanup: true });
  t.teardown(() => log.close());
  for (const attributes of [0, S, 0]) await log.append(makeBatch(1, 10, 1, { attributes, maxTimestamp: 1 }), 1);
  t.equal(log.applyRetention(Date.now()), 0, 'retention.ms does not apply');
  t.equal(log.logStartOffset, 0);
});
