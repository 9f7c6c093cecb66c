/**
 * The TCP listener: one {@link Session} per accepted socket, frames split by their 4-byte length prefix, no copy
 * of the bytes read (frames are views of the socket's chunks). With TLS, the same over node:tls: a session opens
 * once the handshake is done.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Server as TlsServer, TLSSocket, createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { BrookError, LengthPrefixSplitter } from '../../protocol/index.js';
import type { SessionLimits } from './broker-api.js';
import type { FlushScheduler, ServerConnection } from './connection.js';
import { TcpConnection, remoteAddressOf } from './tcp-connection.js';
import { clientCertificateRefusal } from './tls-client-certificate.js';
import type { ClientAuth } from './tls-files.js';

/** Bytes of an unfinished frame a connection may send before its hello is accepted (a hello is tens of bytes). */
export const PRE_HELLO_BUFFER_BYTES = 64 * 1024;

/** TLS on the TCP listener. */
export interface TcpTls {
  /** Certificate, key, CA and client-certificate options, as node:tls takes them. */
  readonly options: TlsOptions;
  readonly clientAuth: ClientAuth;
  /** Called for each failed handshake and each refused client certificate (for logs and metrics). */
  readonly onHandshakeFailure: (reason: string, remoteAddress: string) => void;
}

/**
 * What the listener feeds the frames of one accepted connection to: a native {@link Session}, or a Kafka connection
 * (broker/kafka), so both listeners share the socket handling, TLS and the pre-login buffer bound.
 */
export interface FramedConnection {
  /** Whether the connection has ended (its remaining bytes are dropped). */
  readonly isClosed: boolean;
  /** Whether it is past its handshake and login: before that, at most {@link PRE_HELLO_BUFFER_BYTES} are buffered. */
  readonly isGreeted: boolean;
  /** One frame, without its length prefix. */
  receive(frame: Uint8Array): void;
  /** A connection-level failure (oversized frame, too much before login): answer if the protocol can, then close. */
  connectionError(error: BrookError): void;
  /** The socket is gone. */
  handleClosed(): void;
}

/** Opens the {@link FramedConnection} of each accepted socket, or refuses it (connection caps) with undefined. */
export interface ConnectionOpener {
  open(conn: ServerConnection): FramedConnection | undefined;
}

export interface TcpServerOptions {
  readonly host: string;
  /** 0 picks a free port; read it back from {@link TcpServer.port}. */
  readonly port: number;
  readonly limits: SessionLimits;
  readonly registry: ConnectionOpener;
  readonly logger?: Logger | undefined;
  /** When a turn's writes are flushed (default: process.nextTick, see connection.ts). */
  readonly scheduleFlush?: FlushScheduler;
  /** Serve TLS instead of plaintext. */
  readonly tls?: TcpTls | undefined;
}

export class TcpServer {
  private readonly sockets = new Set<Socket>();
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly options: TcpServerOptions,
  ) {
    // A TLS server reports a socket once its handshake is done; the session's handshake deadline starts then.
    server.on(options.tls === undefined ? 'connection' : 'secureConnection', (socket: Socket) => {
      this.accept(socket);
    });
  }

  /** Starts listening; resolves once bound. */
  static async listen(options: TcpServerOptions): Promise<TcpServer> {
    // A write high-water mark of socketBufferBytes makes 'drain' fire whenever delivery paused on a full socket.
    const common = { noDelay: true, highWaterMark: options.limits.socketBufferBytes };
    const { tls } = options;
    const server =
      tls === undefined
        ? createServer(common)
        : createTlsServer({ ...common, ...tls.options, handshakeTimeout: options.limits.handshakeTimeoutMs });
    if (tls !== undefined) {
      // A plaintext client, a client that distrusts our certificate, or one with a refused certificate ends here.
      server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
        tls.onHandshakeFailure(err.message, remoteAddressOf(socket));
      });
    }
    const tcp = new TcpServer(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => options.logger?.error({ err }, 'tcp server error'));
    return tcp;
  }

  /** The bound port. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Serves new TLS options (a rotated certificate) to the connections accepted from now on; open ones keep theirs.
   * Throws when the listener is plaintext, or when node:tls rejects the options (then the old ones stay).
   */
  setSecureContext(options: TlsOptions): void {
    if (!(this.server instanceof TlsServer)) throw new Error('the TCP listener is not TLS');
    this.server.setSecureContext(options);
  }

  /** Stops accepting connections; open ones are untouched. */
  stopAccepting(): void {
    this.closed ??= new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  /**
   * Stops accepting and resolves once every socket is closed. Sockets still open after one more turn (their
   * sessions were closed, so only a peer that does not read keeps them) are destroyed.
   */
  async close(): Promise<void> {
    this.stopAccepting();
    for (const socket of this.sockets) socket.end();
    await new Promise((resolve) => setImmediate(resolve));
    for (const socket of this.sockets) socket.destroy();
    await this.closed;
  }

  private accept(socket: Socket): void {
    const { registry, limits, logger, tls } = this.options;
    const refusal =
      tls !== undefined && socket instanceof TLSSocket ? clientCertificateRefusal(socket, tls.clientAuth) : undefined;
    if (tls !== undefined && refusal !== undefined) {
      tls.onHandshakeFailure(refusal, remoteAddressOf(socket));
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    const conn = new TcpConnection(socket, limits.socketBufferBytes, this.options.scheduleFlush);
    socket.on('error', (err) => logger?.debug({ err, remote: conn.remoteAddress }, 'tcp socket error'));
    const session = registry.open(conn);
    socket.once('close', () => {
      this.sockets.delete(socket);
      session?.handleClosed();
    });
    if (session === undefined) return;
    const splitter = new LengthPrefixSplitter(limits.maxFrameBytes);
    socket.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = splitter.push(chunk);
      } catch (err: unknown) {
        session.connectionError(err instanceof BrookError ? err : new BrookError('INVALID_REQUEST'));
        return;
      }
      for (const frame of frames) {
        // A frame may close the session; the bytes behind it are then dropped.
        if (session.isClosed) return;
        session.receive(frame);
      }
      // Before hello nobody is known: a stranger may not make the broker hold up to maxFrameBytes of a frame.
      if (!session.isGreeted && splitter.bufferedBytes > PRE_HELLO_BUFFER_BYTES) {
        session.connectionError(
          new BrookError('HANDSHAKE_REQUIRED', `more than ${String(PRE_HELLO_BUFFER_BYTES)} bytes sent before hello`),
        );
      }
    });
  }
}
