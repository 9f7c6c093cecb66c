/**
 * The network layer's entry point for the broker: both listeners over one session registry, their TLS (and its
 * rotation), and the graceful shutdown order (stop accepting, drain in-flight produce requests, close every
 * connection).
 */
import type { ConsoleFiles } from './console-files.js';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { BrookError } from '../../protocol/index.js';
import type { BrokerCore, SessionLimits } from './broker-api.js';
import { monotonicClock, systemTimers, type Clock, type Timers } from '../clock.js';
import type { MetricsText } from './http-routes.js';
import { SessionRegistry } from './session-registry.js';
import { TcpServer, type TcpTls } from './tcp-server.js';
import { readTlsOptions, type ServerTlsFiles } from './tls-files.js';
import type { AllowedOrigins } from './ws-origin.js';
import { WsServer } from './ws-server.js';

export interface StartServersOptions {
  readonly core: BrokerCore;
  readonly limits: SessionLimits;
  /** Interface both listeners bind to, e.g. '0.0.0.0' or '127.0.0.1'. */
  readonly host: string;
  /** TCP port for the binary protocol; 0 picks a free one. */
  readonly tcpPort: number;
  /** Port for WebSocket clients and HTTP (/metrics, /healthz, /readyz); 0 picks a free one. */
  readonly wsPort: number;
  /** Prometheus text for GET /metrics. */
  readonly metricsText: MetricsText;
  /** GET /readyz answers 200 while this returns true, else 503. */
  readonly isReady: () => boolean;
  readonly logger?: Logger;
  /** Time for deadlines and request durations. Default: the monotonic clock. */
  readonly clock?: Clock;
  /** Timers that hold answers back for quota throttles. Default: Node's. */
  readonly timers?: Timers;
  /** Serve both listeners over TLS with these files. Default: plaintext. */
  readonly tls?: ServerTlsFiles | undefined;
  /** Browser origins allowed on the WebSocket port besides the broker's own. Default: none. */
  readonly allowedOrigins?: AllowedOrigins;
  /** The bearer token GET /metrics asks for (health endpoints stay open). Default: none, /metrics is open. */
  readonly metricsToken?: string | undefined;
  /** The browser console's files, served at `/` on the WebSocket/HTTP port. Default: none. */
  readonly console?: ConsoleFiles | undefined;
  /** Where the listeners' own metrics (failed TLS handshakes) are registered. Default: nowhere. */
  readonly registry?: Registry;
}

export interface RunningServers {
  /** The bound TCP port. */
  readonly tcpPort: number;
  /** The bound WebSocket/HTTP port. */
  readonly wsPort: number;
  /**
   * Re-reads the TLS files and serves them to new TCP connections; open ones keep their session. The WebSocket/HTTP
   * port keeps the files it started with (uWS cannot swap them in place: docs/security.md). Throws when a file
   * cannot be read or node:tls rejects it (then the old certificate stays), or when the listeners are plaintext.
   */
  reloadTls(): void;
  /** Stops accepting connections (and HTTP requests); open connections keep being served. */
  stopAccepting(): void;
  /** Refuses new produce requests (SHUTTING_DOWN) and resolves once every admitted one is done. */
  drain(): Promise<void>;
  /**
   * Stops accepting, drains, then closes every connection (each first gets SHUTTING_DOWN with correlation id 0).
   * Resolves once the TCP sockets are closed.
   */
  close(): Promise<void>;
}

/** Starts the TCP and WebSocket listeners; resolves once both are bound. */
export async function startServers(options: StartServersOptions): Promise<RunningServers> {
  const { core, limits, host, logger } = options;
  const clock = options.clock ?? monotonicClock;
  const timers = options.timers ?? systemTimers;
  const registry = new SessionRegistry({ core, limits, clock, timers, logger });
  const common = { host, limits, registry, logger };
  const tlsFiles = options.tls;
  const tcp = await TcpServer.listen({
    ...common,
    port: options.tcpPort,
    tls: tlsFiles === undefined ? undefined : tcpTls(tlsFiles, options),
  });
  let ws: WsServer;
  try {
    ws = await WsServer.listen({
      ...common,
      port: options.wsPort,
      metricsText: options.metricsText,
      isReady: options.isReady,
      tls: tlsFiles,
      allowedOrigins: options.allowedOrigins ?? [],
      metricsToken: options.metricsToken,
      console: options.console,
    });
  } catch (err: unknown) {
    await tcp.close();
    throw err;
  }
  registry.startSweep();

  const stopAccepting = (): void => {
    tcp.stopAccepting();
    ws.stopAccepting();
  };
  let closing: Promise<void> | undefined;
  return {
    tcpPort: tcp.port,
    wsPort: ws.port,
    reloadTls: () => {
      if (tlsFiles === undefined) throw new Error('the listeners are not TLS: nothing to reload');
      tcp.setSecureContext(readTlsOptions(tlsFiles));
    },
    stopAccepting,
    drain: () => registry.drain(),
    close: () => {
      closing ??= (async () => {
        stopAccepting();
        await registry.drain();
        registry.stopSweep();
        registry.closeAll(new BrookError('SHUTTING_DOWN'));
        await Promise.all([tcp.close(), ws.close()]);
      })();
      return closing;
    },
  };
}

/** TLS for the TCP listener: the files read now, and every failed handshake logged and counted. */
function tcpTls(files: ServerTlsFiles, options: StartServersOptions): TcpTls {
  const failures = new Counter({
    name: 'brook_tls_handshake_failures_total',
    help:
      'TLS handshakes that failed on the client TCP port: plaintext clients, clients that distrust the certificate, ' +
      'refused client certificates.',
    registers: options.registry === undefined ? [] : [options.registry],
  });
  return {
    options: readTlsOptions(files),
    clientAuth: files.clientAuth,
    onHandshakeFailure: (reason, remote) => {
      failures.inc();
      options.logger?.warn({ remote, reason }, 'TLS handshake failed');
    },
  };
}
