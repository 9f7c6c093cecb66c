/** TCP transport (Node only): length-prefixed frames over node:net, writes coalesced per event-loop turn. */
import { connect, type Socket } from 'node:net';
import { BrookError, LengthPrefixSplitter } from '../../protocol/index.js';
import type { Endpoint } from '../endpoint.js';
import type { Transport, TransportHandlers, TransportOptions } from './transport.js';

/**
 * A broker answers hello within milliseconds. A peer silent for this long after the client spoke may be an HTTP
 * server waiting for the end of request headers that never come (the broker's WebSocket port given as a TCP
 * bootstrap): it is then asked, on a second connection, whether it speaks HTTP.
 */
const SILENCE_BEFORE_HTTP_PROBE_MS = 500;

/** How an HTTP server's answer starts. */
const HTTP_ANSWER = 'HTTP/';

/** The error for a TCP bootstrap that turned out to be an HTTP (WebSocket) port. */
function httpPortError(host: string, port: number): BrookError {
  return new BrookError(
    'NETWORK_ERROR',
    `${host}:${String(port)} is an HTTP port, not Brook's TCP port; did you mean ws://${host}:${String(port)}?`,
  );
}

/** Whether an HTTP request to host:port is answered with HTTP (within `timeoutMs`). */
function speaksHttp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let answer = '';
    const done = (http: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(http);
    };
    const timer = setTimeout(() => {
      done(false);
    }, timeoutMs);
    socket.once('connect', () => {
      socket.write(`HEAD / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.length >= HTTP_ANSWER.length) done(answer.startsWith(HTTP_ANSWER));
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('close', () => {
      done(false);
    });
  });
}

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
      resolve(new TcpTransport(socket, endpoint, handlers, options));
    });
  });
}

class TcpTransport implements Transport {
  readonly lengthPrefixed = true;
  private readonly splitter: LengthPrefixSplitter;
  private corked = false;
  private closed = false;
  private closeError: Error | undefined;
  /** Whether the peer has sent anything yet. */
  private heard = false;
  /** The timer of the HTTP probe, until the peer's first bytes arrive. */
  private readonly silence: ReturnType<typeof setTimeout>;

  constructor(
    private readonly socket: Socket,
    private readonly endpoint: { readonly host: string; readonly port: number },
    private readonly handlers: TransportHandlers,
    options: TransportOptions,
  ) {
    this.splitter = new LengthPrefixSplitter(options.maxFrameBytes);
    socket.setNoDelay(true);
    this.silence = setTimeout(() => {
      void this.probeHttp(options.connectTimeoutMs);
    }, SILENCE_BEFORE_HTTP_PROBE_MS);
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
      clearTimeout(this.silence);
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

  /** The peer has said nothing since we spoke: if it answers HTTP, close with an error that says so. */
  private async probeHttp(timeoutMs: number): Promise<void> {
    const { host, port } = this.endpoint;
    if (!(await speaksHttp(host, port, timeoutMs)) || this.heard || this.closed) return;
    this.closeError = httpPortError(host, port);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (!this.heard) {
      this.heard = true;
      clearTimeout(this.silence);
      // An HTTP server that answers bytes it cannot parse (most do, at once) is recognised without a probe. No frame
      // starts so: "HTTP" as a length prefix is over 1 GB.
      if (chunk.subarray(0, HTTP_ANSWER.length).toString('latin1') === HTTP_ANSWER) {
        this.closeError = httpPortError(this.endpoint.host, this.endpoint.port);
        this.socket.destroy();
        return;
      }
    }
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
