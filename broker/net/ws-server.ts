/**
 * The WebSocket listener (uWebSockets.js): frames as binary messages on `/`, plus the HTTP routes on the same port.
 */
import uWS from 'uWebSockets.js';
import type { Logger } from 'pino';
import { BrookError } from '../../protocol/index.js';
import type { SessionLimits } from './broker-api.js';
import type { ConsoleFiles } from './console-files.js';
import { addHttpRoutes, type MetricsText } from './http-routes.js';
import type { SessionRegistry } from './session-registry.js';
import { PRE_HELLO_BUFFER_BYTES } from './tcp-server.js';
import { WsConnection, type WsUserData } from './ws-connection.js';
import { originAllowed, type AllowedOrigins } from './ws-origin.js';
import type { ServerTlsFiles } from './tls-files.js';

export interface WsServerOptions {
  readonly host: string;
  /** 0 picks a free port; read it back from {@link WsServer.port}. */
  readonly port: number;
  readonly limits: SessionLimits;
  readonly registry: SessionRegistry;
  readonly metricsText: MetricsText;
  readonly isReady: () => boolean;
  readonly logger?: Logger | undefined;
  /** Serve HTTPS and `wss://` with these files (uWS reads them itself, once: see docs/security.md on rotation). */
  readonly tls?: ServerTlsFiles | undefined;
  /** Browser origins allowed besides the broker's own (see ws-origin.ts). */
  readonly allowedOrigins: AllowedOrigins;
  /** The bearer token GET /metrics asks for; undefined: open. */
  readonly metricsToken?: string | undefined;
  /** The browser console's files, served at `/`. */
  readonly console?: ConsoleFiles | undefined;
}

/**
 * The largest message uWS lets through to us. Above maxFrameBytes so that a message somewhat over the limit reaches
 * the session, which answers FRAME_TOO_LARGE before closing; uWS closes (code 1006, no error frame) beyond it.
 */
export function wsMaxPayloadBytes(maxFrameBytes: number): number {
  return maxFrameBytes + Math.max(64 * 1024, Math.ceil(maxFrameBytes / 4));
}

export class WsServer {
  private readonly open = new Set<WsConnection>();
  private listenSocket: uWS.us_listen_socket | undefined;
  private boundPort = 0;

  private constructor(private readonly options: WsServerOptions) {}

  /** Starts listening; resolves once bound. */
  static async listen(options: WsServerOptions): Promise<WsServer> {
    const server = new WsServer(options);
    const { tls } = options;
    const app =
      tls === undefined
        ? uWS.App()
        : uWS.SSLApp({
            cert_file_name: tls.certFile,
            key_file_name: tls.keyFile,
            // uWS asks for and checks a client certificate when given a CA, but lets in a client that sends none.
            ...(tls.caFile === undefined ? {} : { ca_file_name: tls.caFile }),
          });
    server.route(app);
    await new Promise<void>((resolve, reject) => {
      app.listen(options.host, options.port, (listenSocket) => {
        if (listenSocket === false) {
          reject(new Error(`cannot listen on ${options.host}:${String(options.port)} (WebSocket)`));
          return;
        }
        server.listenSocket = listenSocket;
        server.boundPort = uWS.us_socket_local_port(listenSocket);
        resolve();
      });
    });
    return server;
  }

  /** The bound port. */
  get port(): number {
    return this.boundPort;
  }

  /** Stops accepting connections (and HTTP requests); open WebSockets are untouched. */
  stopAccepting(): void {
    if (this.listenSocket === undefined) return;
    uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }

  /** Stops accepting and closes every WebSocket still open. */
  close(): Promise<void> {
    this.stopAccepting();
    for (const conn of [...this.open]) conn.close();
    return Promise.resolve();
  }

