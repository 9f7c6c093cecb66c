/** Reading a known amount from a Consumer, bounded in time. */
import type { ConsumerCore, ConsumerRecord } from '../../client/index.js';

/** Options of {@link consumeBatches} and {@link consumeUntil}. */
export interface ConsumeOptions {
  /** Give up after this long, in ms. Default 30 000. */
  readonly timeoutMs?: number;
  /** Most records per batch taken from the consumer. Default 10 000. */
  readonly maxRecords?: number;
}

/**
 * Takes batches of records from `consumer` (which must already be assigned) and hands each to `onBatch` until it
 * returns true. Keeps nothing. Rejects if that takes longer than `timeoutMs`, saying how many records had arrived.
 */
export async function consumeBatches<T>(
  consumer: ConsumerCore<T>,
  onBatch: (batch: readonly ConsumerRecord<T>[]) => boolean,
  options: ConsumeOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const iterator = consumer.batches({ maxRecords: options.maxRecords ?? 10_000 })[Symbol.asyncIterator]();
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new Error(`consumer: timed out after ${String(timeoutMs)} ms with ${String(received)} record(s) received`),
      );
    }, timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done === true) throw new Error(`consumer ended after ${String(received)} record(s)`);
      received += next.value.length;
      if (onBatch(next.value)) return;
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Takes records until `done(received)` holds and resolves with all of them in the order they came (checked after
 * each batch, and once before reading).
 */
export async function consumeUntil<T>(
  consumer: ConsumerCore<T>,
  done: (received: readonly ConsumerRecord<T>[]) => boolean,
  options: ConsumeOptions = {},
): Promise<ConsumerRecord<T>[]> {
  const received: ConsumerRecord<T>[] = [];
  if (done(received)) return received;
  await consumeBatches(
    consumer,
    (batch) => {
      for (const record of batch) received.push(record);
      return done(received);
    },
    options,
  );
  return received;
}

/**
 * Takes records until the consumer's position on each partition of `topic` reaches `endOffsets[partition]` (e.g. the
 * high watermarks), and resolves with all of them.
 */
export function consumeToOffsets<T>(
  consumer: ConsumerCore<T>,
  topic: string,
  endOffsets: readonly number[],
  options: ConsumeOptions = {},
): Promise<ConsumerRecord<T>[]> {
  const reached = (): boolean =>
    endOffsets.every((end, partition) => end === 0 || (consumer.position({ topic, partition }) ?? 0) >= end);
  return consumeUntil(consumer, reached, options);
}

/**
 * The value of a record the test wrote with one (never a tombstone): `record.value` is null only for a record stored
 * with a null value, which these tests do not produce; one turning up fails the test here with where it was.
 */
export function valueOf<T>(record: {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: T | null;
}): T {
  if (record.value === null) {
    throw new Error(
      `${record.topic}/${String(record.partition)} at ${String(record.offset)} is a tombstone (null value)`,
    );
  }
  return record.value;
}
