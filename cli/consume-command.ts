/**
 * `brook consume TOPIC`: prints the records of a topic's partitions (all of them, one, or those a consumer group
 * grants this member), formatted by `--format`, waiting for stdout to drain whenever it is full.
 */
import { Option } from 'commander';
import { Consumer, rawCodec, type TopicPartition } from '@brook/client';
import { clientCommand, connection, interruptSignal, type ConnectionFlags } from './client-command.js';
import { clientOptions, withAdmin, type CliConnection } from './client-options.js';
import { parseStart, type ConsumeStart } from './consume-start.js';
import { FlagError, integerFlag } from './flag-error.js';
import { Output } from './output.js';
import { legacyFormat, parseFormat, type RecordFormatter } from './record-format.js';

/** What `brook consume` was asked. */
export interface ConsumeCommandOptions {
  /** Where reading starts; with a group, where a partition without a committed offset starts. */
  readonly start: ConsumeStart;
  /** Join this consumer group (its committed offsets decide where partitions start; what was printed is committed). */
  readonly group?: string;
  /** Only this partition (not with a group); none: all of them. */
  readonly partition?: number;
  /** Stop after this many records; none: no limit. */
  readonly maxMessages?: number;
  /** Stop once every partition read has reached the end it had when the command started. */
  readonly exitAtEnd: boolean;
  readonly format: RecordFormatter;
}

/** How often --exit-at-end checks positions when no record arrives (a group grants partitions at its own pace). */
const END_CHECK_INTERVAL_MS = 100;

/**
 * Resolves with the number of records printed, once `maxMessages` is reached, every partition is at its end (with
 * `exitAtEnd`), stdout's reader is gone, or `signal` aborts. Closing the consumer commits a group's positions: after
 * the last record printed.
 */
export async function consumeRecords(
  conn: CliConnection,
  topic: string,
  opts: ConsumeCommandOptions,
  output: Output,
  signal: AbortSignal,
): Promise<number> {
  const start = opts.start;
  const needsEnds = opts.exitAtEnd || (typeof start === 'object' && 'fromEnd' in start);
  const ends = needsEnds ? await endOffsets(conn, topic) : new Map<number, number>();
  const consumer = new Consumer<Uint8Array>({
    ...clientOptions(conn),
    codec: rawCodec(),
    ...(opts.group === undefined
      ? {}
      : { groupId: opts.group, offsetReset: start === 'earliest' ? 'earliest' : 'latest' }),
  });
  const atEnd = (): boolean => opts.exitAtEnd && reachedEnd(consumer.assignment(), ends, (tp) => consumer.position(tp));
  const stop = (): void => void consumer.close();
  signal.addEventListener('abort', stop, { once: true });
  // A stdout that never drains (its reader stuck) must not hold the command after Ctrl-C.
  const aborted = new Promise<void>((resolve) => {
    signal.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });
  const endCheck = opts.exitAtEnd
    ? setInterval(() => {
        if (atEnd()) stop();
      }, END_CHECK_INTERVAL_MS)
    : undefined;
  let printed = 0;
  try {
    if (opts.group !== undefined) {
      consumer.subscribe(topic);
    } else if (typeof start === 'string' || !('fromEnd' in start)) {
      await consumer.assign(opts.partition === undefined ? topic : [{ topic, partition: opts.partition }], {
        from: start,
      });
    } else {
      for (const partition of opts.partition === undefined ? ends.keys() : [opts.partition]) {
        // Below the log start, the consumer's offsetReset ('earliest') starts at the first record there is.
        const offset = Math.max(0, (ends.get(partition) ?? 0) - start.fromEnd);
        await consumer.assign([{ topic, partition }], { from: { offset } });
      }
    }
    if (opts.maxMessages === 0 || atEnd()) return 0;
    for await (const record of consumer) {
      const full = output.write(opts.format(record));
      printed++;
      if (full !== undefined) await Promise.race([full, aborted]);
      if (output.error !== undefined || signal.aborted) break;
      if (opts.maxMessages !== undefined && printed >= opts.maxMessages) break;
      if (atEnd()) break;
    }
    return printed;
  } finally {
    clearInterval(endCheck);
    signal.removeEventListener('abort', stop);
    await consumer.close();
  }
}

