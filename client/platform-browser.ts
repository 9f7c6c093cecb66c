/**
 * How the browser entry point opens transports: the global WebSocket only (browsers cannot open TCP sockets); and its
 * record compression: gzip through CompressionStream / DecompressionStream, the other codecs refused with a clear
 * error (browsers have no snappy, lz4 or zstd).
 */
import { crc32c, recordCompression } from '../protocol/index.js';
import type { Platform } from './options.js';
import { webSocketTransport } from './transport/websocket.js';

/** Runs `data` through a (de)compression stream; `maxBytes` stops reading once the output passes it. */
async function throughStream(
  stream: CompressionStream | DecompressionStream,
  data: Uint8Array,
  maxBytes: number,
): Promise<Uint8Array> {
  const output = new Blob([new Uint8Array(data)]).stream().pipeThrough(stream);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = output.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      break;
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

const browserCompression = recordCompression(
  {
    gzip: {
      compress: (data) => throughStream(new CompressionStream('gzip'), data, Number.POSITIVE_INFINITY),
      decompress: (data, maxBytes) => throughStream(new DecompressionStream('gzip'), data, maxBytes),
    },
  },
  'browsers (gzip is the one codec they have)',
);

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
  compression: browserCompression,
});
