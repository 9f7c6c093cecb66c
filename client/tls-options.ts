/**
 * The TLS settings of a client, as its options declare them. No Node types here: the browser entry's types include
 * the options (a browser's `wss://` uses the browser's own TLS and ignores them); transport/tls.ts maps them to
 * node:tls.
 */

/** PEM text, or its bytes as read from a file. */
export type Pem = string | Uint8Array;

/**
 * How a Node client runs TLS to `tls://` and `wss://` brokers. Every field is optional: by default the broker's
 * certificate must chain to the system's CAs and name the host connected to, and no client certificate is sent.
 */
export interface ClientTlsOptions {
  /** CA certificates (PEM) to trust instead of the system's, e.g. the one that signed the brokers' certificates. */
  readonly ca?: Pem | readonly Pem[];
  /** Client certificate chain (PEM), for brokers run with `--tls-client-auth request|require`. */
  readonly cert?: Pem;
  /** Private key (PEM) of {@link cert}. */
  readonly key?: Pem;
  /** Name the broker's certificate must carry (and the SNI sent). Default: the host connected to. */
  readonly servername?: string;
  /** Check the broker's certificate. Default true; false accepts any certificate (tests only: it defeats TLS). */
  readonly rejectUnauthorized?: boolean;
}
