/** When a shard's checkpointer goes again by itself (broker/log/checkpointer.ts, the pure decision). */
import t from 'tap';
import { afterCheckpoint } from '../../../broker/log/checkpointer.js';

void t.test('a checkpoint that copied the whole WAL stops; a partial one goes again while it makes progress', (t) => {
  t.same(afterCheckpoint({ walPages: 100, checkpointedPages: 100 }, -1), { again: false, lastCheckpointed: -1 });
  t.same(afterCheckpoint({ walPages: 120, checkpointedPages: 100 }, -1), { again: true, lastCheckpointed: 100 });
  t.same(
    afterCheckpoint({ walPages: 130, checkpointedPages: 120 }, 100),
    { again: true, lastCheckpointed: 120 },
    'more was copied than last time: commits made meanwhile, go again',
  );
  t.same(
    afterCheckpoint({ walPages: 130, checkpointedPages: 120 }, 120),
    { again: false, lastCheckpointed: 120 },
    'nothing new copied (a reader holds the rest): wait for the next request instead of spinning',
  );
  t.same(afterCheckpoint({ walPages: 0, checkpointedPages: 0 }, 120), { again: false, lastCheckpointed: -1 });
  t.end();
});
