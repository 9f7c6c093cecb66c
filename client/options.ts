/**
 * Options every client object (Producer, Consumer, Admin) accepts, with their defaults. Options are read once,
 * validated and frozen into a {@link ResolvedClientOptions}; the caller's object is never modified.
 */
import type { Checksum, RecordCompression } from '../protocol/index.js';
import type { BackoffOptions } from './backoff.js';
import { systemClock, systemRandom, type Clock, type Random } from './clock.js';
import { parseBootstrap, type Endpoint } from './endpoint.js';
import type { ClientTlsOptions } from './tls-options.js';
import type { TransportFactory } from './transport/transport.js';
import type { WebSocketConstructor } from './transport/websocket.js';

/** Connection settings shared by Producer, Consumer and Admin. */
export interface ClientOptions {
  /**
   * Where to find the cluster: `host:port` (TCP), `tls://host:port` (TCP with TLS), `ws://host:port[/path]` or
   * `wss://...` (WebSocket), or a list of them (or one comma-separated string). The client connects to one, learns the other brokers from metadata,
   * and reaches them with the same transport. Required.
   */
  readonly bootstrap: string | readonly string[];
  /** Name sent in hello, for the broker's logs. Default `'brook-client'`. */
  readonly clientId?: string;
  /** Username sent in hello, for brokers configured with users. Default: none. */
  readonly username?: string;
  /** Password sent in hello. Default: none. */
  readonly password?: string;
  /** How long one request may wait for its response (including waiting for a connection), in ms. Default 30 000. */
  readonly requestTimeoutMs?: number;
  /** How long opening one transport may take, in ms. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /**
   * Delay between reconnect attempts after a connection drops, in ms: starts at `initial` (default 100) and doubles
   * up to `max` (default 10 000), with ±20% jitter.
   */
  readonly reconnectBackoffMs?: { readonly initial?: number; readonly max?: number };
  /**
   * Reconnect attempts in a row before a connection gives up and fails everything waiting on it. Default
   * `Infinity` (keep trying).
   */
  readonly reconnectMaxRetries?: number;
  /**
   * Delay before retrying a request that failed with a retriable error (NOT_LEADER, NETWORK_ERROR, ...), in ms:
   * starts at `initial` (default 100), doubles up to `max` (default 1 000), with ±20% jitter.
   */
  readonly retryBackoffMs?: { readonly initial?: number; readonly max?: number };
  /**
   * How long an operation on a topic that metadata does not (yet) know keeps refreshing metadata before failing with
   * UNKNOWN_TOPIC, in ms. Covers the moment right after createTopics. Default 5 000.
   */
  readonly metadataWaitMs?: number;
  /** Cached topic metadata older than this is refreshed before use, in ms. Default 300 000. */
  readonly metadataMaxAgeMs?: number;
  /** Largest frame accepted from a broker, in bytes. Default 64 MiB. */
  readonly maxIncomingFrameBytes?: number;
  /** Outgoing bytes a connection buffers before it reports backpressure, in bytes. Default 1 MiB. */
  readonly socketHighWaterMarkBytes?: number;
  /**
   * WebSocket constructor for `ws://` / `wss://` bootstraps. Default: the `ws` package in Node, the global
   * `WebSocket` in browsers.
   */
  readonly webSocket?: WebSocketConstructor;
  /**
   * TLS for `tls://` and `wss://` brokers (Node): the CA to trust, a client certificate, the expected server name.
   * Default: the system's CAs, no client certificate. Browsers use their own TLS settings and ignore this.
   */
  readonly tls?: ClientTlsOptions;
  /** Replaces the transports entirely (tests, custom tunnels). Default: TCP or WebSocket by bootstrap scheme. */
  readonly transport?: TransportFactory;
  /** Time source and timers. Default: the system clock. */
  readonly clock?: Clock;
  /** Randomness for jitter and the sticky partitioner. Default: `Math.random`. */
  readonly random?: Random;
}

/** What an entry point (Node or browser) supplies: how to open a transport to an endpoint. */
export interface Platform {
  /**
   * The transport factory for `endpoint`, given the user's WebSocket constructor and TLS options if any. Throws if
   * unsupported.
   */
  transportFor(
    endpoint: Endpoint,
    webSocket: WebSocketConstructor | undefined,
    tls: ClientTlsOptions | undefined,
  ): TransportFactory;
  /** CRC32C for the batches the producer builds. */
  readonly checksum: Checksum;
  /** The record compression codecs this platform has (the producer's `compression`, the consumer's decoding). */
  readonly compression: RecordCompression;
}

/** {@link ClientOptions} with defaults applied, validated and frozen. */
export interface ResolvedClientOptions {
  readonly bootstrap: readonly Endpoint[];
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectBackoff: BackoffOptions;
  readonly reconnectMaxRetries: number;
  readonly retryBackoff: BackoffOptions;
  readonly metadataWaitMs: number;
  readonly metadataMaxAgeMs: number;
  readonly maxIncomingFrameBytes: number;
  readonly socketHighWaterMarkBytes: number;
  readonly transport: TransportFactory;
  readonly clock: Clock;
  readonly random: Random;
}

const JITTER = 0.4;

/** Applies defaults and validates. Throws TypeError or RangeError naming the bad option. */
export function resolveClientOptions(options: ClientOptions, platform: Platform): ResolvedClientOptions {
  const bootstrap = parseBootstrap(options.bootstrap);
  const transport =
    options.transport ??
    ((endpoint, handlers, transportOptions) =>
      platform.transportFor(endpoint, options.webSocket, options.tls)(endpoint, handlers, transportOptions));
  // Fail fast on a bootstrap this platform cannot reach (e.g. host:port in a browser).
  if (options.transport === undefined)
    for (const endpoint of bootstrap) platform.transportFor(endpoint, options.webSocket, options.tls);
  return Object.freeze({
    bootstrap: Object.freeze(bootstrap),
    clientId: options.clientId ?? 'brook-client',
    username: options.username,
    password: options.password,
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 30_000),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 10_000),
    reconnectBackoff: Object.freeze({
      initialMs: positive('reconnectBackoffMs.initial', options.reconnectBackoffMs?.initial, 100),
      maxMs: positive('reconnectBackoffMs.max', options.reconnectBackoffMs?.max, 10_000),
      jitter: JITTER,
    }),
    reconnectMaxRetries: nonNegative('reconnectMaxRetries', options.reconnectMaxRetries, Infinity),
    retryBackoff: Object.freeze({
      initialMs: positive('retryBackoffMs.initial', options.retryBackoffMs?.initial, 100),
      maxMs: positive('retryBackoffMs.max', options.retryBackoffMs?.max, 1_000),
      jitter: JITTER,
    }),
    metadataWaitMs: nonNegative('metadataWaitMs', options.metadataWaitMs, 5_000),
    metadataMaxAgeMs: positive('metadataMaxAgeMs', options.metadataMaxAgeMs, 300_000),
    maxIncomingFrameBytes: positive('maxIncomingFrameBytes', options.maxIncomingFrameBytes, 64 * 1024 * 1024),
    socketHighWaterMarkBytes: positive('socketHighWaterMarkBytes', options.socketHighWaterMarkBytes, 1024 * 1024),
    transport,
    clock: options.clock ?? systemClock,
    random: options.random ?? systemRandom,
  });
}

/** A number option that must be > 0 (Infinity allowed where the default is). */
export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/** A number option that must be >= 0. */
export function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number >= 0, got ${String(value)}`);
  }
  return value;
}
