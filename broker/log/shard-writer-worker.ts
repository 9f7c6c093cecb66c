/**
 * The writer thread of a storage shard (see shard-writer.ts): the one connection that writes the shard's database.
 * It runs rounds of writes, each round ONE transaction carrying the groups of writes of every partition that were
 * submitted while the previous round ran (group commit across partitions). Each group runs under its own SAVEPOINT, so
 * a group that fails (a constraint, a full page quota) is rolled back alone and the others still commit; a failed
 * COMMIT, or an error after which SQLite rolled the whole transaction back, fails every group of its round.
 *
 * The writer knows no schema: it runs the named statements it was started with (prepared once), in the order the
 * network thread planned them. Planning (which rows, which offsets) stays in the pure, tested code of the log.
 *
 * Like the checkpointer, the thread runs this function's source (`new Worker(source, { eval: true })`), so it starts
 * the same way from the TypeScript sources and from the build; the function uses nothing from its module's scope.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { WriteFailure, WriteReply, WriteRound, ShardWriterData } from './shard-writer.js';

/** The thread's main function; runs inside the worker, from its source text. */
export function shardWriterMain(): void {
  const threads = process.getBuiltinModule('node:worker_threads');
  const { createRequire } = process.getBuiltinModule('node:module');
  const { file, sqlitePath, pragmas, statements, replies, signal } = threads.workerData as ShardWriterData;
  const Database = createRequire(sqlitePath)(sqlitePath) as typeof BetterSqlite3;
  const db = new Database(file, { fileMustExist: true, timeout: 100 });
  for (const pragma of pragmas) db.pragma(pragma);
  const prepared = new Map<string, BetterSqlite3.Statement>();
  for (const [name, sql] of Object.entries(statements)) prepared.set(name, db.prepare(sql));
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT g');
  const release = db.prepare('RELEASE g');
  const rollbackGroup = db.prepare('ROLLBACK TO g');
  const sent = new Int32Array(signal);

  const failureOf = (err: unknown): WriteFailure => ({
    message: err instanceof Error ? err.message : String(err),
    code: err instanceof Database.SqliteError ? err.code : null,
  });

  const runRound = (round: WriteRound): WriteReply => {
    const failures: (WriteFailure | null)[] = [];
    try {
      begin.run();
    } catch (err) {
      return { id: round.id, failures: round.groups.map(() => failureOf(err)) };
    }
    for (const group of round.groups) {
      savepoint.run();
      try {
        for (const [name, ...params] of group) {
          const statement = prepared.get(name);
          if (statement === undefined) throw new Error(`the shard writer has no statement ${name}`);
          statement.run(...params);
        }
        release.run();
        failures.push(null);
      } catch (err) {
        const failure = failureOf(err);
        if (!db.inTransaction) {
          // SQLite rolled the whole transaction back itself (it may on a full disk or an I/O error): nothing of this
          // round was written, the groups before this one included.
          return { id: round.id, failures: round.groups.map(() => failure) };
        }
        rollbackGroup.run();
        release.run();
        failures.push(failure);
      }
    }
    try {
      commit.run();
    } catch (err) {
      if (db.inTransaction) rollback.run();
      const failure = failureOf(err);
      return { id: round.id, failures: round.groups.map(() => failure) };
    }
    return { id: round.id, failures };
  };

  replies.on('message', (round: WriteRound | 'close') => {
    if (round === 'close') {
      db.close();
      replies.close();
      return;
    }
    const reply = runRound(round);
    replies.postMessage(reply);
    // A network thread blocked in runSync wakes once the reply it waits for is in the port.
    Atomics.store(sent, 0, round.id);
    Atomics.notify(sent, 0);
  });
}
