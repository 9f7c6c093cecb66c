/** What the TCP listener makes of the certificate a TLS client sent (or did not send). */
import type { TLSSocket } from 'node:tls';
import type { ClientAuth } from './tls-files.js';

/**
 * Why a client must be refused after its handshake, or undefined to let it in. Under `require`, node:tls refuses
 * during the handshake; under `request` a client without a certificate is let in, one with a certificate that does
 * not chain to `--tls-ca` (or has expired) is not.
 */
export function clientCertificateRefusal(socket: TLSSocket, clientAuth: ClientAuth): string | undefined {
  if (clientAuth === 'none' || socket.authorized) return undefined;
  const sent = Object.keys(socket.getPeerCertificate()).length > 0;
  if (!sent && clientAuth === 'request') return undefined;
  return `client certificate refused: ${socket.authorizationError.message}`;
}

/**
 * The common name (CN) of the client certificate, when the client sent one that was verified against `--tls-ca`;
 * undefined otherwise. This is the name an mTLS principal (`User:<CN>`) is made from.
 */
export function clientCertificateName(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cn: unknown = socket.getPeerCertificate().subject.CN;
  // A subject with several CNs gives an array: not a name to trust.
  return typeof cn === 'string' && cn !== '' ? cn : undefined;
}
