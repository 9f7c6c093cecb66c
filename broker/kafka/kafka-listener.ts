/**
 * The Kafka listener: the native TCP listener's socket handling (framing, TLS, backpressure, the pre-login buffer
 * bound) with a {@link KafkaConnection} per socket, the client listeners' connection caps, and one sweep timer for
 * login deadlines and idle timeouts.
 */
import type { Logger } from 'pino';
import type { Timers, TimerHandle } from '../clock.js';
import type { KafkaMetrics } from '../metrics/kafka-metrics.js';
import type { SessionLimits } from '../net/broker-api.js';
import type { ServerConnection } from '../net/connection.js';
import { connectionRefusal, sweepIntervalMs } from '../net/session-registry.js';
import { TcpServer, type ConnectionOpener } from '../net/tcp-server.js';
import { readTlsOptions, type ServerTlsFiles } from '../net/tls-files.js';
import { KafkaConnection } from './kafka-connection.js';
import type { KafkaContext } from './kafka-context.js';

export interface KafkaListenerOptions {
  readonly ctx: KafkaContext;
  readonly host: string;
  /** 0 picks a free port; read it back from {@link KafkaListener.port}. */
  readonly port: number;
  /** The client listeners' limits: frame size cap, connection caps, handshake and idle timeouts, socket buffer. */
  readonly limits: SessionLimits;
  readonly timers: Timers;
  /** Serve TLS with the client listeners' files. Default: plaintext. */
  readonly tls?: ServerTlsFiles | undefined;
  readonly metrics?: KafkaMetrics | undefined;
  readonly logger?: Logger | undefined;
}

export class KafkaListener implements ConnectionOpener {
  private readonly connections = new Set<KafkaConnection>();
  private server: TcpServer | undefined;
  private sweep: TimerHandle | undefined;

  private constructor(private readonly options: KafkaListenerOptions) {}

  /** Starts listening; resolves once bound. */
  static async listen(options: KafkaListenerOptions): Promise<KafkaListener> {
    const listener = new KafkaListener(options);
    const { tls, logger } = options;
    listener.server = await TcpServer.listen({
      host: options.host,
      port: options.port,
      limits: options.limits,
      registry: listener,
      logger,
      tls:
        tls === undefined
          ? undefined
          : {
              options: readTlsOptions(tls),
              clientAuth: tls.clientAuth,
              onHandshakeFailure: (reason, remote) =>
                logger?.warn({ remote, reason }, 'Kafka listener TLS handshake failed'),
            },
    });
    listener.sweep = options.timers.setInterval(() => {
      const nowMs = options.ctx.clock.nowMs();
      for (const conn of listener.connections) conn.checkDeadlines(nowMs);
    }, sweepIntervalMs(options.limits));
    return listener;
  }

  /** The bound port. */
  get port(): number {
    return this.server?.port ?? 0;
  }

  /** Serves re-read TLS files to new connections (SIGHUP); throws when the listener is plaintext. */
  reloadTls(): void {
    if (this.options.tls === undefined) throw new Error('the Kafka listener is not TLS');
    this.server?.setSecureContext(readTlsOptions(this.options.tls));
  }

  open(conn: ServerConnection): KafkaConnection | undefined {
    const refusal = connectionRefusal(this.options.limits, this.connections, conn.sourceAddress);
    if (refusal !== undefined) {
      this.options.logger?.warn({ remote: conn.remoteAddress, reason: refusal }, 'Kafka connection refused');
      conn.close();
      return undefined;
    }
    const { ctx, limits, metrics } = this.options;
    const connection = new KafkaConnection(
      conn,
      { ctx, handshakeTimeoutMs: limits.handshakeTimeoutMs, idleTimeoutMs: limits.idleTimeoutMs, metrics },
      (ended) => this.connections.delete(ended),
    );
    this.connections.add(connection);
    return connection;
  }

  /** Stops accepting connections; open ones keep being served. */
  stopAccepting(): void {
    this.server?.stopAccepting();
  }

  /** Stops accepting, closes every connection and resolves once the sockets are closed. */
  async close(): Promise<void> {
    if (this.sweep !== undefined) this.options.timers.clear(this.sweep);
    for (const conn of [...this.connections]) conn.close();
    await this.server?.close();
  }
}
