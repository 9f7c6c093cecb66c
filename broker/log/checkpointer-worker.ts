/**
 * The checkpointer thread of a storage shard (see checkpointer.ts): its own connection to the shard's database, on
 * which it runs the WAL checkpoints, and so the fsyncs of flush 'interval', when asked. Nothing else: commits stay on
 * the shard's connection.
 *
 * The thread runs this function's source (`new Worker(source, { eval: true })`), so that it starts the same way from
 * the TypeScript sources and from the build: a worker file would need the TypeScript loader, which worker threads do
 * not inherit. So the function uses nothing from its module's scope; it reaches modules through
 * `process.getBuiltinModule` and better-sqlite3 through the path it is given.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { CheckpointReply, CheckpointerData } from './checkpointer.js';

/** The thread's main function; runs inside the worker, from its source text. */
export function checkpointerMain(): void {
  const threads = process.getBuiltinModule('node:worker_threads');
  const { createRequire } = process.getBuiltinModule('node:module');
  const port = threads.parentPort;
  if (port === null) throw new Error('the checkpointer runs as a worker thread');
  const { file, synchronous, sqlitePath } = threads.workerData as CheckpointerData;
  const Database = createRequire(sqlitePath)(sqlitePath) as typeof BetterSqlite3;
  const db = new Database(file, { fileMustExist: true });
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('wal_autocheckpoint = 0');
  port.on('message', (request: 'checkpoint' | 'close') => {
    if (request === 'close') {
      db.close();
      port.close();
      return;
    }
    let reply: CheckpointReply;
    try {
      // PASSIVE: copies what no reader still needs, never waits for the shard's writer or readers.
      const rows = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
      reply = { ok: true, walPages: rows[0]?.log ?? 0, checkpointedPages: rows[0]?.checkpointed ?? 0 };
    } catch (err) {
      reply = { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
}
