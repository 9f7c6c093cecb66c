/**
 * The network layer's entry point for the broker: both listeners over one session registry, and the graceful
 * shutdown order (stop accepting, drain in-flight produce requests, close every connection).
 */
import type { Logger } from 'pino';
import { BrookError } from '../../protocol/index.js';
import type { BrokerCore, SessionLimits } from './broker-api.js';
import { monotonicClock, type Clock } from '../clock.js';
import type { MetricsText } from './http-routes.js';
import { SessionRegistry } from './session-registry.js';
import { TcpServer } from './tcp-server.js';
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
}

export interface RunningServers {
  /** The bound TCP port. */
  readonly tcpPort: number;
  /** The bound WebSocket/HTTP port. */
  readonly wsPort: number;
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
  const registry = new SessionRegistry({ core, limits, clock, logger });
  const common = { host, limits, registry, logger };
  const tcp = await TcpServer.listen({ ...common, port: options.tcpPort });
  let ws: WsServer;
  try {
    ws = await WsServer.listen({
      ...common,
      port: options.wsPort,
      metricsText: options.metricsText,
      isReady: options.isReady,
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
