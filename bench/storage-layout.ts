/**
 * Which SQLite layout should a storage shard (many partitions in one database, issue 10) use? Appends the same
 * batches round-robin over P partitions (at most 64 MiB per run), one transaction per commit round, under each candidate layout, then scans
 * every partition from its start; prints MB/s for both, median of the rounds' runs, interleaved so that a busy
 * machine slows every candidate alike.
 *
 * Candidates:
 * - `per-partition`: today's v2, one database per partition, `base_offset INTEGER PRIMARY KEY` (a round is one
 *   transaction per partition).
 * - `rowid+index`: one database; an autoincrement rowid table with a unique index on (part, base_offset).
 * - `without-rowid`: one database; `WITHOUT ROWID` keyed (part, base_offset), payload inline.
 * - `split`: one database; a `WITHOUT ROWID` index table keyed (part, base_offset) pointing at a rowid table of
 *   payloads.
 * each at page sizes 4 KiB and 16 KiB; batch payloads of 10 records of 100 B, 1 KiB and 16 KiB.
 *
 * Run: `npm run build && node dist/bench/storage-layout.js [--partitions 64] [--rounds 300] [--runs 3]`
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spread } from './stats.js';

const RECORDS_PER_BATCH = 10;
const RECORD_SIZES = [100, 1024, 16 * 1024] as const;
const PAGE_SIZES = [4096, 16_384] as const;
/** Payload bytes one run appends at most: fewer rounds for large records, so each run takes about as long. */
const MAX_RUN_BYTES = 64 * 1024 * 1024;

/** One appended batch. */
interface Row {
  readonly part: number;
  readonly base: number;
  readonly last: number;
  readonly count: number;
  readonly payload: Uint8Array;
}

/** One layout: its tables, how it stores a batch, and how a scan of one partition reads it. */
interface Layout {
  readonly name: string;
  /** Databases it uses for `partitions` partitions: one, or one per partition. */
  readonly perPartition: boolean;
  readonly schema: string;
  /** Prepares the statements of `db` and returns the function that stores one batch. */
  readonly inserter: (db: Database.Database) => (row: Row) => void;
  readonly scan: string;
}

/** An inserter running one statement with the row's fields as named parameters. */
const plainInsert =
  (sql: string) =>
  (db: Database.Database): ((row: Row) => void) => {
    const statement = db.prepare(sql);
    return (row) => {
      statement.run(row);
    };
  };

const COLUMNS = 'last_offset INTEGER NOT NULL, term INTEGER NOT NULL, count INTEGER NOT NULL, max_ts INTEGER NOT NULL';
const LAYOUTS: readonly Layout[] = [
  {
    name: 'per-partition',
    perPartition: true,
    schema: `CREATE TABLE batches (base_offset INTEGER PRIMARY KEY, ${COLUMNS}, payload BLOB NOT NULL)`,
    inserter: plainInsert('INSERT INTO batches VALUES (@base, @last, 1, @count, 0, @payload)'),
    scan: 'SELECT payload FROM batches WHERE base_offset >= @from ORDER BY base_offset',
  },
  {
    name: 'rowid+index',
    perPartition: false,
    schema: `CREATE TABLE batches (id INTEGER PRIMARY KEY, part INTEGER NOT NULL, base_offset INTEGER NOT NULL,
      ${COLUMNS}, payload BLOB NOT NULL);
      CREATE UNIQUE INDEX batches_at ON batches (part, base_offset)`,
    inserter: plainInsert(
      'INSERT INTO batches (part, base_offset, last_offset, term, count, max_ts, payload) ' +
        'VALUES (@part, @base, @last, 1, @count, 0, @payload)',
    ),
    scan: 'SELECT payload FROM batches WHERE part = @part AND base_offset >= @from ORDER BY base_offset',
  },
  {
    name: 'without-rowid',
    perPartition: false,
    schema: `CREATE TABLE batches (part INTEGER NOT NULL, base_offset INTEGER NOT NULL, ${COLUMNS},
      payload BLOB NOT NULL, PRIMARY KEY (part, base_offset)) WITHOUT ROWID`,
    inserter: plainInsert('INSERT INTO batches VALUES (@part, @base, @last, 1, @count, 0, @payload)'),
    scan: 'SELECT payload FROM batches WHERE part = @part AND base_offset >= @from ORDER BY base_offset',
  },
  {
    name: 'split',
    perPartition: false,
    schema: `CREATE TABLE payloads (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
      CREATE TABLE batches (part INTEGER NOT NULL, base_offset INTEGER NOT NULL, ${COLUMNS},
      payload_id INTEGER NOT NULL, PRIMARY KEY (part, base_offset)) WITHOUT ROWID`,
    inserter: (db) => {
      const payload = db.prepare('INSERT INTO payloads (payload) VALUES (?)');
      const batch = db.prepare('INSERT INTO batches VALUES (@part, @base, @last, 1, @count, 0, @id)');
      return (row) => {
        const id = payload.run(row.payload).lastInsertRowid;
        batch.run({ part: row.part, base: row.base, last: row.last, count: row.count, id });
      };
    },
    scan: `SELECT p.payload FROM batches b JOIN payloads p ON p.id = b.payload_id
      WHERE b.part = @part AND b.base_offset >= @from ORDER BY b.base_offset`,
  },
];

