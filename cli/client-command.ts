/** The commander side every client command shares: its connection flags, and what they parse to. */
import { Command, Option } from 'commander';
import type { CliConnection } from './client-options.js';
import { addTlsFlags, tlsOptionsOf, type TlsFlags } from './tls-flags.js';

/** The flags every client command takes. */
export interface ConnectionFlags extends TlsFlags {
  bootstrap: string;
  username?: string;
  password?: string;
}

/** A command with the connection flags every client command takes. */
export function clientCommand(name: string): Command {
  const command = new Command(name)
    .addOption(
      new Option('--bootstrap <address>', 'host:port (TCP), tls://host:port, ws://host:port or wss://host:port')
        .env('BROOK_BOOTSTRAP')
        .default('127.0.0.1:9400'),
    )
    .addOption(new Option('--username <name>', 'username for brokers with --users').env('BROOK_USERNAME'))
    .addOption(new Option('--password <secret>', 'password for brokers with --users').env('BROOK_PASSWORD'));
  return addTlsFlags(command);
}

/** The connection the flags name. */
export function connection(opts: ConnectionFlags): CliConnection {
  const tls = tlsOptionsOf(opts);
  return {
    ...(tls === undefined ? {} : { tls }),
    bootstrap: opts.bootstrap,
    ...(opts.username === undefined ? {} : { username: opts.username }),
    ...(opts.password === undefined ? {} : { password: opts.password }),
  };
}

/** Prints a line on stdout (for the short answers of admin commands). */
export function print(line: string): void {
  process.stdout.write(line + '\n');
}

/** An AbortSignal that aborts on SIGINT or SIGTERM, so that a long-running command can finish cleanly. */
export function interruptSignal(): AbortSignal {
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      abort.abort();
    });
  }
  return abort.signal;
}
