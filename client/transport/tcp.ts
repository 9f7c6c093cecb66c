/**
 * TCP transport (Node only): length-prefixed frames over node:net, or node:tls for `tls://` endpoints, writes
 * coalesced per event-loop turn.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { BrookError, LengthPrefixSplitter } from '../../protocol/index.js';
import { endpointName, type TcpEndpoint } from '../endpoint.js';
import type { ClientTlsOptions } from '../tls-options.js';
import { tlsConnectOptions, tlsFailure } from './tls.js';
import type { Transport, TransportFactory, TransportHandlers, TransportOptions } from './transport.js';

/**
 * A broker answers hello within milliseconds. A peer silent for this long after the client spoke may be an HTTP
 * server waiting for the end of request headers that never come (the broker's WebSocket port given as a TCP
 * bootstrap): it is then asked, on a second connection, whether it speaks HTTP.
 */
const SILENCE_BEFORE_HTTP_PROBE_MS = 500;

/** How an HTTP server's answer starts. */
const HTTP_ANSWER = 'HTTP/';

/** The error for a plaintext connection to a TLS port. */
function tlsPortError(host: string, port: number): BrookError {
  return new BrookError(
    'NETWORK_ERROR',
    `${host}:${String(port)} speaks TLS, and this client connected in plaintext: use tls://${host}:${String(port)}`,
  );
}

/** The error for a TCP bootstrap that turned out to be an HTTP (WebSocket) port. */
function httpPortError(host: string, port: number): BrookError {
  return new BrookError(
    'NETWORK_ERROR',
    `${host}:${String(port)} is an HTTP port, not Brook's TCP port; did you mean ws://${host}:${String(port)}?`,
  );
}

/**
 * Opens a probe `socket` and resolves with what `watch` reports through `done`, or false once the socket fails, closes
 * or `timeoutMs` passes; the socket is destroyed either way.
 */
function probe(socket: Socket, timeoutMs: number, watch: (done: (answer: boolean) => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => {
      done(false);
    }, timeoutMs);
    socket.once('error', () => {
      done(false);
    });
    socket.once('close', () => {
      done(false);
    });
    watch(done);
  });
}

/**
 * Whether host:port completes a TLS handshake (within `timeoutMs`). The certificate is not checked: this only asks
 * which protocol the port speaks, and nothing is sent over the connection.
 */
function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const socket = connectTls({ host, port, rejectUnauthorized: false });
  return probe(socket, timeoutMs, (done) => {
    socket.once('secureConnect', () => {
      done(true);
    });
  });
}

/** Whether an HTTP request to host:port is answered with HTTP (within `timeoutMs`). */
function speaksHttp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const socket = connect({ host, port });
  let answer = '';
  return probe(socket, timeoutMs, (done) => {
    socket.once('connect', () => {
      socket.write(`HEAD / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.length >= HTTP_ANSWER.length) done(answer.startsWith(HTTP_ANSWER));
    });
  });
}

/**
 * The TCP transport factory: `tls://` endpoints are opened with `tls` (CA, client certificate, ...; default: the
 * system's CAs and no client certificate), `host:port` in plaintext. Only accepts TCP endpoints.
 */
export function tcpTransport(tls: ClientTlsOptions | undefined): TransportFactory {
  return (endpoint, handlers, options) => {
    if (endpoint.kind !== 'tcp') return Promise.reject(new TypeError(`TCP transport cannot open ${endpoint.url}`));
    return openTcp(endpoint, tls, handlers, options);
  };
}

/** Opens a TCP transport (TLS with the system's CAs for `tls://`). Only accepts TCP endpoints. */
export const openTcpTransport: TransportFactory = tcpTransport(undefined);

function openTcp(
  endpoint: TcpEndpoint,
  tls: ClientTlsOptions | undefined,
  handlers: TransportHandlers,
  options: TransportOptions,
): Promise<Transport> {
  const name = endpointName(endpoint);
  return new Promise((resolve, reject) => {
    const { host, port } = endpoint;
    const socket = endpoint.tls
      ? connectTls({ ...tlsConnectOptions(tls), host, port })
      : connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new BrookError('NETWORK_ERROR', `connect to ${name} timed out after ${String(options.connectTimeoutMs)} ms`),
      );
    }, options.connectTimeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(
        endpoint.tls
          ? tlsFailure(name, err)
          : new BrookError('NETWORK_ERROR', `connect to ${name} failed: ${err.message}`, { cause: err }),
      );
    };
    socket.once('error', onError);
    // A TLS socket can send once its handshake is done (the certificate checked), a plain one once connected.
    socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
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

  /** Whether {@link close} was called. */
  private closedLocally = false;

  constructor(
    private readonly socket: Socket,
    private readonly endpoint: TcpEndpoint,
    private readonly handlers: TransportHandlers,
    private readonly options: TransportOptions,
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
      // Over TLS, a refusal the server sends after the handshake (no client certificate, TLS 1.3) arrives here.
      this.closeError ??= endpoint.tls
        ? tlsFailure(endpointName(endpoint), err)
        : new BrookError('NETWORK_ERROR', `connection error: ${err.message}`, { cause: err });
    });
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.silence);
      void this.reportClose();
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
    this.closedLocally = true;
    this.socket.end();
    // end() waits for the peer's FIN; do not let a silent peer hold the socket open.
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    timer.unref();
  }

  /**
   * Reports the close. A peer that hung up on a plaintext client without a word may be a TLS port (node:tls closes
   * on bytes that are not TLS, without an alert): it is then asked, on a second connection, whether it speaks TLS,
   * so the error can say to use tls://.
   */
  private async reportClose(): Promise<void> {
    const { host, port } = this.endpoint;
    const silentHangUp = !this.heard && !this.closedLocally && !this.endpoint.tls && this.closeError === undefined;
    if (silentHangUp && (await speaksTls(host, port, this.options.connectTimeoutMs))) {
      this.closeError = tlsPortError(host, port);
    }
    this.handlers.onClose(this.closeError);
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