  private route(app: uWS.TemplatedApp): void {
    const { limits, registry, logger } = this.options;
    app.ws<WsUserData>('/', {
      maxPayloadLength: wsMaxPayloadBytes(limits.maxFrameBytes),
      // Our sweep applies idleTimeoutMs to client frames; uWS's own timer (which also counts our sends) is off.
      idleTimeout: 0,
      sendPingsAutomatically: false,
      // Delivery pauses at socketBufferBytes on its own; this bound catches a client that keeps sending requests
      // without reading the responses. uWS cannot pause reading, so such a client is disconnected instead (a send
      // beyond the bound reports "dropped" and WsConnection closes the socket).
      maxBackpressure: 4 * limits.maxFrameBytes + limits.socketBufferBytes,
      compression: uWS.DISABLED,
      upgrade: (res, req, context) => {
        const refusal = this.upgradeRefusal(req.getHeader('origin'), req.getHeader('host'));
        if (refusal !== undefined) {
          logger?.info({ remote: Buffer.from(res.getRemoteAddressAsText()).toString(), refusal }, 'upgrade refused');
          res.writeStatus('403 Forbidden').writeHeader('Content-Type', 'text/plain').end(`${refusal}\n`, true);
          return;
        }
        res.upgrade<WsUserData>(
          {},
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        const conn = new WsConnection(ws, Buffer.from(ws.getRemoteAddressAsText()).toString());
        const data = ws.getUserData();
        data.conn = conn;
        this.open.add(conn);
        const session = registry.open(conn);
        // A refused connection is already closed (registry.open closed it, and uWS ran our close handler).
        if (session !== undefined && !session.isClosed) data.session = session;
      },
      message: (ws, message, isBinary) => {
        const session = ws.getUserData().session;
        if (session === undefined || session.isClosed) return;
        if (!isBinary) {
          session.connectionError(new BrookError('INVALID_REQUEST', 'frames must be binary WebSocket messages'));
        } else if (!session.isGreeted && message.byteLength > PRE_HELLO_BUFFER_BYTES) {
          // As on TCP: nobody is known before hello, and a hello is tens of bytes. Refused before the copy below.
          // uWS assembles a message before it calls us, so an unfinished one still holds up to maxPayloadLength until
          // the handshake deadline: uWS has no per-socket payload limit to lower until hello.
          session.connectionError(
            new BrookError(
              'HANDSHAKE_REQUIRED',
              `message of ${String(message.byteLength)} bytes before hello: at most ${String(PRE_HELLO_BUFFER_BYTES)}`,
            ),
          );
        } else if (message.byteLength > limits.maxFrameBytes) {
          session.connectionError(
            new BrookError(
              'FRAME_TOO_LARGE',
              `message of ${String(message.byteLength)} bytes exceeds maxFrameBytes ${String(limits.maxFrameBytes)}`,
            ),
          );
        } else {
          // uWS neuters `message` when this handler returns, and request bodies outlive it: one copy per frame.
          session.receive(new Uint8Array(message.slice(0)));
        }
      },
      drain: (ws) => {
        ws.getUserData().conn?.notifyDrain();
      },
      close: (ws) => {
        const data = ws.getUserData();
        if (data.conn !== undefined) {
          data.conn.markClosed();
          this.open.delete(data.conn);
        }
        data.session?.handleClosed();
      },
    });
    addHttpRoutes(app, {
      metricsText: this.options.metricsText,
      isReady: this.options.isReady,
      onError: (err) => logger?.error({ err }, 'metrics scrape failed'),
      metricsToken: this.options.metricsToken,
      console: this.options.console,
    });
  }

  /** Why a WebSocket upgrade is refused (403), or undefined to accept it. */
  private upgradeRefusal(origin: string, host: string): string | undefined {
    if (this.options.tls?.clientAuth === 'require') {
      // uWS lets a client without a certificate through and cannot tell us whether one was sent.
      return 'this broker requires client certificates, which its WebSocket port cannot check: use tls://';
    }
    if (!originAllowed(origin, host, this.options.allowedOrigins)) {
      return `origin ${origin} is not allowed (--ws-allowed-origins)`;
    }
    return undefined;
  }
}
