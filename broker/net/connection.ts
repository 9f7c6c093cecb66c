/**
 * One client connection as a session sees it, whatever carries it. TCP and WebSocket adapters implement it; unit
 * tests use an in-memory one, so the protocol state machine never touches a socket.
 */
import type { Transport } from './broker-api.js';

export interface ServerConnection {
  readonly transport: Transport;
  /** The peer's address, for logs. */
  readonly remoteAddress: string;
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
