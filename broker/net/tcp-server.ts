/**
 * The TCP listener: one {@link Session} per accepted socket, frames split by their 4-byte length prefix, no copy
 * of the bytes read (frames are views of the socket's chunks).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { BrookError, LengthPrefixSplitter } from '../../protocol/index.js';
import type { SessionLimits } from './broker-api.js';
import type { SessionRegistry } from './session-registry.js';
import type { FlushScheduler } from './connection.js';
import { TcpConnection } from './tcp-connection.js';

/** Bytes of an unfinished frame a connection may send before its hello is accepted (a hello is tens of bytes). */
export const PRE_HELLO_BUFFER_BYTES = 64 * 1024;

export interface TcpServerOptions {
  readonly host: string;
  /** 0 picks a free port; read it back from {@link TcpServer.port}. */
  readonly port: number;
  readonly limits: SessionLimits;
  readonly registry: SessionRegistry;
  readonly logger?: Logger | undefined;
  /** When a turn's writes are flushed (default: process.nextTick, see connection.ts). */
  readonly scheduleFlush?: FlushScheduler;
}

export class TcpServer {
  private readonly sockets = new Set<Socket>();
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly options: TcpServerOptions,
  ) {
    server.on('connection', (socket) => {
      this.accept(socket);
    });
  }

  /** Starts listening; resolves once bound. */
  static async listen(options: TcpServerOptions): Promise<TcpServer> {
    // A write high-water mark of socketBufferBytes makes 'drain' fire whenever delivery paused on a full socket.
    const server = createServer({ noDelay: true, highWaterMark: options.limits.socketBufferBytes });
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
    const { registry, limits, logger } = this.options;
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
