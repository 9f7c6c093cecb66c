/**
 * `brook produce TOPIC`: one record per line of input. Resolves with the number of acknowledged records and throws
 * if any record was not acknowledged, so the CLI exits non-zero unless every record made it.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Producer, stringCodec } from '@brook/client';
import { clientOptions, type CliConnection } from './client-options.js';

export interface ProduceCommandOptions {
  /** Splits each line into key and value at the first occurrence; none: the whole line is the value. */
  keySeparator?: string;
  acks: 0 | 1 | 'all';
}

export async function produceLines(
  conn: CliConnection,
  topic: string,
  opts: ProduceCommandOptions,
  input: Readable,
): Promise<number> {
  const producer = new Producer<string>({ ...clientOptions(conn), codec: stringCodec(), acks: opts.acks });
  let acknowledged = 0;
  const failure: { first: Error | null } = { first: null };
  const fail = (err: unknown): void => {
    failure.first ??= err instanceof Error ? err : new Error(String(err));
  };
  let failed = 0;
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (failure.first !== null) break;
      let key: string | null = null;
      let value = line;
      if (opts.keySeparator !== undefined) {
        const at = line.indexOf(opts.keySeparator);
        if (at >= 0) {
          key = line.slice(0, at);
          value = line.slice(at + opts.keySeparator.length);
        }
      }
      producer.send({ topic, key, value }).then(
        () => {
          acknowledged++;
        },
        (err: unknown) => {
          failed++;
          fail(err);
        },
      );
      await producer.whenWritable();
    }
    await producer.flush().catch(fail);
  } finally {
    await producer.close().catch(() => undefined);
  }
  if (failure.first !== null) {
    throw new Error(
      `${String(acknowledged)} record(s) acknowledged, ${String(Math.max(failed, 1))} failed: ${failure.first.message}`,
    );
  }
  return acknowledged;
}
