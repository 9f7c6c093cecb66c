/** Raft indices on the plain append path, and the migration of a version 1 log.db. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { RaftLogStorage } from '../../../broker/log/raft-log-storage.js';
import { LEGACY_LOG_FILE } from '../../../broker/log/migrate-v2.js';
import { ALONE_SHARD_FILE } from '../../../broker/log/partition-log.js';
import { SHARD_SCHEMA_VERSION } from '../../../broker/log/shard-schema.js';
import { crc32c, decodeRecordBatch } from '../../../protocol/index.js';
import { makeBatch, tempDir } from './log-fixtures.js';
import { dataEntry, openLog, plain } from './raft-fixtures.js';

void t.test('every append takes the next index; truncation and reset keep indices consistent', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  t.equal(log.startIndex, 0);
  t.equal(log.lastIndex, 0);
  const appends = [log.append(makeBatch(2, 10, 1), 1), log.append(makeBatch(3, 10, 2), 1)];
  t.equal(log.lastIndex, 2, 'assigned at call time');
  t.equal(log.committedLastIndex, 0);
  await Promise.all(appends);
  log.appendSync(makeBatch(1, 10, 3), 2);
  t.equal(log.committedLastIndex, 3);
  t.same(
    [1, 2, 3, 4].map((i) => log.rowAtIndex(i)),
    [
      { baseOffset: 0, lastOffset: 1, term: 1 },
      { baseOffset: 2, lastOffset: 4, term: 1 },
      { baseOffset: 5, lastOffset: 5, term: 2 },
      null,
    ],
  );
  log.truncateFrom(2);
  t.equal(log.lastIndex, 1);
  log.appendSync(makeBatch(1, 10, 4), 3);
  t.same(log.rowAtIndex(2), { baseOffset: 2, lastOffset: 2, term: 3 });
  await log.close();

  const reopened = openLog(t, dir);
  t.equal(reopened.lastIndex, 2);
  t.equal(reopened.committedLastTerm, 3);
  reopened.resetTo(50, 3);
  t.equal(reopened.startIndex, 2, 'a plain reset never reuses an index');
  t.equal(reopened.lastIndex, 2);
  reopened.appendSync(makeBatch(1, 10), 3);
  t.same(reopened.rowAtIndex(3), { baseOffset: 50, lastOffset: 50, term: 3 });
});

void t.test('recovery that truncates a corrupt tail also moves the last index back', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  for (const seed of [1, 2, 3]) log.appendSync(makeBatch(2, 20, seed), 1);
  await log.close();
  const raw = new Database(path.join(dir, ALONE_SHARD_FILE));
  raw.prepare('UPDATE batches SET payload = zeroblob(20) WHERE idx = 3').run();
  raw.close();
  const reopened = openLog(t, dir);
  t.same(reopened.recovery, { truncatedBatches: 1 });
  t.equal(reopened.lastIndex, 2);
  reopened.appendSync(makeBatch(1, 5), 1);
  t.same(reopened.rowAtIndex(3), { baseOffset: 4, lastOffset: 4, term: 1 });
});

// The version 1 schema, as released before Raft.
const V1_SCHEMA = `
CREATE TABLE batches (
  base_offset INTEGER PRIMARY KEY, last_offset INTEGER NOT NULL, term INTEGER NOT NULL, count INTEGER NOT NULL,
  first_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, crc32c INTEGER NOT NULL, producer_id INTEGER NOT NULL,
  producer_epoch INTEGER NOT NULL, base_sequence INTEGER NOT NULL, attributes INTEGER NOT NULL, payload BLOB NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER);
INSERT INTO meta (key, value) VALUES ('schema_version', 1), ('log_start_offset', 10), ('start_term', 2);
`;

void t.test(
  'a version 1 log is migrated into a shard on open: indices in offset order from 1, start index 0',
  async (t) => {
    const dir = tempDir(t);
    const raw = new Database(path.join(dir, LEGACY_LOG_FILE));
    raw.exec(V1_SCHEMA);
    const insert = raw.prepare('INSERT INTO batches VALUES (?,?,?,?,?,?,?,?,?,?,?,?)');
    // Inserted out of order: the migration numbers rows by offset, not by insertion.
    for (const [base, count, seed] of [
      [15, 5, 2],
      [10, 5, 1],
      [20, 1, 3],
    ] as const) {
      // Version 1-3 payloads: Brook's own record encoding (timestamp delta 0, null key, value of one byte `seed`,
      // no headers), which the move into a shard re-encodes as a RecordBatch v2.
      const payload = Buffer.from(Array.from({ length: count }, () => [0x00, 0x00, 0x02, seed, 0x00]).flat());
      insert.run(base, base + count - 1, 3, count, 1, 1, crc32c(payload), -1, -1, -1, 0, payload);
    }
    raw.close();

    const log = openLog(t, dir);
    t.equal(log.logStartOffset, 10);
    t.equal(log.logEndOffset, 21);
    t.equal(log.startIndex, 0);
    t.equal(log.startTerm, 2);
    t.equal(log.lastIndex, 3);
    t.same(
      [1, 2, 3].map((i) => log.rowAtIndex(i)?.baseOffset),
      [10, 15, 20],
    );
    t.same(log.hardState, { term: 0, vote: 0, commit: 0 });
    t.equal(log.snapshotVoters, null);
    t.same(
      log.read(10, 100_000, 21).map((b) => b.baseOffset),
      [10, 15, 20],
    );
    t.same(
      log.read(10, 100_000, 21).map((b) => decodeRecordBatch(b.bytes)[0]?.value?.byteLength),
      [25, 25, 5],
      // The log kept alone is the metadata log, whose old batches held one opaque value each (migrate-v3.ts).
      'the rows, re-encoded as RecordBatch v2 of one record holding the old payload',
    );
    log.appendSync(makeBatch(2, 10), 3);
    t.same(log.rowAtIndex(4), { baseOffset: 21, lastOffset: 22, term: 3 });

    const storage = new RaftLogStorage(log, [1]);
    t.same(storage.snapshot(), { index: 0, term: 2, config: { voters: [1] }, logOffset: 10 });
    t.same(
      storage.entries(1, 5, Infinity).map((e) => [e.index, e.type, e.term]),
      [
        [1, 'normal', 3],
        [2, 'normal', 3],
        [3, 'normal', 3],
        [4, 'normal', 3],
      ],
    );
    storage.persist(null, [dataEntry(5, 4)], null);
    await log.close();

    const check = new Database(path.join(dir, ALONE_SHARD_FILE));
    t.equal(
      check.prepare("SELECT value FROM shard WHERE key = 'schema_version'").pluck().get(),
      SHARD_SCHEMA_VERSION,
      'now a shard',
    );
    t.notOk(fs.existsSync(path.join(dir, LEGACY_LOG_FILE)), 'the old file is gone');
    t.same(check.prepare('SELECT idx FROM batches ORDER BY base_offset').pluck().all(), [1, 2, 3, 4, 5]);
    t.throws(
      () =>
        check
          .prepare(
            'INSERT INTO batches (part, base_offset, idx, last_offset, term, count, first_ts, max_ts, crc32c, ' +
              'producer_id, producer_epoch, base_sequence, attributes, payload) SELECT part, base_offset + 100, idx, ' +
              'last_offset + 100, term, count, first_ts, max_ts, crc32c, producer_id, producer_epoch, base_sequence, ' +
              'attributes, payload FROM batches LIMIT 1',
          )
          .run(),
      /UNIQUE/,
      'indices are unique',
    );
    check.close();
    const reopened = openLog(t, dir);
    t.equal(reopened.lastIndex, 5);
    t.same(plain(new RaftLogStorage(reopened, [1]).entries(5, 6, Infinity)), plain([dataEntry(5, 4)]));
  },
);
