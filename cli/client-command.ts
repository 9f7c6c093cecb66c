/** The commander side every client command shares: its connection flags, and what they parse to. */
import fs from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CliConnection } from './client-options.js';
import { addTlsFlags, tlsOptionsOf, type TlsFlags } from './tls-flags.js';

/** The flags every client command takes. */
export interface ConnectionFlags extends TlsFlags {
  bootstrap: string;
  username?: string;
  passwordFile?: string;
}

/** Why a password is never taken from argv. */
const PASSWORD_ON_ARGV =
  '--password is refused: other users of the machine can read the command line (ps); ' +
  'use --password-file FILE or the BROOK_PASSWORD environment variable';

/** A command with the connection flags every client command takes. */
export function clientCommand(name: string): Command {
  const command = new Command(name)
    .addOption(
      new Option('--bootstrap <address>', 'host:port (TCP), tls://host:port, ws://host:port or wss://host:port')
        .env('BROOK_BOOTSTRAP')
        .default('127.0.0.1:9400'),
    )
    .addOption(new Option('--username <name>', 'log in as this SCRAM-SHA-256 user').env('BROOK_USERNAME'))
    .addOption(
      new Option('--password-file <file>', "the user's password: the file's first line (else BROOK_PASSWORD)").env(
        'BROOK_PASSWORD_FILE',
      ),
    )
    .addOption(
      new Option('--password <secret>').hideHelp().argParser(() => {
        throw new InvalidArgumentError(PASSWORD_ON_ARGV);
      }),
    );
  return addTlsFlags(command);
}

/** The first line of a password file (without its line ending); throws naming the file, never its content. */
export function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--password-file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw new Error(`--password-file ${file}: the first line is empty`);
  return password;
}

/** The connection the flags name; the password comes from --password-file, else from BROOK_PASSWORD. */
export function connection(opts: ConnectionFlags): CliConnection {
  const tls = tlsOptionsOf(opts);
  const password =
    opts.passwordFile === undefined ? process.env['BROOK_PASSWORD'] : readPasswordFile(opts.passwordFile);
  return {
    ...(tls === undefined ? {} : { tls }),
    bootstrap: opts.bootstrap,
    ...(opts.username === undefined ? {} : { username: opts.username }),
    ...(password === undefined || password === '' ? {} : { password }),
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
