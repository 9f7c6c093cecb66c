import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import type { LogOptions } from '../../../broker/log/log-options.js';
import type { ShardOptions } from '../../../broker/log/shard.js';
import { PartitionLog } from '../../../broker/log/partition-log.js';
import { makeBatch, tempDir } from './log-fixtures.js';

/** What the model remembers of a batch. */
interface ModelBatch {
  baseOffset: number;
  count: number;
  bytes: number;
  term: number;
  maxTimestamp: number;
}

type Command =
  | { kind: 'append'; batches: { count: number; bytes: number; maxTimestamp: number }[]; termBump: boolean }
  | { kind: 'retention'; nowMs: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'reopen' };

// Coarse steps for sizes and times so the boundaries of the retention rules (equal sizes, equal timestamps)
// come up often.
const step = (unit: number, max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max }).map((n) => n * unit);

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      batches: fc.array(
        fc.record({
          count: fc.integer({ min: 1, max: 50 }),
          bytes: step(50, 6),
          maxTimestamp: step(100, 10),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      termBump: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('retention' as const), nowMs: step(100, 20) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
);

const optionsArb: fc.Arbitrary<LogOptions & ShardOptions> = fc.record({
  flush: fc.constant('never' as const),
  retentionMs: fc.oneof(fc.constant(-1), fc.constant(0), step(100, 10)),
  retentionBytes: fc.oneof(fc.constant(-1), fc.constant(0), step(50, 40)),
});

/** The reference: Kafka's rules on a plain array. */
class Model {
  batches: ModelBatch[] = [];
  logStartOffset = 0;
  logEndOffset = 0;
  term = 0;
  /** Term of the last batch retention removed. */
  startTerm = 0;

  append(count: number, bytes: number, maxTimestamp: number, term: number): void {
    this.batches.push({ baseOffset: this.logEndOffset, count, bytes, term, maxTimestamp });
    this.logEndOffset += count;
    this.term = term;
  }

  retention(options: LogOptions, nowMs: number): number {
    let timeCut = 0;
    if (options.retentionMs >= 0) {
      while (
        timeCut < this.batches.length &&
        (this.batches[timeCut]?.maxTimestamp ?? 0) < nowMs - options.retentionMs
      ) {
        timeCut++;
      }
    }
    let sizeCut = 0;
    if (options.retentionBytes >= 0) {
      let remaining = this.batches.reduce((sum, b) => sum + b.bytes, 0);
      for (const batch of this.batches) {
        if (remaining - batch.bytes < options.retentionBytes) break;
        remaining -= batch.bytes;
        sizeCut++;
      }
    }
    const removed = this.batches.splice(0, Math.max(timeCut, sizeCut));
    const last = removed.at(-1);
    if (last !== undefined) {
      this.logStartOffset = this.batches[0]?.baseOffset ?? this.logEndOffset;
      this.startTerm = last.term;
    }
    return removed.length;
  }

  truncate(index: number): void {
    const removed = this.batches.splice(index);
    const first = removed[0];
    if (first === undefined) return;
    this.logEndOffset = first.baseOffset;
    this.term = this.batches.at(-1)?.term ?? this.startTerm;
  }
}

function checkAgainstModel(log: PartitionLog, model: Model): void {
  if (log.logStartOffset > log.logEndOffset) throw new Error('logStartOffset > logEndOffset');
  if (log.logStartOffset !== model.logStartOffset) {
    throw new Error(`logStartOffset ${String(log.logStartOffset)} != model ${String(model.logStartOffset)}`);
  }
  if (log.logEndOffset !== model.logEndOffset) {
    throw new Error(`logEndOffset ${String(log.logEndOffset)} != model ${String(model.logEndOffset)}`);
  }
  const read = log.read(log.logStartOffset, Number.MAX_SAFE_INTEGER, log.logEndOffset);
  let expected = log.logStartOffset;
  for (const batch of read) {
    if (batch.baseOffset !== expected) {
      throw new Error(`gap or overlap: batch at ${String(batch.baseOffset)}, expected ${String(expected)}`);
    }
    expected = batch.baseOffset + batch.count;
  }
  if (expected !== log.logEndOffset)
    throw new Error(`read ends at ${String(expected)}, log end ${String(log.logEndOffset)}`);
  const actual = read.map((b) => [b.baseOffset, b.count, b.bytes.byteLength, b.term, b.maxTimestamp]);
  const wanted = model.batches.map((b) => [b.baseOffset, b.count, b.bytes, b.term, b.maxTimestamp]);
  if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
    throw new Error(`batches differ: ${JSON.stringify(actual)} vs model ${JSON.stringify(wanted)}`);
  }
  if (log.lastTerm !== model.term) throw new Error(`lastTerm ${String(log.lastTerm)} != ${String(model.term)}`);
  const size = model.batches.reduce((sum, b) => sum + b.bytes, 0);
  if (log.sizeBytes !== size) throw new Error(`sizeBytes ${String(log.sizeBytes)} != ${String(size)}`);
}

void t.test('appends, retention, truncation and reopen keep offsets gapless, monotonic and never reused', async (t) => {
  const root = tempDir(t);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(optionsArb, fc.array(commandArb, { minLength: 1, maxLength: 30 }), async (options, commands) => {
      const dir = path.join(root, String(run++));
      const model = new Model();
      let log = PartitionLog.openAlone(dir, options);
      let seed = 0;
      try {
        for (const command of commands) {
          switch (command.kind) {
            case 'append': {
              const term = model.term + (command.termBump ? 1 : 0);
              const pending = command.batches.map((b) => {
                const expectedBase = model.logEndOffset;
                const batch = makeBatch(b.count, b.bytes, seed++, { maxTimestamp: b.maxTimestamp });
                model.append(b.count, batch.bytes.byteLength, b.maxTimestamp, term);
                const result = log.append(batch, term);
                return result.then((r) => {
                  if (r.baseOffset !== expectedBase)
                    throw new Error(`base ${String(r.baseOffset)} != ${String(expectedBase)}`);
                });
              });
              await Promise.all(pending);
              break;
            }
            case 'retention': {
              const removed = log.applyRetention(command.nowMs);
              const expected = model.retention(options, command.nowMs);
              if (removed !== expected)
                throw new Error(`retention removed ${String(removed)}, model ${String(expected)}`);
              break;
            }
            case 'truncate': {
              const index = command.at % (model.batches.length + 1);
              log.truncateFrom(model.batches[index]?.baseOffset ?? model.logEndOffset);
              model.truncate(index);
              break;
            }
            case 'reopen': {
              const endBefore = log.logEndOffset;
              await log.close();
              log = PartitionLog.openAlone(dir, options);
              if (log.recovery.truncatedBatches !== 0) throw new Error('a clean reopen truncated batches');
              if (log.logEndOffset !== endBefore) throw new Error('reopen moved the log end offset');
              break;
            }
          }
          checkAgainstModel(log, model);
        }
      } finally {
        await log.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 100 },
  );
  t.pass('property held');
});
