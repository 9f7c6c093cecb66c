/**
 * Certificates for TLS tests and benchmarks, made with the `openssl` command into a directory: a CA, broker
 * certificates it signs (valid, a second valid one for rotation, expired), a client certificate it signs, and a
 * broker certificate from another CA. EC P-256 keys: making them all takes well under a second.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A certificate and its key, as files. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/** The files {@link makeTestCertificates} writes. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signs everything below except {@link foreignBroker}. */
  readonly caCert: string;
  /** The CA that signs {@link foreignBroker} only. */
  readonly otherCaCert: string;
  /** For 127.0.0.1 and localhost. */
  readonly broker: CertFiles;
  /** Another valid certificate for the same names (serial differs), to rotate to. */
  readonly rotatedBroker: CertFiles;
  /** For the same names, expired yesterday. */
  readonly expiredBroker: CertFiles;
  /** For the same names, signed by another CA (not trusted by clients given {@link caCert}). */
  readonly foreignBroker: CertFiles;
  /** A client certificate, CN=alice. */
  readonly client: CertFiles;
  /** Issues another certificate for common name `cn` into `<name>.crt`/`<name>.key`, signed by the test CA or the other. */
  issue(name: string, cn: string, signer?: 'test-ca' | 'other-ca'): CertFiles;
}

/** Why TLS tests cannot run here, or undefined when the `openssl` command is available. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the openssl command is not installed: TLS tests need it to make certificates';
  }
}

const BROKER_NAMES = 'subjectAltName=IP:127.0.0.1,DNS:localhost\n';

/** Makes the certificates in `dir` (which must exist). Check {@link opensslMissing} first. */
export function makeTestCertificates(dir: string): TestCertificates {
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  fs.writeFileSync(file('broker.ext'), BROKER_NAMES);
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const makeCa = (name: string): void => {
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
  };
  /** A certificate for `cn` signed by `ca`, valid for `days` (negative: already expired). */
  const issue = (name: string, cn: string, ca: string, days: number, ext?: string): CertFiles => {
    openssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      String(days),
      ...(ext === undefined ? [] : ['-extfile', ext]),
    );
    return { cert: file(`${name}.crt`), key: file(`${name}.key`) };
  };
  makeCa('test-ca');
  makeCa('other-ca');
  return {
    dir,
    caCert: file('test-ca.crt'),
    otherCaCert: file('other-ca.crt'),
    broker: issue('broker', 'localhost', 'test-ca', 2, 'broker.ext'),
    rotatedBroker: issue('rotated', 'localhost', 'test-ca', 2, 'broker.ext'),
    expiredBroker: issue('expired', 'localhost', 'test-ca', -1, 'broker.ext'),
    foreignBroker: issue('foreign', 'localhost', 'other-ca', 2, 'broker.ext'),
    client: issue('client', 'alice', 'test-ca', 2),
    issue: (name, cn, signer = 'test-ca') => issue(name, cn, signer, 2),
  };
}

/** The SHA-256 fingerprint of a PEM certificate file, as node:tls shows it (`AB:CD:...`). */
export function fingerprint256(certFile: string): string {
  const out = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256']).toString();
  return out.trim().replace(/^.*=/, '');
}