interface Options {
  readonly partitions: number;
  readonly rounds: number;
  readonly runs: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      partitions: { type: 'string', default: '64' },
      rounds: { type: 'string', default: '300' },
      runs: { type: 'string', default: '3' },
    },
  });
  const options = { partitions: Number(values.partitions), rounds: Number(values.rounds), runs: Number(values.runs) };
  if (!Object.values(options).every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error('usage: storage-layout [--partitions n] [--rounds n] [--runs n]');
  }
  return options;
}

function open(file: string, pageSize: number, schema: string): Database.Database {
  const db = new Database(file);
  db.pragma(`page_size = ${String(pageSize)}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 4096');
  db.exec(schema);
  return db;
}

/** Appends `rounds` rounds of one batch per partition, then scans each partition; returns [append, scan] MB/s. */
function runOnce(layout: Layout, pageSize: number, recordBytes: number, options: Options): [number, number] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-layout-'));
  const payload = new Uint8Array(RECORDS_PER_BATCH * recordBytes).map((_, i) => (i * 31) & 0xff);
  const files = layout.perPartition ? options.partitions : 1;
  const dbs = Array.from({ length: files }, (_, i) =>
    open(path.join(dir, `db-${String(i)}.db`), pageSize, layout.schema),
  );
  try {
    const inserts = dbs.map((db) => layout.inserter(db));
    const round = (db: Database.Database, dbIndex: number, parts: readonly number[], base: number): void => {
      const insert = inserts[dbIndex] ?? fail();
      db.transaction(() => {
        for (const part of parts)
          insert({ part, base, last: base + RECORDS_PER_BATCH - 1, count: RECORDS_PER_BATCH, payload });
      })();
    };
    const everyPart = Array.from({ length: options.partitions }, (_, i) => i);
    const rounds = Math.max(
      1,
      Math.min(options.rounds, Math.floor(MAX_RUN_BYTES / (options.partitions * payload.byteLength))),
    );
    const appendStart = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) {
      const base = r * RECORDS_PER_BATCH;
      if (layout.perPartition)
        dbs.forEach((db, i) => {
          round(db, i, [i], base);
        });
      else round(dbs[0] ?? fail(), 0, everyPart, base);
    }
    const appendSeconds = Number(process.hrtime.bigint() - appendStart) / 1e9;
    const scans = dbs.map((db) => db.prepare(layout.scan).pluck());
    let scanned = 0;
    const scanStart = process.hrtime.bigint();
    for (const part of everyPart) {
      const scan = layout.perPartition ? scans[part] : scans[0];
      for (const blob of (scan ?? fail()).iterate({ part, from: 0 }) as IterableIterator<Uint8Array>) {
        scanned += blob.byteLength;
      }
    }
    const scanSeconds = Number(process.hrtime.bigint() - scanStart) / 1e9;
    const bytes = rounds * options.partitions * payload.byteLength;
    if (scanned !== bytes) throw new Error(`${layout.name}: scanned ${String(scanned)} of ${String(bytes)} bytes`);
    return [bytes / 1e6 / appendSeconds, bytes / 1e6 / scanSeconds];
  } finally {
    for (const db of dbs) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function fail(): never {
  throw new Error('missing database');
}

const options = parseOptions();
console.log(
  `${String(options.partitions)} partitions, ${String(options.rounds)} rounds of one ${String(RECORDS_PER_BATCH)}-record ` +
    `batch per partition, median of ${String(options.runs)} interleaved runs (MB/s: append / scan)`,
);
for (const recordBytes of RECORD_SIZES) {
  for (const pageSize of PAGE_SIZES) {
    const results = new Map<string, [number[], number[]]>(LAYOUTS.map((l) => [l.name, [[], []]]));
    for (let run = 0; run < options.runs; run++) {
      for (const layout of LAYOUTS) {
        const [append, scan] = runOnce(layout, pageSize, recordBytes, options);
        results.get(layout.name)?.[0].push(append);
        results.get(layout.name)?.[1].push(scan);
      }
    }
    const cells = [...results].map(
      ([name, [append, scan]]) => `${name} ${spread(append).median.toFixed(0)} / ${spread(scan).median.toFixed(0)}`,
    );
    console.log(`record ${String(recordBytes)} B, page ${String(pageSize)} B: ${cells.join(' | ')}`);
  }
}
