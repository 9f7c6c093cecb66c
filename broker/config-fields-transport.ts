/**
 * The transport-security rows of the broker config table (config-fields.ts spreads them in place, after the
 * listener ports): TLS on the client listeners and which browser origins may use the WebSocket port.
 * Whether the TLS files exist and go together (a certificate needs its key) is checked when the broker starts
 * (net/tls-files.ts), since only then are they read.
 */
import {
  ConfigError,
  choiceField,
  describe,
  optionalTextField,
  structuredField,
  type ConfigField,
} from './config-kinds.js';
import { ANY_ORIGIN, normalizeOrigin, type AllowedOrigins } from './net/ws-origin.js';

/** A file path: anything but empty (and NUL, which no path holds). */
const PATH_PATTERN = /^[^\0]+$/;

export const TRANSPORT_CONFIG_FIELDS = {
  tlsCert: optionalTextField({
    doc:
      'PEM certificate (chain) of the client TCP and WebSocket/HTTP listeners: with `--tls-key` both serve TLS ' +
      '(clients use `tls://host:port` and `wss://host:port`); re-read on SIGHUP (TCP port; see docs/security.md)',
    defaultText: 'none: plaintext',
    arg: 'file',
    pattern: PATH_PATTERN,
  }),
  tlsKey: optionalTextField({
    doc: 'PEM private key of `--tls-cert`',
    defaultText: 'none',
    arg: 'file',
    pattern: PATH_PATTERN,
  }),
  tlsCa: optionalTextField({
    doc: 'PEM CA certificates that client certificates must chain to (with `--tls-client-auth request|require`)',
    defaultText: 'none',
    arg: 'file',
    pattern: PATH_PATTERN,
  }),
  tlsClientAuth: choiceField({
    doc:
      'client certificates on the TLS listeners: `none` asks for none; `request` asks and checks one if sent; ' +
      '`require` refuses a client without a valid one (the WebSocket port then refuses upgrades: uWS cannot tell)',
    choices: ['none', 'request', 'require'],
    default: 'none',
    arg: 'mode',
  }),
  peerHost: optionalTextField({
    doc:
      'interface the inter-broker (peer) listener binds to, apart from the client listeners: keep it on the ' +
      "brokers' private network",
    defaultText: '`--host`',
    arg: 'host',
    pattern: /^\S+$/,
  }),
  peerTlsCert: optionalTextField({
    doc:
      'PEM certificate of this broker on the peer port, naming it as CN `broker-<id>` or a SAN `DNS:broker-<id>`: ' +
      'with `--peer-tls-key` and `--peer-tls-ca` the peer port runs mutual TLS and a broker can only speak as the ' +
      'id its certificate names',
    defaultText: 'none: plaintext',
    arg: 'file',
    pattern: PATH_PATTERN,
  }),
  peerTlsKey: optionalTextField({
    doc: 'PEM private key of `--peer-tls-cert`',
    defaultText: 'none',
    arg: 'file',
    pattern: PATH_PATTERN,
  }),
  peerTlsCa: optionalTextField({
    doc: 'PEM CA of the cluster: the peer certificates of every broker must chain to it',
    defaultText: 'none',
    arg: 'file',
    pattern: PATH_PATTERN,
  }),
  clusterSecretFile: optionalTextField({
    doc:
      'file holding a secret (at least 16 bytes) every broker of the cluster shares: peers prove they hold it by ' +
      'HMAC over nonces from both sides before any Raft message counts (the secret never crosses the wire); for ' +
      'clusters without peer certificates',
    defaultText: 'none',
    arg: 'file',
    pattern: PATH_PATTERN,
  }),
  wsAllowedOrigins: structuredField<AllowedOrigins>({
    doc:
      'browser origins (`https://app.example.com,...`, or `*` for any) whose pages may open a WebSocket, besides ' +
      "the broker's own HTTP origin; others are refused with 403 at upgrade. Clients sending no `Origin` (not " +
      'browsers) are not concerned',
    default: Object.freeze([]),
    defaultText: "none: the broker's own origin only",
    arg: 'list',
    parse: (text) =>
      text
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    check: checkOrigins,
  }),
  metricsTokenFile: optionalTextField({
    doc:
      'file whose first line is the bearer token `GET /metrics` requires (`Authorization: Bearer <token>`, else ' +
      '401); `/healthz` and `/readyz` stay open for probes',
    defaultText: 'none: /metrics is open',
    arg: 'file',
    pattern: PATH_PATTERN,
  }),
} as const satisfies Record<string, ConfigField<unknown>>;

function checkOrigins(field: string, value: unknown): AllowedOrigins {
  if (!Array.isArray(value)) throw new ConfigError(field, `must be a list of origins, got ${describe(value)}`);
  for (const entry of value as unknown[]) {
    if (entry === ANY_ORIGIN) continue;
    if (typeof entry !== 'string' || normalizeOrigin(entry) === undefined) {
      throw new ConfigError(field, `expected origins like https://host[:port] or *, got ${describe(entry)}`);
    }
  }
  return Object.freeze([...(value as string[])]);
}
