/** The TLS flags of every client command: the CA to trust and a client certificate, read from files. */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import type { ClientTlsOptions } from '@brook/client';
import { FlagError } from './flag-error.js';

/** What `--tls-ca`, `--tls-cert` and `--tls-key` parsed to (file paths). */
export interface TlsFlags {
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** Adds the TLS flags (with their environment variables) to `command`. */
export function addTlsFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--tls-ca <file>', "PEM CA that signed the brokers' certificates, for tls:// and wss://").env(
        'BROOK_TLS_CA',
      ),
    )
    .addOption(
      new Option('--tls-cert <file>', 'PEM client certificate, for brokers run with --tls-client-auth').env(
        'BROOK_TLS_CERT',
      ),
    )
    .addOption(new Option('--tls-key <file>', 'PEM private key of --tls-cert').env('BROOK_TLS_KEY'));
}

/**
 * The client's TLS options from the flags (the files read now), or undefined when none is given. Throws FlagError
 * for a file that cannot be read, or a certificate without its key (or the reverse).
 */
export function tlsOptionsOf(flags: TlsFlags): ClientTlsOptions | undefined {
  const { tlsCa, tlsCert, tlsKey } = flags;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    const [flag, value] = tlsCert === undefined ? ['--tls-key', tlsKey] : ['--tls-cert', tlsCert];
    throw new FlagError(flag, value ?? '', 'a client certificate needs both --tls-cert and --tls-key');
  }
  if (tlsCa === undefined && tlsCert === undefined) return undefined;
  return {
    ...(tlsCa === undefined ? {} : { ca: readFlagFile('--tls-ca', tlsCa) }),
    ...(tlsCert === undefined ? {} : { cert: readFlagFile('--tls-cert', tlsCert) }),
    ...(tlsKey === undefined ? {} : { key: readFlagFile('--tls-key', tlsKey) }),
  };
}

function readFlagFile(flag: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err: unknown) {
    throw new FlagError(flag, file, `cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
}
