/**
 * Reads a partition replica straight from its log file (`<data dir>/<topic>-<partition>/log.db`, SQLite), since the
 * client reads only from leaders: rows of `batches` in offset order, their data records decoded (values as UTF-8
 * text), control batches kept as rows only. Only for a STOPPED broker: a running one holds its databases with
 * `locking_mode = EXCLUSIVE` (readers get SQLITE_BUSY).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { partitionDir } from '../../broker/log/log-manager.js';
import { LOG_DB_FILE } from '../../broker/log/log-store.js';
import { CONTROL_BATCH, decodeRecordsWith, type FetchedBatch } from '../../protocol/index.js';
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

/** The log file of `topic`/`partition` in a broker's data dir. */
export function replicaLogFile(dataDir: string, topic: string, partition: number): string {
  return path.join(partitionDir(dataDir, topic, partition), LOG_DB_FILE);
}

/**
 * Everything a stopped broker's replica holds. The file is opened read-write (SQLite may have to recover the WAL a
 * killed broker left) but only read. Throws if the replica has no log file.
 */
export function readReplicaLog(dataDir: string, topic: string, partition: number): ReplicaLog {
  return withDatabase(dataDir, topic, partition, (db) => {
    const rows = db
      .prepare<[], Row>(
        'SELECT base_offset, last_offset, count, first_ts, max_ts, crc32c, producer_id, producer_epoch, ' +
          'base_sequence, attributes, payload FROM batches ORDER BY base_offset',
      )
      .all();
    const logStartOffset = metaValue(db, 'log_start_offset');
    const batches: ReadBatch[] = [];
    const records: ReadRecord[] = [];
    const text = new TextDecoder();
    for (const row of rows) {
      batches.push({ baseOffset: row.base_offset, lastOffset: row.last_offset, crc: row.crc32c });
      if ((row.attributes & CONTROL_BATCH) !== 0) continue;
      const batch: FetchedBatch = {
        baseOffset: row.base_offset,
        count: row.count,
        firstTimestamp: row.first_ts,
        maxTimestamp: row.max_ts,
        crc: row.crc32c,
        producerId: row.producer_id,
        producerEpoch: row.producer_epoch,
        baseSequence: row.base_sequence,
        attributes: row.attributes,
        records: row.payload,
      };
      decodeRecordsWith(
        batch,
        row.base_offset,
        (offset, _timestamp, _key, value) => ({ offset, value: value === null ? '(null)' : text.decode(value) }),
        records,
      );
    }
    const last = rows.at(-1);
    return { logStartOffset, endOffset: last === undefined ? logStartOffset : last.last_offset + 1, batches, records };
  });
}

function withDatabase<R>(dataDir: string, topic: string, partition: number, use: (db: Database.Database) => R): R {
  const file = replicaLogFile(dataDir, topic, partition);
  if (!fs.existsSync(file)) throw new Error(`no log file ${file}`);
  const db = new Database(file, { fileMustExist: true });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

function metaValue(db: Database.Database, key: string): number {
  const value = db.prepare<[string], number>('SELECT value FROM meta WHERE key = ?').pluck().get(key);
  return typeof value === 'number' ? value : 0;
}
