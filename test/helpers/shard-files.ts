/**
 * A broker's storage shards (`<data dir>/shard-<n>.db`) read straight from their SQLite files, as tests check what a
 * broker stored without going through it. Read-only connections work while the broker runs (the shards are in WAL
 * mode); a read-write one lets SQLite recover the WAL a killed broker left.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Runs `use` on each shard of `dataDir` until it returns something other than undefined, and returns that. */
export function findInShards<R>(
  dataDir: string,
  options: { readonly readonly: boolean },
  use: (db: Database.Database) => R | undefined,
): R | undefined {
  for (const file of fs.readdirSync(dataDir).filter((f) => /^shard-\d+\.db$/.test(f))) {
    const db = new Database(path.join(dataDir, file), { readonly: options.readonly, fileMustExist: true });
    try {
      const found = use(db);
      if (found !== undefined) return found;
    } finally {
      db.close();
    }
  }
  return undefined;
}

/** The names (`<topic>-<n>`) of every log the shards of `dataDir` hold, sorted. */
export function storedLogNames(dataDir: string): string[] {
  const names: string[] = [];
  findInShards(dataDir, { readonly: true }, (db) => {
    names.push(...db.prepare<[], string>('SELECT name FROM partitions').pluck().all());
    return undefined;
  });
  return names.sort();
}
