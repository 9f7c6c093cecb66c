/**
 * The schema of `log.db` and its migration from older versions.
 *
 * Version 2 (Raft): every row carries `idx`, its Raft index (consecutive, in base-offset order), and `meta`
 * holds the Raft view of the head of the log (`start_idx`, the index of the last removed row, i.e. the
 * snapshot index; `snapshot_voters`, the membership as of it) and the Raft hard state.
 */
import type Database from 'better-sqlite3';
import { CONFIG_ATTRIBUTES, CONTROL_MASK } from './control.js';

/** The version this code writes. */
export const SCHEMA_VERSION = 2;

// A rowid table, not WITHOUT ROWID: payloads (10 KB for 100 records of 100 bytes) spill to overflow pages,
// which WITHOUT ROWID tables handle badly; measured 1.5x slower appends and no faster scans. `idx` sits before
// the payload so that reading it never walks a payload's overflow pages.
function batchesTable(name: string): string {
  return `CREATE TABLE ${name} (
  base_offset INTEGER PRIMARY KEY,
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
);`;
}

/**
 * The WHERE clause of the partial index over config rows; a query must repeat it word for word for SQLite
 * to use that index.
 */
export const IS_CONFIG_ROW = `(attributes & ${String(CONTROL_MASK)}) = ${String(CONFIG_ATTRIBUTES)}`;

// `idx` grows with base_offset, so its index is appended at its right edge. The partial index holds only the
// rare config rows: finding the membership never scans the table, and data rows do not touch it.
const INDEXES = `
CREATE UNIQUE INDEX batches_idx ON batches (idx);
CREATE INDEX batches_config ON batches (idx) WHERE ${IS_CONFIG_ROW};
`;

const RAFT_META = "('start_idx', 0), ('raft_term', 0), ('raft_vote', 0), ('raft_commit', 0)";

// `snapshot_voters` (JSON array text) is absent until the Raft layer first records a membership.
const CREATE = `
BEGIN;
${batchesTable('batches')}
${INDEXES}
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER);
INSERT INTO meta (key, value) VALUES
  ('schema_version', ${String(SCHEMA_VERSION)}), ('log_start_offset', 0), ('start_term', 0), ${RAFT_META};
COMMIT;
`;

// Version 1 had no idx: rows are numbered 1, 2, ... in offset order, as if the log had been Raft's from its
// start (start_idx 0). The table is rebuilt rather than altered so that a migrated database has exactly the
// schema of a new one (column order included).
const MIGRATE_FROM_1 = `
${batchesTable('batches_v2')}
INSERT INTO batches_v2 (base_offset, idx, last_offset, term, count, first_ts, max_ts, crc32c, producer_id,
                        producer_epoch, base_sequence, attributes, payload)
  SELECT base_offset, row_number() OVER (ORDER BY base_offset), last_offset, term, count, first_ts, max_ts, crc32c,
         producer_id, producer_epoch, base_sequence, attributes, payload
  FROM batches ORDER BY base_offset;
DROP TABLE batches;
ALTER TABLE batches_v2 RENAME TO batches;
${INDEXES}
INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ${String(SCHEMA_VERSION)}), ${RAFT_META};
`;

/**
 * Creates the schema in an empty database, or migrates an older one in place, each in one transaction (a
 * crash leaves the database as it was before). Returns the version found, for the caller to check (a newer
 * or unknown version is left untouched).
 */
export function prepareSchema(db: Database.Database): number {
  const created = db.prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE name = 'meta'").pluck().get();
  if (created === 0) {
    db.exec(CREATE);
    return SCHEMA_VERSION;
  }
  const version = db.prepare<[], number>("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
  if (version === 1) {
    db.transaction(() => db.exec(MIGRATE_FROM_1))();
    return SCHEMA_VERSION;
  }
  return version ?? 0;
}
