/**
 * Partition log throughput: appends 10,000 batches of 100 records x 100 bytes (10 KB payloads, real CRC32C),
 * then scans the whole log with fetch-sized reads, and prints records/s.
 *
 * Run: `npx esbuild bench/log-scan.ts --bundle --platform=node --format=esm --packages=external
 * --outfile=dist/log-scan.mjs && node dist/log-scan.mjs [--flush interval] [--group 10]`
 * (or `node dist/bench/log-scan.js` after `npm run build`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { plainBatch, type BatchToAppend } from '../broker/log/batch.js';
import { FlushPolicy } from '../broker/log/log-options.js';
import { PartitionLog } from '../broker/log/partition-log.js';

const BATCHES = 10_000;
const RECORDS_PER_BATCH = 100;
const RECORD_BYTES = 100;
const FETCH_MAX_BYTES = 1024 * 1024;
const DISTINCT_PAYLOADS = 16;

function parseOptions(): { flush: FlushPolicy; group: number } {
  const { values } = parseArgs({
    options: { flush: { type: 'string', default: 'interval' }, group: { type: 'string', default: '10' } },
  });
  const flush = Object.values(FlushPolicy).find((policy) => policy === values.flush);
  const group = Number(values.group);
  if (flush === undefined || !Number.isInteger(group) || group < 1) {
    throw new Error('usage: log-scan [--flush always|interval|never] [--group <batches per commit>]');
  }
  return { flush, group };
}

function makeBatches(): BatchToAppend[] {
  const batches: BatchToAppend[] = [];
  for (let i = 0; i < DISTINCT_PAYLOADS; i++) {
    const records = Array.from({ length: RECORDS_PER_BATCH }, (_, r) => {
      const value = new Uint8Array(RECORD_BYTES);
      for (let j = 0; j < value.length; j++) value[j] = (i * 7919 + r * 131 + j * 31) & 0xff;
      return { key: null, value, timestamp: 1_700_000_000_000 + i };
    });
    batches.push(plainBatch(records));
  }
  return batches;
}

function pick(batches: BatchToAppend[], i: number): BatchToAppend {
  const batch = batches[i % batches.length];
  if (batch === undefined) throw new Error('no batches');
  return batch;
}

function rate(count: number, ms: number): string {
  return Math.round((count / ms) * 1000).toLocaleString('en-US');
}

async function main(): Promise<void> {
  const { flush, group } = parseOptions();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-log-scan-'));
  const options = { flush, retentionMs: -1, retentionBytes: -1 };
  try {
    const batches = makeBatches();
    let log = PartitionLog.openAlone(dir, options);
    const totalRecords = BATCHES * RECORDS_PER_BATCH;
    const totalMB = (BATCHES * RECORDS_PER_BATCH * RECORD_BYTES) / 1e6;

    let start = performance.now();
    for (let i = 0; i < BATCHES; i += group) {
      const turn: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(i + group, BATCHES); j++) {
        turn.push(log.append(pick(batches, j), 1));
      }
      await Promise.all(turn);
    }
    const appendMs = performance.now() - start;
    start = performance.now();
    log.sync();
    const syncMs = performance.now() - start;
    console.log(
      `append  flush=${flush} ${String(group)} batches/commit: ${appendMs.toFixed(0)} ms, ` +
        `${rate(totalRecords, appendMs)} records/s, ${rate(BATCHES, appendMs)} batches/s, ` +
        `${(totalMB / (appendMs / 1000)).toFixed(0)} MB/s, ${String(log.stats.commits)} commits; ` +
        `then sync() ${syncMs.toFixed(0)} ms`,
    );

    start = performance.now();
    await log.close();
    log = PartitionLog.openAlone(dir, options);
    console.log(`reopen (recovery) ${(performance.now() - start).toFixed(1)} ms, log end ${String(log.logEndOffset)}`);

    for (let pass = 1; pass <= 2; pass++) {
      start = performance.now();
      let offset = log.logStartOffset;
      let records = 0;
      let reads = 0;
      while (offset < log.logEndOffset) {
        const read = log.read(offset, FETCH_MAX_BYTES, log.logEndOffset);
        reads++;
        for (const batch of read) records += batch.count;
        const last = read.at(-1);
        if (last === undefined) break;
        offset = last.baseOffset + last.count;
      }
      const scanMs = performance.now() - start;
      console.log(
        `scan    pass ${String(pass)}: ${scanMs.toFixed(0)} ms, ${rate(records, scanMs)} records/s, ` +
          `${rate(BATCHES, scanMs)} batches/s, ${(totalMB / (scanMs / 1000)).toFixed(0)} MB/s, ${String(reads)} reads`,
      );
    }

    start = performance.now();
    const found = log.offsetForTimestamp(Number.MAX_SAFE_INTEGER);
    console.log(
      `offsetForTimestamp (no match, full scan) ${(performance.now() - start).toFixed(1)} ms -> ${String(found)}`,
    );
    await log.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
