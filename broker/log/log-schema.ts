/**
 * The schema of the per-partition `log.db` of releases before storage shards, and its migration from version 1 to 2;
 * migrate-v2.ts then copies a version 2 log into its shard (shard-schema.ts is the schema written now).
 *
 * Version 2 (Raft): every row carries `idx`, its Raft index (consecutive, in base-offset order), and `meta`
 * holds the Raft view of the head of the log (`start_idx`, the index of the last removed row, i.e. the
 * snapshot index; `snapshot_voters`, the membership as of it) and the Raft hard state.
 */
import type Database from 'better-sqlite3';
import { IS_CONFIG_ROW } from './shard-schema.js';

/** The last per-partition version, the one migrate-v2.ts reads. */
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

// `idx` grows with base_offset, so its index is appended at its right edge. The partial index holds only the
// rare config rows: finding the membership never scans the table, and data rows do not touch it.
const INDEXES = `
CREATE UNIQUE INDEX batches_idx ON batches (idx);
CREATE INDEX batches_config ON batches (idx) WHERE ${IS_CONFIG_ROW};
`;

const RAFT_META = "('start_idx', 0), ('raft_term', 0), ('raft_vote', 0), ('raft_commit', 0)";

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
 * Migrates a version 1 database to version 2 in place, in one transaction (a crash leaves it as it was). Returns the
 * version it has now, for the caller to check (0 when it is no log database; a newer or unknown version is left
 * untouched).
 */
export function upgradeLegacySchema(db: Database.Database): number {
  const created = db.prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE name = 'meta'").pluck().get();
  if (created === 0) return 0;
  const version = db.prepare<[], number>("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
  if (version === 1) {
    db.transaction(() => db.exec(MIGRATE_FROM_1))();
    return SCHEMA_VERSION;
  }
  return version ?? 0;
}
