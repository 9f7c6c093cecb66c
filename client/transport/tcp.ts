/** TCP transport (Node only): length-prefixed frames over node:net, writes coalesced per event-loop turn. */
import { connect, type Socket } from 'node:net';
import { BrookError, LengthPrefixSplitter } from '../../protocol/index.js';
import type { Endpoint } from '../endpoint.js';
import type { Transport, TransportHandlers, TransportOptions } from './transport.js';

/** Opens a TCP transport. Only accepts TCP endpoints. */
export function openTcpTransport(
  endpoint: Endpoint,
  handlers: TransportHandlers,
  options: TransportOptions,
): Promise<Transport> {
  if (endpoint.kind !== 'tcp') return Promise.reject(new TypeError(`TCP transport cannot open ${endpoint.url}`));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new BrookError(
          'NETWORK_ERROR',
          `connect to ${endpoint.host}:${String(endpoint.port)} timed out after ${String(options.connectTimeoutMs)} ms`,
        ),
      );
    }, options.connectTimeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(
        new BrookError('NETWORK_ERROR', `connect to ${endpoint.host}:${String(endpoint.port)} failed: ${err.message}`, {
          cause: err,
        }),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(new TcpTransport(socket, handlers, options));
    });
  });
}

class TcpTransport implements Transport {
  readonly lengthPrefixed = true;
  private readonly splitter: LengthPrefixSplitter;
  private corked = false;
  private closed = false;
  private closeError: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: TransportHandlers,
    options: TransportOptions,
  ) {
    this.splitter = new LengthPrefixSplitter(options.maxFrameBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.onData(chunk);
    });
    socket.on('drain', () => {
      handlers.onDrain();
    });
    socket.on('error', (err: Error) => {
      this.closeError ??= new BrookError('NETWORK_ERROR', `connection error: ${err.message}`, { cause: err });
    });
    socket.on('close', () => {
      this.closed = true;
      handlers.onClose(this.closeError);
    });
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  send(frame: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return false;
    // Corking until the end of this turn turns many small frames into one write (one syscall).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    return this.socket.write(frame);
  }

  close(): void {
    if (this.closed) return;
    this.socket.end();
    // end() waits for the peer's FIN; do not let a silent peer hold the socket open.
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    timer.unref();
  }

  private onData(chunk: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.splitter.push(chunk);
    } catch (err: unknown) {
      this.closeError = err instanceof Error ? err : new BrookError('FRAME_TOO_LARGE');
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (this.closed || this.socket.destroyed) return;
      this.handlers.onFrame(frame);
    }
  }
}
