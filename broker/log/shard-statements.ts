/**
 * The prepared statements of one storage shard, each taking the partition's `part` first. Prepared once per shard
 * (not per partition), so thousands of partitions cost no statements of their own.
 */
import type Database from 'better-sqlite3';
import { CHECKPOINT_END, CHECKPOINT_START } from './control.js';
import type { BatchRow, RaftWritePlan, StartPoint } from './log-store.js';
import { BATCH_COLUMNS, INITIAL_META, IS_CONFIG_ROW } from './shard-schema.js';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;
type Pair = [number, number];

/** The statements of one shard, each taking the partition's `part` first (see each use in log-store.ts). */
export interface ShardStatements {
  readonly insertRows: Database.Transaction<(part: number, rows: readonly BatchRow[]) => void>;
  readonly scan: Statement<[number, number, number, number, number], BatchRow>;
  readonly scanIndices: Statement<[number, number, number, number], BatchRow>;
  readonly tail: Statement<[number], BatchRow>;
  readonly lastRow: Statement<[number], [number, number, number]>;
  readonly headRow: Statement<[number], Pair>;
  readonly containing: Statement<Pair, [number, number, number, number]>;
  readonly atIndex: Statement<Pair, [number, number, number]>;
  readonly configsAfter: Statement<Pair, [number, Uint8Array]>;
  readonly configAtOrBefore: Statement<Pair, [number, Uint8Array]>;
  readonly bytes: Statement<[number], number>;
  readonly headSizes: Statement<[number], Pair>;
  readonly firstByMaxTs: Statement<Pair, number>;
  readonly checkpointRows: Statement<Pair, Pair>;
  readonly metaGet: Statement<[number, string]>;
  readonly metaSet: Statement<[number, string, number | string]>;
  readonly countBefore: Statement<Pair, Pair>;
  readonly countFrom: Statement<Pair, Pair>;
  readonly deleteFrom: Statement<Pair>;
  readonly deleteBefore: Database.Transaction<(part: number, offset: number, start: StartPoint) => void>;
  readonly reset: Database.Transaction<(part: number, start: StartPoint) => void>;
  readonly writeRaft: Database.Transaction<(part: number, plan: RaftWritePlan) => void>;
  /** `[part, name]` of every log in the shard. */
  readonly partitions: Statement<[], [number, string]>;
  /** Adds a log with its initial meta values; returns its `part`. */
  readonly addPartition: Database.Transaction<(name: string) => number>;
  /** Removes a log: its rows, its meta values and its name. */
  readonly dropPartition: Database.Transaction<(part: number) => void>;
}

