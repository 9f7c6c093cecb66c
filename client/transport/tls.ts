/** TLS settings of a Node client (`tls://` and `wss://` endpoints), and the errors a failed handshake turns into. */
import type { ConnectionOptions } from 'node:tls';
import { BrookError } from '../../protocol/index.js';
import type { ClientTlsOptions, Pem } from '../tls-options.js';

/** node:tls connect options for `tls` (host, port and socket options are the caller's). */
export function tlsConnectOptions(tls: ClientTlsOptions | undefined): ConnectionOptions {
  if (tls === undefined) return {};
  const { ca, cert, key, servername, rejectUnauthorized } = tls;
  const cas = ca === undefined ? undefined : isPem(ca) ? [ca] : ca;
  return {
    ...(cas === undefined ? {} : { ca: cas.map(pemForNode) }),
    ...(cert === undefined ? {} : { cert: pemForNode(cert) }),
    ...(key === undefined ? {} : { key: pemForNode(key) }),
    ...(servername === undefined ? {} : { servername }),
    ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
  };
}

function isPem(value: Pem | readonly Pem[]): value is Pem {
  return typeof value === 'string' || value instanceof Uint8Array;
}

/** node:tls takes PEM as a string or a Buffer (a view: no copy). */
function pemForNode(pem: Pem): string | Buffer {
  return typeof pem === 'string' ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);
}

/** OpenSSL's complaint when the other side does not speak TLS (our ClientHello answered with plaintext). */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** node:tls codes of a broker certificate that is not trusted: the fix is the `ca` option or the broker's files. */
const UNTRUSTED_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The alert of a TLS 1.3 server that requires a client certificate and got none. */
const CERTIFICATE_REQUIRED = 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED';

/** The error for a TLS connection to `name` that failed with `err` (during or right after the handshake). */
export function tlsFailure(name: string, err: Error): BrookError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const hint = NOT_TLS_CODES.has(code)
    ? ' (the port does not speak TLS: for a plaintext port use host:port)'
    : UNTRUSTED_CODES.has(code)
      ? " (the broker's certificate is not trusted: pass the CA that signed it as the tls.ca option, or --tls-ca)"
      : code === CERTIFICATE_REQUIRED
        ? ' (the broker requires a client certificate: the tls.cert and tls.key options, or --tls-cert/--tls-key)'
        : '';
  return new BrookError('NETWORK_ERROR', `TLS connection to ${name} failed: ${err.message}${hint}`, { cause: err });
}
