/**
 * The prepared read statements of one storage shard, each taking the partition's `part` first. Prepared once per shard
 * (not per partition), so thousands of partitions cost no statements of their own. Writes are the writer thread's
 * (shard-writes.ts).
 */
import type Database from 'better-sqlite3';
import { CHECKPOINT_END, CHECKPOINT_START } from './control.js';
import type { BatchRow } from './log-store.js';
import { BATCH_COLUMNS, IS_CONFIG_ROW } from './shard-schema.js';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;
type Pair = [number, number];

/** The read statements of one shard, each taking the partition's `part` first (see each use in log-store.ts). */
export interface ShardStatements {
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
  readonly countBefore: Statement<Pair, Pair>;
  readonly countFrom: Statement<Pair, Pair>;
  /** `[part, name]` of every log in the shard. */
  readonly partitions: Statement<[], [number, string]>;
  /** The largest `part` in use (0 when none). */
  readonly maxPart: Statement<[], number>;
}

/** Builds the statements of a shard's database. */
export function prepareStatements(db: Database.Database): ShardStatements {
  return {
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
    partitions: db.prepare<[], [number, string]>('SELECT part, name FROM partitions').raw(true),
    maxPart: db.prepare<[], number>('SELECT coalesce(max(part), 0) FROM partitions').pluck(),
  };
}
