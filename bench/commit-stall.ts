/**
 * Whether group commits hold the thread that serves clients: the number a writer thread per shard (issue 10) exists to
 * bring down. Appends `--per-commit` batches of one record to one partition of a real shard as the broker does (async
 * appends, group-committed), one group about every millisecond for `--rounds` rounds, asks for a checkpoint every 100
 * rounds (as the 1 s flush timer does), and prints, per flush policy and record size, the commit latency (first append
 * to last acknowledgement) and how late the event loop ran meanwhile (`monitorEventLoopDelay`): with commits on the
 * event loop every commit shows up as loop delay, with commits on the writer thread only the hand-off does.
 *
 * Run: `npm run build && node dist/bench/commit-stall.js [--rounds 3000] [--per-commit 10]`
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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

interface Measured {
  /** Per round: ms from the first append to the last acknowledgement. */
  readonly commitMs: number[];
  /** Event-loop delay percentiles over the whole run, ms: p99, p99.9, max. */
  readonly loopDelayMs: readonly number[];
}

async function measure(flush: FlushPolicy, recordBytes: number): Promise<Measured> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-commit-stall-'));
  const shard = Shard.open(path.join(dir, 'shard-0.db'), { flush });
  const log = PartitionLog.open(shard, 'bench-0', { retentionMs: -1, retentionBytes: -1 });
  const batch = plainBatch([{ key: null, value: new Uint8Array(recordBytes), timestamp: 0 }]);
  const commitMs: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const appends: Promise<unknown>[] = [];
      for (let i = 0; i < PER_COMMIT; i++) appends.push(log.append(batch, 1));
      await Promise.all(appends);
      commitMs.push(performance.now() - started);
      if (round % 100 === 99) log.sync();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    delay.disable();
    await log.close();
    await shard.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { commitMs, loopDelayMs: [delay.percentile(99), delay.percentile(99.9), delay.max].map((ns) => ns / 1e6) };
}

console.log(`${String(PER_COMMIT)} batches of 1 record per commit, ${String(ROUNDS)} commits; ms`);
console.log('flush     record  commit p50    p99  | loop delay p99  p99.9    max');
for (const flush of POLICIES) {
  for (const size of RECORD_SIZES) {
    const { commitMs, loopDelayMs } = await measure(flush, size);
    const commit = [50, 99].map((p) => percentile(commitMs, p).toFixed(2).padStart(6));
    const loop = loopDelayMs.map((ms) => ms.toFixed(2).padStart(6));
    console.log(
      `${flush.padEnd(9)} ${String(size).padStart(6)}      ${commit.join(' ')}  |          ${loop.join(' ')}`,
    );
  }
}
