/** `brook consume TOPIC`: prints records, one per line, from every partition of the topic. */
import { Consumer, stringCodec } from '@brook/client';
import { clientOptions, type CliConnection } from './client-options.js';
import type { Print } from './topic-commands.js';

export interface ConsumeCommandOptions {
  fromBeginning: boolean;
  /** Stop after this many records; none: run until `signal` aborts. */
  maxMessages?: number;
  printKey: boolean;
  printOffset: boolean;
  /** Between the printed key and value. */
  keySeparator: string;
  /** Only this partition; none: all of them. */
  partition?: number;
}

const utf8 = new TextDecoder();

/** Resolves with the number of records printed, when maxMessages is reached or `signal` aborts. */
export async function consumeRecords(
  conn: CliConnection,
  topic: string,
  opts: ConsumeCommandOptions,
  print: Print,
  signal: AbortSignal,
): Promise<number> {
  const consumer = new Consumer<string>({
    ...clientOptions(conn),
    codec: stringCodec(),
    from: opts.fromBeginning ? 'earliest' : 'latest',
  });
  const stop = (): void => void consumer.close();
  signal.addEventListener('abort', stop, { once: true });
  let printed = 0;
  try {
    await consumer.assign(opts.partition === undefined ? topic : [{ topic, partition: opts.partition }]);
    if (opts.maxMessages === 0) return 0;
    for await (const record of consumer) {
      let line = '';
      if (opts.printOffset) line += `${String(record.partition)}:${String(record.offset)}\t`;
      if (opts.printKey) line += `${record.key === null ? 'null' : utf8.decode(record.key)}${opts.keySeparator}`;
      print(line + record.value);
      printed++;
      if (opts.maxMessages !== undefined && printed >= opts.maxMessages) break;
    }
    return printed;
  } finally {
    signal.removeEventListener('abort', stop);
    await consumer.close();
  }
}
