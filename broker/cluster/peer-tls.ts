/**
 * Mutual TLS on the peer port (`--peer-tls-cert/--peer-tls-key/--peer-tls-ca`): both ends present a certificate
 * from the cluster's CA, and a certificate names the one broker it may speak for, so a broker cannot greet as
 * another (Raft trusts the id a connection greeted with). A broker's certificate names it by its common name
 * `broker-<id>` or by a DNS subject alternative name `broker-<id>`.
 */
import fs from 'node:fs';
import type { Socket } from 'node:net';
import { TLSSocket, type ConnectionOptions, type PeerCertificate, type TlsOptions } from 'node:tls';
import { ConfigError } from '../config-kinds.js';

/** The PEM material of a broker's peer TLS. */
export interface PeerTls {
  /** This broker's certificate chain; it must name this broker (see {@link brokerCertificateName}). */
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The cluster's CA: the only one peer certificates may chain to. */
  readonly ca: Buffer;
}

/** The peer TLS rows of the broker config. */
export interface PeerTlsConfigFields {
  readonly peerTlsCert: string | undefined;
  readonly peerTlsKey: string | undefined;
  readonly peerTlsCa: string | undefined;
}

/** The name broker `id`'s peer certificate carries, as its CN or a DNS SAN. */
export function brokerCertificateName(id: number): string {
  return `broker-${String(id)}`;
}

/** Whether `cert` names broker `id` (CN `broker-<id>`, or a SAN `DNS:broker-<id>`). */
export function certificateNamesBroker(cert: Pick<PeerCertificate, 'subject' | 'subjectaltname'>, id: number): boolean {
  const name = brokerCertificateName(id);
  // A subject with several CNs gives an array: it names no single broker.
  const cn: unknown = (cert.subject as PeerCertificate['subject'] | undefined)?.CN;
  if (cn === name) return true;
  const sans = (cert.subjectaltname ?? '').split(',').map((entry) => entry.trim());
  return sans.includes(`DNS:${name}`);
}

/**
 * Reads the peer TLS files the config names, or undefined when none is set. Throws ConfigError when only some are
 * set (all three are needed: mutual TLS checks both ends), or an Error naming a file that cannot be read.
 */
export function readPeerTls(config: PeerTlsConfigFields): PeerTls | undefined {
  const { peerTlsCert, peerTlsKey, peerTlsCa } = config;
  if (peerTlsCert === undefined && peerTlsKey === undefined && peerTlsCa === undefined) return undefined;
  if (peerTlsCert === undefined || peerTlsKey === undefined || peerTlsCa === undefined) {
    const missing = peerTlsCert === undefined ? 'peerTlsCert' : peerTlsKey === undefined ? 'peerTlsKey' : 'peerTlsCa';
    throw new ConfigError(missing, 'peer TLS needs --peer-tls-cert, --peer-tls-key and --peer-tls-ca together');
  }
  return { cert: readFile(peerTlsCert), key: readFile(peerTlsKey), ca: readFile(peerTlsCa) };
}

/** Options of the peer listener: a certificate from the CA is required of every connecting broker. */
export function peerServerOptions(tls: PeerTls): TlsOptions {
  return { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true };
}

/** Options to dial broker `peerId`: our certificate, and theirs must chain to the CA and name `peerId`. */
export function peerDialOptions(tls: PeerTls, peerId: number): ConnectionOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    rejectUnauthorized: true,
    // The peer is known by its broker id, not by the host name it is reached at.
    checkServerIdentity: (_host, cert) =>
      certificateNamesBroker(cert, peerId)
        ? undefined
        : new Error(`the peer certificate does not name ${brokerCertificateName(peerId)}`),
  };
}

/**
 * Why an accepted connection may not greet as broker `from`, or undefined when it may: over mutual TLS, its
 * certificate must name `from`. A plaintext connection (peer TLS off) is not checked here.
 */
export function peerIdentityRefusal(socket: Socket, from: number): string | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  if (!socket.authorized) return 'peer certificate not verified';
  return certificateNamesBroker(socket.getPeerCertificate(), from)
    ? undefined
    : `hello as broker ${String(from)} with a certificate that does not name ${brokerCertificateName(from)}`;
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err: unknown) {
    throw new Error(`cannot read peer TLS file ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
