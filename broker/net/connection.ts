/**
 * One client connection as a session sees it, whatever carries it. TCP and WebSocket adapters implement it; unit
 * tests use an in-memory one, so the protocol state machine never touches a socket.
 */
import type { Transport } from './broker-api.js';

export interface ServerConnection {
  readonly transport: Transport;
  /** The peer's address, for logs. */
  readonly remoteAddress: string;
  /** The peer's IP address without a port: connection limits per source address count by it. */
  readonly sourceAddress: string;
  /**
   * The common name of the client's verified TLS certificate (TCP with `--tls-client-auth request|require`): the
   * connection is `User:<name>` without a SASL login. Undefined otherwise (plaintext, WebSocket, no certificate).
   */
  readonly certificateName?: string | undefined;
  /** Queues one frame, already encoded for this transport (length-prefixed on TCP). Ignored once closed. */
  send(frame: Uint8Array): void;
  /** Bytes queued on this connection that the kernel has not taken yet. */
  bufferedBytes(): number;
  /** Sets the function called when queued bytes drain after backpressure (it may be called spuriously). */
  onDrain(listener: () => void): void;
  /**
   * Flushes what is queued, then closes. Idempotent. The server still reports the close to the session
   * (possibly from inside this call).
   */
  close(): void;
}

/** Schedules the flush of the writes a connection coalesced in the current turn. */
export type FlushScheduler = (flush: () => void) => void;

/**
 * Flushes once the current callback and its microtasks are done (process.nextTick). Measured with
 * bench/net-frames.ts: the same throughput as setImmediate within noise (both 3-5x the frames per server CPU second
 * of one write per frame), and it does not hold back writes made from setImmediate callbacks (deliveries, grants)
 * for a whole extra loop iteration, as a setImmediate flush would.
 */
export const flushAtEndOfTick: FlushScheduler = (flush) => {
  process.nextTick(flush);
};
