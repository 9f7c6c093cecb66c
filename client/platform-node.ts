/** How the Node entry point opens transports: node:net for host:port, the `ws` package for ws:// and wss://. */
import WebSocket from 'ws';
import { crc32c } from '../protocol/index.js';
import type { Platform } from './options.js';
import { openTcpTransport } from './transport/tcp.js';
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
 * The `ws` class with the one-argument constructor of the WHATWG API. Compression is off: record batches are
 * usually already compact, and deflate would cost more CPU than it saves on a LAN.
 */
class WsWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { perMessageDeflate: false });
  }
}
const wsPackage: WebSocketConstructor = WsWebSocket;
const wsTransport = webSocketTransport(wsPackage);

/** TCP for `host:port`; WebSocket (the `ws` package unless another constructor is given) for URLs. */
export const nodePlatform: Platform = Object.freeze<Platform>({
  transportFor: (endpoint, webSocket) => {
    if (endpoint.kind === 'tcp') return openTcpTransport;
    return webSocket === undefined ? wsTransport : webSocketTransport(webSocket);
  },
  checksum: hardwareCrc32c ?? crc32c,
});
