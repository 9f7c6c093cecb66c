/**
 * Encodes a session's outgoing frames for its connection's transport and stops writing once it is closed.
 */
import {
  BrookError,
  ERROR_OP,
  encodeFrame,
  pushes,
  requests,
  type PushOf,
  type PushOp,
  type RequestOp,
  type ResponseOf,
} from '../../protocol/index.js';
import type { NetMetrics } from './broker-api.js';
import type { ServerConnection } from './connection.js';

export class FrameWriter {
  private isClosed = false;
  private readonly lengthPrefix: boolean;

  constructor(
    private readonly conn: ServerConnection,
    private readonly metrics: NetMetrics,
  ) {
    this.lengthPrefix = conn.transport === 'tcp';
  }

  /** Whether the connection has been closed (everything written since is dropped). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends a request's response, under the request's op code and correlation id. */
  respond<K extends RequestOp>(op: K, correlationId: number, body: ResponseOf<K>): void {
    this.write(encodeFrame(requests[op].code, correlationId, body, this.lengthPrefix));
  }

  /** Sends an error frame: a failed request's, or with correlation id 0 a connection error. */
  fail(correlationId: number, error: BrookError): void {
    if (this.isClosed) return;
    this.metrics.errorSent(error.code);
    this.write(encodeFrame(ERROR_OP, correlationId, error.toWire(), this.lengthPrefix));
  }

  /** Sends a push (correlation id 0) and returns its encoded size in bytes. */
  push<K extends PushOp>(op: K, body: PushOf<K>): number {
    const frame = encodeFrame(pushes[op].code, 0, body, this.lengthPrefix);
    this.write(frame);
    return frame.byteLength;
  }

  /** Bytes the connection holds unsent. */
  bufferedBytes(): number {
    return this.conn.bufferedBytes();
  }

  /** Closes the connection after what was written; later writes are dropped. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.conn.close();
  }

  private write(frame: Uint8Array): void {
    if (!this.isClosed) this.conn.send(frame);
  }
}