/** Builds the statements of a shard's database. */
export function prepareStatements(db: Database.Database): ShardStatements {
  const insert = db.prepare<[number, ...BatchRow]>(
    `INSERT INTO batches (part, ${BATCH_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  );
  const insertAll = (part: number, rows: readonly BatchRow[]): void => {
    for (const row of rows) insert.run(part, ...row);
  };
  const metaSet = db.prepare<[number, string, number | string]>(
    'INSERT INTO meta (part, key, value) VALUES (?, ?, ?) ON CONFLICT (part, key) DO UPDATE SET value = excluded.value',
  );
  const setStart = (part: number, start: StartPoint): void => {
    metaSet.run(part, 'log_start_offset', start.offset);
    metaSet.run(part, 'start_term', start.term);
    metaSet.run(part, 'start_idx', start.index);
    if (start.voters !== null) metaSet.run(part, 'snapshot_voters', start.voters);
  };
  const deleteBefore = db.prepare<[number, number]>('DELETE FROM batches WHERE part = ? AND base_offset < ?');
  const deleteFrom = db.prepare<[number, number]>('DELETE FROM batches WHERE part = ? AND base_offset >= ?');
  const deleteAll = db.prepare<[number]>('DELETE FROM batches WHERE part = ?');
  const addPartition = db.prepare<[string]>('INSERT INTO partitions (name) VALUES (?)');
  const deleteMeta = db.prepare<[number]>('DELETE FROM meta WHERE part = ?');
  const deleteName = db.prepare<[number]>('DELETE FROM partitions WHERE part = ?');
  return {
    insertRows: db.transaction(insertAll),
    // Starts at the batch containing `from` (the last base_offset <= from) so a fetch from the middle of a batch gets
    // that batch; both bounds are seeks in the (part, base_offset) index.
    scan: db
      .prepare<[number, number, number, number, number], BatchRow>(
        `SELECT ${BATCH_COLUMNS} FROM batches WHERE part = ? AND base_offset >= coalesce(
           (SELECT base_offset FROM batches WHERE part = ? AND base_offset <= ? ORDER BY base_offset DESC LIMIT 1), ?)
         AND base_offset < ? ORDER BY base_offset`,
      )
      .raw(true),
    scanIndices: db
      .prepare<[number, number, number, number], BatchRow>(
        `SELECT ${BATCH_COLUMNS} FROM batches WHERE part = ?
         AND base_offset >= (SELECT base_offset FROM batches WHERE part = ? AND idx = ?)
         AND idx < ? ORDER BY base_offset`,
      )
      .raw(true),
    tail: db
      .prepare<[number], BatchRow>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE part = ? ORDER BY base_offset DESC`)
      .raw(true),
    lastRow: db
      .prepare<[number], [number, number, number]>(
        'SELECT last_offset, term, idx FROM batches WHERE part = ? ORDER BY base_offset DESC LIMIT 1',
      )
      .raw(true),
    headRow: db
      .prepare<[number], [number, number]>(
        'SELECT max_ts, length(payload) FROM batches WHERE part = ? ORDER BY base_offset LIMIT 1',
      )
      .raw(true),
    containing: db
      .prepare<[number, number], [number, number, number, number]>(
        'SELECT base_offset, last_offset, term, idx FROM batches WHERE part = ? AND base_offset <= ? ' +
          'ORDER BY base_offset DESC LIMIT 1',
      )
      .raw(true),
    atIndex: db
      .prepare<[number, number], [number, number, number]>(
        'SELECT base_offset, last_offset, term FROM batches WHERE part = ? AND idx = ?',
      )
      .raw(true),
    configsAfter: db
      .prepare<[number, number], [number, Uint8Array]>(
        `SELECT idx, payload FROM batches WHERE ${IS_CONFIG_ROW} AND part = ? AND idx > ? ORDER BY idx DESC LIMIT 2`,
      )
      .raw(true),
    configAtOrBefore: db
      .prepare<[number, number], [number, Uint8Array]>(
        `SELECT idx, payload FROM batches WHERE ${IS_CONFIG_ROW} AND part = ? AND idx <= ? ORDER BY idx DESC LIMIT 1`,
      )
      .raw(true),
    // length() of a BLOB reads the cell header only, not the overflow pages.
    bytes: db.prepare<[number], number>('SELECT coalesce(sum(length(payload)), 0) FROM batches WHERE part = ?').pluck(),
    headSizes: db
      .prepare<[number], [number, number]>(
        'SELECT base_offset, length(payload) FROM batches WHERE part = ? ORDER BY base_offset',
      )
      .raw(true),
    // No index on max_ts: timestamp lookups are rare (ListOffsets, time retention); this walks the partition.
    firstByMaxTs: db
      .prepare<[number, number], number>(
        'SELECT base_offset FROM batches WHERE part = ? AND max_ts >= ? ORDER BY base_offset LIMIT 1',
      )
      .pluck(),
    checkpointRows: db
      .prepare<[number, number], [number, number]>(
        `SELECT base_offset, attributes FROM batches WHERE part = ? AND last_offset < ?
         AND (attributes & ${String(CHECKPOINT_START | CHECKPOINT_END)}) != 0 ORDER BY base_offset DESC`,
      )
      .raw(true),
    metaGet: db.prepare<[number, string]>('SELECT value FROM meta WHERE part = ? AND key = ?').pluck(),
    metaSet,
    countBefore: db
      .prepare<[number, number], [number, number]>(
        'SELECT count(*), coalesce(sum(length(payload)), 0) FROM batches WHERE part = ? AND base_offset < ?',
      )
      .raw(true),
    countFrom: db
      .prepare<[number, number], [number, number]>(
        'SELECT count(*), coalesce(sum(length(payload)), 0) FROM batches WHERE part = ? AND base_offset >= ?',
      )
      .raw(true),
    deleteFrom,
    deleteBefore: db.transaction((part: number, offset: number, start: StartPoint) => {
      deleteBefore.run(part, offset);
      setStart(part, start);
    }),
    reset: db.transaction((part: number, start: StartPoint) => {
      deleteAll.run(part);
      setStart(part, start);
    }),
    writeRaft: db.transaction((part: number, plan: RaftWritePlan) => {
      if (plan.reset !== null) {
        deleteAll.run(part);
        setStart(part, plan.reset);
      }
      if (plan.truncateFromOffset !== null) deleteFrom.run(part, plan.truncateFromOffset);
      insertAll(part, plan.rows);
      if (plan.hardState !== null) {
        metaSet.run(part, 'raft_term', plan.hardState.term);
        metaSet.run(part, 'raft_vote', plan.hardState.vote);
        metaSet.run(part, 'raft_commit', plan.hardState.commit);
      }
    }),
    partitions: db.prepare<[], [number, string]>('SELECT part, name FROM partitions').raw(true),
    addPartition: db.transaction((name: string): number => {
      const part = Number(addPartition.run(name).lastInsertRowid);
      for (const [key, value] of INITIAL_META) metaSet.run(part, key, value);
      return part;
    }),
    dropPartition: db.transaction((part: number) => {
      deleteAll.run(part);
      deleteMeta.run(part);
      deleteName.run(part);
    }),
  };
}
