/**
 * The upgrade from storage schema v3 to v4: every stored batch becomes a Kafka RecordBatch v2 with the same offsets,
 * Raft term, timestamps, keys, values, headers and producer fields. Version 3 stored Brook's own record encoding as a
 * row's payload, with the batch's fields only in the row's columns; Brook's attribute bits (control 1, config 2,
 * checkpoint 4 and 8) collided with Kafka's compression bits, so they move too (control.ts).
 *
 * A whole shard migrates in one transaction when it is opened: after a crash before the commit it is still v3 and
 * migrates again. A per-partition database of schema v1/v2 (migrate-v2.ts) holds v3 payloads too: its rows are
 * re-encoded in the transaction that copies them in. Version 3 payloads are read nowhere else: this file keeps the
 * only reader of that encoding.
 *
 * Re-encoding was chosen over reading both formats by a per-row marker: a v3 row would otherwise cost a re-encode on
 * every fetch (fetch serves stored bytes as they are) and both decoders would live on in every client. The migration
 * runs once, at about the speed of a log scan (bench/log-scan.ts), in a shard's own transaction.
 */
import type Database from 'better-sqlite3';
import { ProtocolError, type RecordHeader, type RecordToEncode } from '../../protocol/index.js';
import { encodeRecordBatch } from '../../protocol/index.js';
import { hardwareCrc32c, placeBatch, type BatchToAppend } from './batch.js';
import { CHECKPOINT_END, CHECKPOINT_START, controlBatch } from './control.js';
import { LogError, LogErrorKind } from './log-error.js';
import { ALONE_LOG_NAME, IS_CONFIG_ROW, SHARD_SCHEMA_VERSION } from './shard-schema.js';

/** Version 3's attribute bits. */
const V3_CONTROL = 1;
const V3_CONFIG = 2;
const V3_CHECKPOINT_START = 4;
const V3_CHECKPOINT_END = 8;

/** Rows read per step: a migration of a large shard never holds more than this many payloads in memory. */
const ROWS_PER_STEP = 1000;

type V3Row = [
  id: number,
  baseOffset: number,
  term: number,
  count: number,
  firstTs: number,
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
  attributes: number,
  payload: Uint8Array,
];

/**
 * Migrates a v3 shard to v4 in one transaction: re-encodes every batch, rebuilds the index over config rows (its
 * condition names the new bits) and records the new version. Throws a LogError STORAGE_ERROR naming the batch that
 * does not decode (the shard is then left as it was).
 */
export function migrateShardV3(db: Database.Database): void {
  db.transaction(() => {
    const parts = db.prepare<[], [number, string]>('SELECT part, name FROM partitions').raw().all();
    for (const [part, name] of parts) reencodeV3Rows(db, part, name);
    db.exec(`DROP INDEX IF EXISTS batches_configs;
      CREATE INDEX batches_configs ON batches (part, idx) WHERE ${IS_CONFIG_ROW};`);
    db.prepare("UPDATE shard SET value = ? WHERE key = 'schema_version'").run(SHARD_SCHEMA_VERSION);
  })();
}

/**
 * Re-encodes the v3 rows of the log `name` (its `part`) as RecordBatch v2 rows, in the caller's transaction. The log
 * kept alone (the metadata log) stored one opaque value per batch, not records: each becomes the value of one record.
 */
export function reencodeV3Rows(db: Database.Database, part: number, name: string): void {
  const read = db
    .prepare<[number, number], V3Row>(
      `SELECT id, base_offset, term, count, first_ts, producer_id, producer_epoch, base_sequence, attributes, payload
       FROM batches WHERE part = ? AND id > ? ORDER BY id LIMIT ${String(ROWS_PER_STEP)}`,
    )
    .raw();
  const write = db.prepare<[number, number, Uint8Array, number]>(
    'UPDATE batches SET crc32c = ?, attributes = ?, payload = ? WHERE id = ?',
  );
  const opaque = name === ALONE_LOG_NAME;
  for (let after = 0; ;) {
    const rows = read.all(part, after);
    for (const row of rows) {
      const [id, baseOffset, term] = row;
      let batch: BatchToAppend;
      try {
        batch = v4Batch(row, opaque);
      } catch (err: unknown) {
        throw new LogError(
          LogErrorKind.STORAGE_ERROR,
          `${name}: the v3 batch at offset ${String(baseOffset)} does not decode (${String(err)}), so it cannot be ` +
            'migrated to RecordBatch v2',
        );
      }
      placeBatch(batch, baseOffset, term);
      write.run(batch.crc, batch.attributes, batch.bytes, id);
      after = id;
    }
    if (rows.length < ROWS_PER_STEP) return;
  }
}

/** The v2 batch holding what a v3 row held. */
function v4Batch(row: V3Row, opaque: boolean): BatchToAppend {
  const [, , , count, firstTs, producerId, producerEpoch, baseSequence, attributes, payload] = row;
  if ((attributes & V3_CONTROL) !== 0) return controlBatch((attributes & V3_CONFIG) !== 0 ? 'config' : 'noop', payload);
  const records: RecordToEncode[] = opaque
    ? [{ key: null, value: payload, timestamp: firstTs }]
    : decodeV3Records(payload, count, firstTs);
  const marks =
    ((attributes & V3_CHECKPOINT_START) !== 0 ? CHECKPOINT_START : 0) |
    ((attributes & V3_CHECKPOINT_END) !== 0 ? CHECKPOINT_END : 0);
  return encodeRecordBatch(records, { producerId, producerEpoch, baseSequence }, hardwareCrc32c, marks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Version 3's record encoding, per record: timestampDelta (zigzag varint, from the batch's first timestamp), key and
 * value (varint length + 1, 0 = null, then the bytes), headerCount (varint), then per header a key (varint length +
 * UTF-8) and a value (like a value). Varints are unsigned LEB128.
 */
function decodeV3Records(bytes: Uint8Array, count: number, firstTs: number): RecordToEncode[] {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    for (let scale = 1; ; scale *= 0x80) {
      if (pos >= bytes.byteLength) throw new ProtocolError('record batch truncated');
      const b = bytes[pos++] ?? 0;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      if (scale > 2 ** 49) throw new ProtocolError('varint too long');
    }
  };
  const take = (length: number): Uint8Array => {
    if (pos + length > bytes.byteLength) throw new ProtocolError('record batch truncated');
    pos += length;
    return bytes.subarray(pos - length, pos);
  };
  const bytesOrNull = (): Uint8Array | null => {
    const length = varint();
    return length === 0 ? null : take(length - 1);
  };
  const records: RecordToEncode[] = [];
  for (let i = 0; i < count; i++) {
    const zigzag = varint();
    const timestamp = firstTs + (zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2);
    const key = bytesOrNull();
    const value = bytesOrNull();
    const headers: RecordHeader[] = [];
    for (let h = varint(); h > 0; h--) headers.push([utf8.decode(take(varint())), bytesOrNull()]);
    records.push({ key, value, timestamp, headers });
  }
  if (pos !== bytes.byteLength) throw new ProtocolError('record batch has trailing bytes');
  return records;
}
