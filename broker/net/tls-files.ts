/**
 * The TLS settings of the client listeners: which files the config names, read into what node:tls and uWS take.
 * Files are read when the broker starts and again on SIGHUP (certificate rotation), never in between.
 */
import fs from 'node:fs';
import type { TlsOptions } from 'node:tls';
import { ConfigError } from '../config-kinds.js';

/** Whether and how the TLS listeners ask clients for certificates (`--tls-client-auth`). */
export type ClientAuth = 'none' | 'request' | 'require';

/** The TLS rows of the broker config. */
export interface TlsConfigFields {
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsCa: string | undefined;
  readonly tlsClientAuth: ClientAuth;
}

/** The files of a TLS listener and its client-certificate mode. */
export interface ServerTlsFiles {
  /** PEM certificate chain served to clients. */
  readonly certFile: string;
  /** PEM private key of {@link certFile}. */
  readonly keyFile: string;
  /** PEM CA certificates client certificates must chain to; undefined when clients are not asked for one. */
  readonly caFile: string | undefined;
  readonly clientAuth: ClientAuth;
}

/**
 * The TLS files the config names, or undefined for plaintext listeners. Throws ConfigError when they do not go
 * together: a certificate without its key, a CA or client-certificate mode without a certificate, or a
 * client-certificate mode without the CA to check certificates against.
 */
export function serverTlsFiles(config: TlsConfigFields): ServerTlsFiles | undefined {
  const { tlsCert, tlsKey, tlsCa, tlsClientAuth } = config;
  if (tlsCert === undefined) {
    if (tlsKey !== undefined) throw new ConfigError('tlsKey', 'needs --tls-cert');
    if (tlsCa !== undefined) throw new ConfigError('tlsCa', 'needs --tls-cert (client certificates are a TLS thing)');
    if (tlsClientAuth !== 'none') throw new ConfigError('tlsClientAuth', 'needs --tls-cert');
    return undefined;
  }
  if (tlsKey === undefined) throw new ConfigError('tlsCert', 'needs --tls-key, the private key of the certificate');
  if (tlsClientAuth !== 'none' && tlsCa === undefined) {
    throw new ConfigError('tlsClientAuth', `'${tlsClientAuth}' needs --tls-ca to check client certificates against`);
  }
  return Object.freeze({
    certFile: tlsCert,
    keyFile: tlsKey,
    caFile: tlsClientAuth === 'none' ? undefined : tlsCa,
    clientAuth: tlsClientAuth,
  });
}

/**
 * Reads the files into node:tls server options. Throws an Error naming the file that cannot be read; node:tls
 * itself rejects a file that is not PEM, or a key that does not match the certificate, when the options are used.
 */
export function readTlsOptions(files: ServerTlsFiles): TlsOptions {
  return {
    cert: readPem(files.certFile, 'certificate'),
    key: readPem(files.keyFile, 'private key'),
    ...(files.caFile === undefined ? {} : { ca: readPem(files.caFile, 'CA certificates') }),
    requestCert: files.clientAuth !== 'none',
    // node:tls refuses a client without a certificate too when this is on; under `request` the TCP listener refuses
    // a bad certificate itself (tls-client-certificate.ts), after the handshake.
    rejectUnauthorized: files.clientAuth === 'require',
  };
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err: unknown) {
    throw new Error(`cannot read the TLS ${what} ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
