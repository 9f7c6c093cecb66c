/**
 * The schema of a storage shard (`shard-<n>.db`): the logs of many partition replicas in one SQLite database.
 *
 * Version 4. `partitions` names each log (`<topic>-<n>`) and gives it a small integer `part`; every batch row and
 * meta value carries its `part`. Batches live in a rowid table (payloads spill to overflow pages, which WITHOUT ROWID
 * tables handle badly: bench/storage-layout.ts measured 3-15x slower appends) with a unique index on
 * (part, base_offset), the order every read follows, and one on (part, idx) for Raft. A row's `payload` is the batch
 * itself, a Kafka RecordBatch v2 (placed at its offset: batch.ts); the other columns repeat header fields as indexes.
 * Version 3 held Brook's own record encoding in `payload` (migrate-v3.ts re-encodes it); versions 1 and 2 were one
 * database per partition (log-schema.ts; migrate-v2.ts copies them in).
 */
import type Database from 'better-sqlite3';
import { CONFIG_ATTRIBUTES, CONTROL_MASK } from './control.js';

/** The version this code writes. */
export const SHARD_SCHEMA_VERSION = 4;

/**
 * The name of a log kept alone in its own shard (PartitionLog.openAlone: the metadata log). A partition's log is named
 * `<topic>-<n>`, so no partition is ever called this.
 */
export const ALONE_LOG_NAME = 'log';

/**
 * The WHERE clause of the partial index over config rows; a query must repeat it word for word for SQLite to use
 * that index.
 */
export const IS_CONFIG_ROW = `(attributes & ${String(CONTROL_MASK)}) = ${String(CONFIG_ATTRIBUTES)}`;

/** The columns of a batch row after `part`, in the order rows are bound and read. */
export const BATCH_COLUMNS =
  'base_offset, last_offset, term, count, first_ts, max_ts, crc32c, producer_id, producer_epoch, ' +
  'base_sequence, attributes, payload, idx';

// `idx` sits before the payload so that reading it never walks a payload's overflow pages.
const CREATE = `
BEGIN;
CREATE TABLE shard (key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;
INSERT INTO shard (key, value) VALUES ('schema_version', ${String(SHARD_SCHEMA_VERSION)});
CREATE TABLE partitions (part INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE batches (
  id INTEGER PRIMARY KEY,
  part INTEGER NOT NULL,
  base_offset INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  last_offset INTEGER NOT NULL,
  term INTEGER NOT NULL,
  count INTEGER NOT NULL,
  first_ts INTEGER NOT NULL,
  max_ts INTEGER NOT NULL,
  crc32c INTEGER NOT NULL,
  producer_id INTEGER NOT NULL,
  producer_epoch INTEGER NOT NULL,
  base_sequence INTEGER NOT NULL,
  attributes INTEGER NOT NULL,
  payload BLOB NOT NULL
);
CREATE UNIQUE INDEX batches_at ON batches (part, base_offset);
CREATE UNIQUE INDEX batches_by_idx ON batches (part, idx);
CREATE INDEX batches_configs ON batches (part, idx) WHERE ${IS_CONFIG_ROW};
CREATE TABLE meta (part INTEGER NOT NULL, key TEXT NOT NULL, value, PRIMARY KEY (part, key)) WITHOUT ROWID;
COMMIT;
`;

/** The meta values a new partition log starts with. */
export const INITIAL_META: readonly (readonly [string, number])[] = [
  ['log_start_offset', 0],
  ['start_term', 0],
  ['start_idx', 0],
  ['raft_term', 0],
  ['raft_vote', 0],
  ['raft_commit', 0],
];

/**
 * Creates the schema in an empty database. Returns the version found, for the caller to check (an existing database
 * is left untouched).
 */
export function prepareShardSchema(db: Database.Database): number {
  const created = db.prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE name = 'shard'").pluck().get();
  if (created === 0) {
    db.exec(CREATE);
    return SHARD_SCHEMA_VERSION;
  }
  return db.prepare<[], number>("SELECT value FROM shard WHERE key = 'schema_version'").pluck().get() ?? 0;
}

/** Copies the batches of the attached per-partition database `legacy` (schema v2) into the partition `?`. */
export const COPY_LEGACY_BATCHES = `INSERT INTO batches (part, ${BATCH_COLUMNS})
  SELECT ?, ${BATCH_COLUMNS} FROM legacy.batches ORDER BY base_offset`;

/** Copies the meta values of the attached per-partition database `legacy` into the partition `?`. */
export const COPY_LEGACY_META = `INSERT INTO meta (part, key, value)
  SELECT ?, key, value FROM legacy.meta WHERE key != 'schema_version'
  ON CONFLICT (part, key) DO UPDATE SET value = excluded.value`;
