/**
 * How the Node entry point opens transports: node:net for host:port, node:tls for tls://, the `ws` package for ws://
 * and wss://; and its record compression: node:zlib for gzip, the optional native packages snappy, lz4-napi and
 * @mongodb-js/zstd for the others (a codec whose package is missing is refused with a clear error).
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import WebSocket from 'ws';
import { crc32c, recordCompression, type CompressionPrimitives } from '../protocol/index.js';
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

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Loads an optional native package; undefined when it is not installed (or has no build for this platform). */
function optional<M, R>(load: () => Promise<M>, use: (module: M) => R): Promise<R | undefined> {
  return load().then(use, () => undefined);
}

const [snappy, lz4, zstd] = await Promise.all([
  optional(
    () => import('snappy'),
    (m): CompressionPrimitives['snappy'] => ({
      compress: (data) => m.compressSync(asBuffer(data)),
      decompress: (data) => {
        const out = m.uncompressSync(asBuffer(data), { asBuffer: true });
        if (typeof out === 'string') throw new Error('snappy gave text');
        return out;
      },
    }),
  ),
  optional(
    () => import('lz4-napi'),
    (m): CompressionPrimitives['lz4'] => ({
      compress: (data) => m.compressFrame(asBuffer(data)),
      decompress: (data) => m.decompressFrame(asBuffer(data)),
    }),
  ),
  optional(
    () => import('@mongodb-js/zstd'),
    (m): CompressionPrimitives['zstd'] => ({
      compress: (data) => m.compress(asBuffer(data), 3),
      decompress: (data) => m.decompress(asBuffer(data)),
    }),
  ),
]);

const nodeCompression = recordCompression(
  {
    gzip: {
      compress: (data) => gzipAsync(asBuffer(data)),
      decompress: (data, maxBytes) => gunzipAsync(asBuffer(data), { maxOutputLength: maxBytes }),
    },
    ...(snappy === undefined ? {} : { snappy }),
    ...(lz4 === undefined ? {} : { lz4 }),
    ...(zstd === undefined ? {} : { zstd }),
  },
  'this Node client (install the optional package snappy, lz4-napi or @mongodb-js/zstd)',
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
  compression: nodeCompression,
});