/** The log end of every partition of `topic` now, by partition. */
function endOffsets(conn: CliConnection, topic: string): Promise<Map<number, number>> {
  return withAdmin(conn, async (admin) => {
    const found = await admin.listOffsets(topic, 'latest');
    return new Map(found.map((p) => [p.partition, p.offset]));
  });
}

/** Whether partitions are assigned and every one has been read up to its end in `ends`. */
export function reachedEnd(
  assigned: readonly TopicPartition[],
  ends: ReadonlyMap<number, number>,
  position: (tp: TopicPartition) => number | undefined,
): boolean {
  return (
    assigned.length > 0 &&
    assigned.every((tp) => {
      const at = position(tp);
      return at !== undefined && at >= (ends.get(tp.partition) ?? 0);
    })
  );
}

/** What commander parsed for `brook consume`. */
interface ConsumeFlags extends ConnectionFlags {
  offset: string;
  fromBeginning?: true;
  group?: string;
  partition?: number;
  maxMessages?: number;
  exitAtEnd?: true;
  format?: RecordFormatter;
  printKey?: true;
  printOffset?: true;
  keySeparator: string;
}

/** The `brook consume` command. */
export function consumeCommand(): ReturnType<typeof clientCommand> {
  return clientCommand('consume')
    .description('print records of a topic (by default each value on its own line)')
    .argument('<topic>')
    .addOption(
      new Option(
        '-o, --offset <offset>',
        'start: earliest, latest, N, -N (N before each end) or @<timestamp ms>',
      ).default('latest'),
    )
    .addOption(new Option('--from-beginning', 'the same as --offset earliest').conflicts('offset'))
    .option('-g, --group <group>', 'read as a member of this consumer group, committing what was printed')
    .addOption(
      new Option('-p, --partition <n>', 'only this partition')
        .argParser(integerFlag('--partition', 0))
        .conflicts('group'),
    )
    .addOption(
      new Option('--max-messages <n>', 'exit after this many records').argParser(integerFlag('--max-messages', 0)),
    )
    .option('-e, --exit-at-end', 'exit once every partition read has reached the end it had at the start')
    .addOption(
      new Option(
        '-f, --format <format>',
        'json, or a template of %t %p %o %T %k %v %h with \\n \\t (e.g. "%k\\t%v\\n")',
      )
        .argParser(parseFormat)
        .conflicts(['printKey', 'printOffset']),
    )
    .option('--print-key', 'print the key before the value (as --format "%k\\t%v\\n")')
    .option('--print-offset', 'print partition:offset before each record')
    .option('--key-separator <sep>', 'printed between key and value with --print-key', '\t')
    .action(async (topic: string, flags: ConsumeFlags) => {
      const start = parseStart(flags.fromBeginning === true ? 'earliest' : flags.offset);
      if (flags.group !== undefined && typeof start === 'object') {
        throw new FlagError(
          '--offset',
          flags.offset,
          'with --group, must be earliest or latest (where the group has no commit)',
        );
      }
      const format =
        flags.format ??
        parseFormat(
          legacyFormat({
            printKey: flags.printKey === true,
            printOffset: flags.printOffset === true,
            keySeparator: flags.keySeparator,
          }),
        );
      const output = new Output(process.stdout);
      await consumeRecords(
        connection(flags),
        topic,
        {
          start,
          exitAtEnd: flags.exitAtEnd === true,
          format,
          ...(flags.group === undefined ? {} : { group: flags.group }),
          ...(flags.partition === undefined ? {} : { partition: flags.partition }),
          ...(flags.maxMessages === undefined ? {} : { maxMessages: flags.maxMessages }),
        },
        output,
        interruptSignal(),
      );
    });
}
