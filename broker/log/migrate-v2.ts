/**
 * The upgrade from storage schema v1/v2 (one SQLite database per partition log, `<dir>/log.db`) to shards (v4): a
 * log's old database is copied into its shard in one transaction (its name, batches and meta values), then deleted.
 * A crash before the copy commits leaves the old file to copy again on the next start; a crash after it leaves a file
 * whose log the shard already holds, which is then only deleted. Records keep their offsets, Raft indices and terms.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { storageError } from './log-store.js';
import { upgradeLegacySchema, SCHEMA_VERSION } from './log-schema.js';
import type { Shard } from './shard.js';

/** File name of a log's database in the per-partition layout (schema v1 and v2). */
export const LEGACY_LOG_FILE = 'log.db';

/**
 * Brings the old database `<dir>/log.db`, if there is one, into `shard` as the log `name`, then deletes the old files
 * (not `dir` itself). Throws a LogError (STORAGE_ERROR) when the old database cannot be read; it is then left as is.
 */
export function migrateLegacyLog(shard: Shard, dir: string, name: string): void {
  const file = path.join(dir, LEGACY_LOG_FILE);
  if (!fs.existsSync(file)) return;
  if (!shard.has(name)) {
    upgradeInPlace(file);
    shard.importLegacyLog(name, file);
  }
  try {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  } catch (err) {
    throw storageError(err, `deleting ${file} after moving it into ${shard.file}`);
  }
}

/** Opens the old database once on its own: SQLite replays its WAL, and a version 1 database becomes version 2. */
function upgradeInPlace(file: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0 });
    const version = upgradeLegacySchema(db);
    if (version !== SCHEMA_VERSION) throw new Error(`schema version ${String(version)}, expected 1 or 2`);
    db.close();
  } catch (err) {
    db?.close();
    throw storageError(err, `reading ${file} to move it into a shard`);
  }
}
