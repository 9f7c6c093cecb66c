/** How the browser entry point opens transports: the global WebSocket only (browsers cannot open TCP sockets). */
import { crc32c } from '../protocol/index.js';
import type { Platform } from './options.js';
import { webSocketTransport } from './transport/websocket.js';

/** WebSocket endpoints through the given constructor or the global `WebSocket`; `host:port` is refused. */
export const browserPlatform: Platform = Object.freeze<Platform>({
  transportFor: (endpoint, webSocket) => {
    if (endpoint.kind === 'tcp') {
      throw new TypeError(
        `browsers connect over WebSocket only: use ws://${endpoint.host}:<wsPort> or wss://... instead of ${endpoint.host}:${String(endpoint.port)}`,
      );
    }
    if (webSocket !== undefined) return webSocketTransport(webSocket);
    if (!('WebSocket' in globalThis)) throw new TypeError('no global WebSocket: pass the webSocket option');
    return webSocketTransport(globalThis.WebSocket);
  },
  checksum: crc32c,
});
