/**
 * How the Node entry point opens transports: node:net for host:port, node:tls for tls://, the `ws` package for ws://
 * and wss://.
 */
import WebSocket from 'ws';
import { crc32c } from '../protocol/index.js';
import type { Platform } from './options.js';
import { openTcpTransport, tcpTransport } from './transport/tcp.js';
import type { ClientTlsOptions } from './tls-options.js';
import { tlsConnectOptions } from './transport/tls.js';
import { webSocketTransport, type WebSocketConstructor } from './transport/websocket.js';

/**
 * The hardware CRC32C from the optional dependency @node-rs/crc32 (a prebuilt binary where the platform has one):
 * the JavaScript one cost about 9% of the producer's CPU. Without it, the JavaScript one.
 */
const hardwareCrc32c = await import('@node-rs/crc32').then(
  (native) => (data: Uint8Array) => native.crc32c(data),
  () => undefined,
);

/**
 * The `ws` class with the one-argument constructor of the WHATWG API, running TLS with `tls` for wss:// URLs.
 * Compression is off: record batches are usually already compact, and deflate would cost more CPU than it saves on
 * a LAN.
 */
function wsPackage(tls: ClientTlsOptions | undefined): WebSocketConstructor {
  const options = { perMessageDeflate: false, ...tlsConnectOptions(tls) };
  return class WsWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, options);
    }
  };
}
const wsTransport = webSocketTransport(wsPackage(undefined));

/**
 * TCP for `host:port` and `tls://`; WebSocket (the `ws` package, with the TLS options for wss://, unless another
 * constructor is given) for URLs.
 */
export const nodePlatform: Platform = Object.freeze<Platform>({
  transportFor: (endpoint, webSocket, tls) => {
    if (endpoint.kind === 'tcp') return tls === undefined ? openTcpTransport : tcpTransport(tls);
    if (webSocket !== undefined) return webSocketTransport(webSocket);
    return tls === undefined ? wsTransport : webSocketTransport(wsPackage(tls));
  },
  checksum: hardwareCrc32c ?? crc32c,
});
