/**
 * A shard's writer thread (broker/log/shard-writer.ts) against a real SQLite file: rounds commit what was submitted,
 * a failing group is rolled back alone, groups of one turn share one round, runSync runs after what came before it,
 * and a full disk or a closed writer is a clear LogError.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { LogError, LogErrorKind } from '../../../broker/log/log-error.js';
import { ShardWriter, type WriteOp } from '../../../broker/log/shard-writer.js';
import { tempDir } from '../../helpers/temp-dir.js';

const STATEMENTS = {
  put: 'INSERT INTO kv (k, v) VALUES (?, ?)',
  set: 'UPDATE kv SET v = ? WHERE k = ?',
  blob: 'INSERT INTO blobs (b) VALUES (?)',
};

/** A fresh database with the test's tables, a reader on it and a writer thread, all closed in teardown. */
function setUp(t: Test, pragmas: readonly string[] = []): { writer: ShardWriter; reader: Database.Database } {
  const file = path.join(tempDir(t, 'shard-writer-'), 'shard.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL); CREATE TABLE blobs (b BLOB NOT NULL)');
  db.close();
  const writer = ShardWriter.start({ file, pragmas, statements: STATEMENTS });
  const reader = new Database(file, { readonly: true });
  t.teardown(async () => {
    reader.close();
    await writer.close();
  });
  return { writer, reader };
}

const put = (k: number, v: string): WriteOp => ['put', k, v];

/** The LogError `fn` throws, or null when it throws nothing. */
function catchError(fn: () => void): LogError | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof LogError) return err;
    throw err;
  }
}

/** The kind of the LogError `promise` rejects with, or null when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<LogErrorKind | null> {
  try {
    await promise;
    return null;
  } catch (err) {
    if (err instanceof LogError) return err.kind;
    throw err;
  }
}

/** {@link ShardWriter.submit} as a promise. */
function submit(writer: ShardWriter, group: readonly WriteOp[], action: string): Promise<void> {
  return new Promise((resolve, reject) => {
    writer.submit(group, action, (err) => {
      if (err === null) resolve();
      else reject(err);
    });
  });
}

function rows(reader: Database.Database): [number, string][] {
  return reader.prepare<[], [number, string]>('SELECT k, v FROM kv ORDER BY k').raw(true).all();
}

void t.test('submitted groups commit and are visible to a reader once their promise resolves', async (t) => {
  const { writer, reader } = setUp(t);
  await Promise.all([submit(writer, [put(1, 'a'), put(2, 'b')], 'putting'), submit(writer, [put(3, 'c')], 'putting')]);
  t.same(rows(reader), [
    [1, 'a'],
    [2, 'b'],
    [3, 'c'],
  ]);
});

void t.test('a failing group is rolled back alone; the other groups of its round commit', async (t) => {
  const { writer, reader } = setUp(t);
  await submit(writer, [put(1, 'a')], 'putting');
  const results = await Promise.allSettled([
    submit(writer, [put(2, 'b')], 'putting 2'),
    // Its first write succeeds, its second breaks the primary key: neither may stay.
    submit(writer, [put(3, 'c'), put(1, 'again')], 'putting 3 and 1'),
    submit(writer, [put(4, 'd')], 'putting 4'),
  ]);
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  const failed = results[1];
  const reason: unknown = failed.status === 'rejected' ? failed.reason : null;
  t.ok(reason instanceof LogError, 'the failure is a LogError');
  if (reason instanceof LogError) {
    t.equal(reason.kind, LogErrorKind.STORAGE_ERROR);
    t.match(reason.message, /putting 3 and 1.*SQLITE_CONSTRAINT/, 'it names the action and the SQLite error');
  }
  t.same(rows(reader), [
    [1, 'a'],
    [2, 'b'],
    [4, 'd'],
  ]);
});

void t.test('groups submitted in one event-loop turn are committed in one round', async (t) => {
  const { writer, reader } = setUp(t);
  const sends: Promise<void>[] = [];
  for (let k = 0; k < 100; k++) sends.push(submit(writer, [put(k, `v${String(k)}`)], 'putting'));
  await Promise.all(sends);
  t.equal(writer.roundsAnswered, 1, 'one transaction for 100 groups');
  t.equal(rows(reader).length, 100);
});

void t.test('runSync runs after every group submitted before it and calls their callbacks first', (t) => {
  const { writer, reader } = setUp(t);
  let earlier: LogError | null | undefined;
  writer.submit([put(1, 'first')], 'putting', (err) => {
    earlier = err;
  });
  writer.runSync([['set', 'second', 1]], 'setting');
  t.same(rows(reader), [[1, 'second']], 'the update found the row the earlier group put');
  t.equal(earlier, null, "the earlier group's callback ran before runSync returned");
  const thrown = catchError(() => {
    writer.runSync([put(1, 'duplicate')], 'putting 1 again');
  });
  t.equal(thrown?.kind, LogErrorKind.STORAGE_ERROR, 'a failing synchronous group throws STORAGE_ERROR');
  t.same(rows(reader), [[1, 'second']], 'and wrote nothing');
  t.end();
});

void t.test('drainSync returns once every submitted group has been answered', (t) => {
  const { writer, reader } = setUp(t);
  const answers: (LogError | null)[] = [];
  for (const k of [1, 2, 1]) {
    writer.submit([put(k, 'v')], `putting ${String(k)}`, (err) => {
      answers.push(err);
    });
  }
  writer.drainSync();
  t.same(
    answers.map((a) => a?.kind ?? 'ok'),
    ['ok', 'ok', LogErrorKind.STORAGE_ERROR],
    'both puts committed and the duplicate failed, all answered synchronously',
  );
  t.equal(rows(reader).length, 2);
  t.end();
});

void t.test('a full database is STORAGE_FULL and later writes that fit still commit', async (t) => {
  // 20 pages of 4 KiB: room for the tables and a few small rows, not for 1 MiB.
  const { writer, reader } = setUp(t, ['max_page_count = 20']);
  t.equal(
    await rejection(submit(writer, [['blob', new Uint8Array(1024 * 1024)]], 'storing a big blob')),
    LogErrorKind.STORAGE_FULL,
  );
  await submit(writer, [put(1, 'small')], 'putting');
  t.same(rows(reader), [[1, 'small']]);
});

void t.test('close waits for submitted groups; afterwards submits are refused as CLOSED', async (t) => {
  const { writer, reader } = setUp(t);
  const pending = submit(writer, [put(7, 'x')], 'putting');
  await writer.close();
  await pending;
  t.same(rows(reader), [[7, 'x']], 'the group submitted before close committed');
  t.equal(await rejection(submit(writer, [put(8, 'y')], 'putting')), LogErrorKind.CLOSED);
  const thrown = catchError(() => {
    writer.runSync([put(9, 'z')], 'putting');
  });
  t.equal(thrown?.kind, LogErrorKind.CLOSED);
});
