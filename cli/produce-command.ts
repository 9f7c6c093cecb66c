/**
 * `brook produce TOPIC`: one record per line of stdin or `--file`. Resolves with the number of acknowledged records
 * and throws if any record was not acknowledged (saying how many were and how many failed), so the CLI exits non-zero
 * unless every record made it.
 */
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Option } from 'commander';
import { Producer, stringCodec } from '@brook/client';
import { clientCommand, connection, type ConnectionFlags } from './client-command.js';
import { clientOptions, type CliConnection } from './client-options.js';
import { FlagError, integerFlag } from './flag-error.js';

/** What `brook produce` was asked. */
export interface ProduceCommandOptions {
  /** Splits each line into key and value at the first occurrence; none: the whole line is the value. */
  readonly keySeparator?: string;
  readonly acks: 0 | 1 | 'all';
  /** Headers of every record. */
  readonly headers: readonly (readonly [key: string, value: string])[];
  /** Send every record to this partition; none: the partitioner decides (by key). */
  readonly partition?: number;
}

/** Counts the outcomes of sends and tells when every one has settled. */
class Outcomes {
  private acked = 0;
  private failures = 0;
  private sent = 0;
  private firstError: Error | undefined;
  private waiters: (() => void)[] = [];

  get acknowledged(): number {
    return this.acked;
  }

  get failed(): number {
    return this.failures;
  }

  /** The first failure, or undefined while every send succeeded. */
  get first(): Error | undefined {
    return this.firstError;
  }

  track(send: Promise<unknown>): void {
    this.sent++;
    send.then(
      () => {
        this.acked++;
        this.settled();
      },
      (err: unknown) => {
        this.failures++;
        this.firstError ??= err instanceof Error ? err : new Error(String(err));
        this.settled();
      },
    );
  }

  /** Resolves once every tracked send has been acknowledged or has failed. */
  allSettled(): Promise<void> {
    if (this.acked + this.failures === this.sent) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private settled(): void {
    if (this.acked + this.failures !== this.sent) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}

/** Sends each line of `input` as a record; after the first failure, the remaining lines are counted, not sent. */
export async function produceLines(
  conn: CliConnection,
  topic: string,
  opts: ProduceCommandOptions,
  input: Readable,
): Promise<number> {
  const producer = new Producer<string>({ ...clientOptions(conn), codec: stringCodec(), acks: opts.acks });
  const outcomes = new Outcomes();
  let notSent = 0;
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (outcomes.first !== undefined) {
        notSent++;
        continue;
      }
      let key: string | null = null;
      let value = line;
      if (opts.keySeparator !== undefined) {
        const at = line.indexOf(opts.keySeparator);
        if (at >= 0) {
          key = line.slice(0, at);
          value = line.slice(at + opts.keySeparator.length);
        }
      }
      outcomes.track(
        producer.send({
          topic,
          key,
          value,
          ...(opts.headers.length === 0 ? {} : { headers: opts.headers }),
          ...(opts.partition === undefined ? {} : { partition: opts.partition }),
        }),
      );
      await producer.whenWritable();
    }
    // Failed sends are counted through their promises; flush's own rejection repeats one of them.
    await producer.flush().catch(() => undefined);
  } finally {
    await producer.close().catch(() => undefined);
  }
  await outcomes.allSettled();
  if (outcomes.first !== undefined) {
    const rest = notSent > 0 ? `, ${String(notSent)} not sent` : '';
    throw new Error(
      `${String(outcomes.acknowledged)} record(s) acknowledged, ${String(outcomes.failed)} failed${rest}: ` +
        outcomes.first.message,
    );
  }
  return outcomes.acknowledged;
}

/** Parses one `--header key=value` and adds it to the earlier ones. */
export function collectHeader(
  text: string,
  previous: readonly (readonly [string, string])[],
): (readonly [string, string])[] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new FlagError('--header', text, 'must be key=value with a non-empty key');
  return [...previous, [text.slice(0, eq), text.slice(eq + 1)]];
}

/** Opens `--file` for reading; a file that cannot be opened is the flag's fault. */
async function openInput(file: string): Promise<Readable> {
  try {
    return (await open(file, 'r')).createReadStream();
  } catch (err: unknown) {
    throw new FlagError('--file', file, `cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** What commander parsed for `brook produce`. */
interface ProduceFlags extends ConnectionFlags {
  keySeparator?: string;
  acks: string;
  header: (readonly [string, string])[];
  partition?: number;
  file?: string;
}

/** The `brook produce` command. */
export function produceCommand(): ReturnType<typeof clientCommand> {
  return clientCommand('produce')
    .description('send each line of stdin (or --file) as a record; exits 0 only if every record was acknowledged')
    .argument('<topic>')
    .option('--key-separator <sep>', 'split each line into key and value at the first <sep>')
    .option('-H, --header <key=value>', 'a header of every record (repeatable)', collectHeader, [])
    .addOption(new Option('-p, --partition <n>', 'send to this partition').argParser(integerFlag('--partition', 0)))
    .option('--file <path>', 'read lines from this file instead of stdin')
    .addOption(new Option('--acks <acks>', 'acknowledgement level').choices(['0', '1', 'all']).default('all'))
    .action(async (topic: string, flags: ProduceFlags) => {
      const acks = flags.acks === 'all' ? 'all' : flags.acks === '0' ? 0 : 1;
      const input = flags.file === undefined ? process.stdin : await openInput(flags.file);
      const count = await produceLines(
        connection(flags),
        topic,
        {
          acks,
          headers: flags.header,
          ...(flags.keySeparator === undefined ? {} : { keySeparator: flags.keySeparator }),
          ...(flags.partition === undefined ? {} : { partition: flags.partition }),
        },
        input,
      );
      process.stderr.write(`${String(count)} record(s) acknowledged\n`);
    });
}
