/**
 * The byte pipe a {@link Connection} runs over. The connection core knows only this interface, so TCP, WebSocket
 * and the in-memory pair used in tests are interchangeable.
 */
import type { Endpoint } from '../endpoint.js';

/** What a transport reports to its owner. Called from the transport's I/O callbacks, never synchronously from send. */
export interface TransportHandlers {
  /** One complete frame (msgpack bytes, without the TCP length prefix). The bytes may be a view: keep a copy to hold them. */
  onFrame(frame: Uint8Array): void;
  /** Outgoing bytes fell back under the high-water mark after {@link Transport.send} returned false. */
  onDrain(): void;
  /** The transport closed (by either side); `error` says why when it was not a clean local close. Called once. */
  onClose(error: Error | undefined): void;
}

/** An open transport. */
export interface Transport {
  /** True when frames must carry the 4-byte length prefix (`encodeFrame(..., true)`), as over TCP. */
  readonly lengthPrefixed: boolean;
  /** Bytes accepted by {@link send} but not yet handed to the network. */
  readonly bufferedBytes: number;
  /**
   * Queues one encoded frame. Returns false when the outgoing buffer is above its high-water mark (the frame is still
   * queued); the caller should then hold back optional traffic until `onDrain`.
   */
  send(frame: Uint8Array): boolean;
  /** Closes the transport; `onClose(undefined)` follows. */
  close(): void;
}

/** Options every transport understands. */
export interface TransportOptions {
  /** Largest incoming frame accepted, in bytes; a larger one closes the transport with FRAME_TOO_LARGE. */
  readonly maxFrameBytes: number;
  /** Give up opening after this many milliseconds. */
  readonly connectTimeoutMs: number;
  /** Outgoing bytes above which {@link Transport.send} reports backpressure. */
  readonly highWaterMarkBytes: number;
}

/**
 * Opens a transport to `endpoint`. Resolves once it can send; rejects if it cannot be opened (then `onClose` is not
 * called). After it resolves, `handlers.onClose` is called exactly once.
 */
export type TransportFactory = (
  endpoint: Endpoint,
  handlers: TransportHandlers,
  options: TransportOptions,
) => Promise<Transport>;
