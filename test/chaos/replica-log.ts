/**
 * Reads a partition replica straight from its storage shard (`<data dir>/shard-<n>.db`, SQLite: the one whose
 * `partitions` table names `<topic>-<partition>`), since the client reads only from leaders: its rows of `batches` in
 * offset order, their data records decoded (values as UTF-8 text), control batches kept as rows only. Only for a
 * STOPPED broker: a running one holds its shards with `locking_mode = EXCLUSIVE` (readers get SQLITE_BUSY).
 */
import type Database from 'better-sqlite3';
import { CONTROL_BATCH, logName } from '../../broker/log/index.js';
import { findInShards } from '../helpers/shard-files.js';
import { decodeRecordBatch } from '../../protocol/index.js';
import type { ReadBatch, ReadRecord } from './checker.js';

/** One replica's copy of a partition as its file holds it. */
export interface ReplicaLog {
  /** First offset still held (`log_start_offset` in meta). */
  readonly logStartOffset: number;
  /** Offset after the last row (the log end offset), `logStartOffset` when empty. */
  readonly endOffset: number;
  /** Every row: data and control batches. */
  readonly batches: readonly ReadBatch[];
  /** Data records (control batches left out), values as UTF-8 text. */
  readonly records: readonly ReadRecord[];
}

interface Row {
  base_offset: number;
  last_offset: number;
  count: number;
  first_ts: number;
  max_ts: number;
  crc32c: number;
  producer_id: number;
  producer_epoch: number;
  base_sequence: number;
  attributes: number;
  payload: Uint8Array;
}

/**
 * Everything a stopped broker's replica holds. The shard is opened read-write (SQLite may have to recover the WAL a
 * killed broker left) but only read. Throws if no shard holds the replica.
 */
export function readReplicaLog(dataDir: string, topic: string, partition: number): ReplicaLog {
  return withPartition(dataDir, logName(topic, partition), (db, part) => {
    const rows = db
      .prepare<[number], Row>(
        'SELECT base_offset, last_offset, count, first_ts, max_ts, crc32c, producer_id, producer_epoch, ' +
          'base_sequence, attributes, payload FROM batches WHERE part = ? ORDER BY base_offset',
      )
      .all(part);
    const logStartOffset = metaValue(db, part, 'log_start_offset');
    const batches: ReadBatch[] = [];
    const records: ReadRecord[] = [];
    const text = new TextDecoder();
    for (const row of rows) {
      batches.push({ baseOffset: row.base_offset, lastOffset: row.last_offset, crc: row.crc32c });
      if ((row.attributes & CONTROL_BATCH) !== 0) continue;
      for (const r of decodeRecordBatch(row.payload)) {
        records.push({ offset: r.offset, value: r.value === null ? '(null)' : text.decode(r.value) });
      }
    }
    const last = rows.at(-1);
    return { logStartOffset, endOffset: last === undefined ? logStartOffset : last.last_offset + 1, batches, records };
  });
}

/** Runs `use` on the shard holding the log `name` and the log's `part` in it. */
function withPartition<R>(dataDir: string, name: string, use: (db: Database.Database, part: number) => R): R {
  const found = findInShards(dataDir, { readonly: false }, (db) => {
    const part = db.prepare<[string], number>('SELECT part FROM partitions WHERE name = ?').pluck().get(name);
    return part === undefined ? undefined : { result: use(db, part) };
  });
  if (found === undefined) throw new Error(`no shard in ${dataDir} holds ${name}`);
  return found.result;
}

function metaValue(db: Database.Database, part: number, key: string): number {
  const value = db
    .prepare<[number, string], number>('SELECT value FROM meta WHERE part = ? AND key = ?')
    .pluck()
    .get(part, key);
  return typeof value === 'number' ? value : 0;
}
