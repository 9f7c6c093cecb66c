/**
 * How long a group commit holds the thread that runs it: the number a writer thread per shard (issue 10) exists to
 * take off the network thread. Appends `--per-commit` batches of one record to one partition of a real shard, commits
 * them as the broker's group commit does (one transaction), about once per millisecond for `--rounds` rounds, asks
 * the checkpointer for a checkpoint every 100 rounds (as the 1 s flush timer does), and prints the distribution of
 * the time each commit took on the calling thread, per flush policy and record size.
 *
 * Run: `npm run build && node dist/bench/commit-stall.js [--rounds 3000] [--per-commit 10]`
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { plainBatch } from '../broker/log/batch.js';
import { FlushPolicy, PartitionLog, Shard } from '../broker/log/index.js';
import { percentile } from './stats.js';

const RECORD_SIZES = [100, 1024, 16 * 1024] as const;
const POLICIES = [FlushPolicy.INTERVAL, FlushPolicy.ALWAYS] as const;

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3000' }, 'per-commit': { type: 'string', default: '10' } },
});
const ROUNDS = Number(values.rounds);
const PER_COMMIT = Number(values['per-commit']);
if (!Number.isInteger(ROUNDS) || ROUNDS < 100) throw new Error('--rounds must be an integer >= 100');
if (!Number.isInteger(PER_COMMIT) || PER_COMMIT < 1) throw new Error('--per-commit must be a positive integer');

/** Milliseconds each of `ROUNDS` commits of `PER_COMMIT` batches held the thread. */
async function commitTimes(flush: FlushPolicy, recordBytes: number): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-commit-stall-'));
  const shard = Shard.open(path.join(dir, 'shard-0.db'), { flush });
  const log = PartitionLog.open(shard, 'bench-0', { retentionMs: -1, retentionBytes: -1 });
  const batch = plainBatch([{ key: null, value: new Uint8Array(recordBytes), timestamp: 0 }]);
  const times: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      for (let i = 1; i < PER_COMMIT; i++) void log.append(batch, 1);
      log.appendSync(batch, 1);
      times.push(performance.now() - started);
      if (round % 100 === 99) shard.sync();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    await log.close();
    await shard.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return times;
}

console.log(
  `${String(PER_COMMIT)} batches of 1 record per commit, ${String(ROUNDS)} commits; ms on the calling thread`,
);
console.log('flush     record  p50    p99    p99.9  max');
for (const flush of POLICIES) {
  for (const size of RECORD_SIZES) {
    const times = await commitTimes(flush, size);
    const cells = [50, 99, 99.9, 100].map((p) => percentile(times, p).toFixed(2).padStart(6));
    console.log(`${flush.padEnd(9)} ${String(size).padStart(6)}  ${cells.join(' ')}`);
  }
}
