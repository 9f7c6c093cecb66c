/**
 * A uWebSockets.js socket as a {@link ServerConnection}: one binary message per frame. Sends made in one turn are
 * queued and written inside one `cork()` at the end of the turn, so they leave in one syscall.
 */
import type { WebSocket } from 'uWebSockets.js';
import { flushAtEndOfTick, type FlushScheduler, type ServerConnection } from './connection.js';
import type { Session } from './session.js';

/** Per-socket data uWS keeps for us; `session` is set once the connection is admitted. */
export interface WsUserData {
  conn?: WsConnection;
  session?: Session;
}

/** uWS send() results. */
const SEND_DROPPED = 2;
/** WebSocket close code for a normal closure (the reason, if any, went in an error frame before it). */
const WS_CLOSE_NORMAL = 1000;

export class WsConnection implements ServerConnection {
  readonly transport = 'ws';
  /** uWS gives the peer's IP without a port: the same as {@link remoteAddress}. */
  get sourceAddress(): string {
    return this.remoteAddress;
  }
  private closed = false;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private drainListener: () => void = () => undefined;

  constructor(
    private readonly ws: WebSocket<WsUserData>,
    readonly remoteAddress: string,
    private readonly scheduleFlush: FlushScheduler = flushAtEndOfTick,
  ) {}

  send(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.queue.length === 0) this.scheduleFlush(this.flush);
    this.queue.push(frame);
    this.queuedBytes += frame.byteLength;
  }

  /** Frames queued this turn plus what uWS holds in backpressure. */
  bufferedBytes(): number {
    return this.closed ? 0 : this.queuedBytes + this.ws.getBufferedAmount();
  }

  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }

  /** uWS reports that its backpressure went down. */
  notifyDrain(): void {
    if (!this.closed) this.drainListener();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    // The flush may have closed the socket itself (a send dropped past maxBackpressure); a second end() on a closed
    // uWS socket throws and would take the broker down.
    if (this.closedNow()) return;
    this.closed = true;
    // end() sends a close frame after what is queued and calls our close handler at once.
    this.ws.end(WS_CLOSE_NORMAL);
  }

  /** Read through a method so the check after flush() is not narrowed away by the compiler. */
  private closedNow(): boolean {
    return this.closed;
  }

  /** uWS closed the socket (either side): it must not be touched again. */
  markClosed(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
  }

  private readonly flush = (): void => {
    if (this.closed || this.queue.length === 0) return;
    const frames = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    let dropped = 0;
    this.ws.cork(() => {
      for (const frame of frames) {
        if (this.ws.send(frame, true, false) === SEND_DROPPED) dropped++;
      }
    });
    // uWS drops a send only beyond maxBackpressure (a client that does not read); the stream of frames is then
    // broken, so the connection goes.
    if (dropped > 0) {
      this.close();
      return;
    }
    // Queued frames count as buffered, so a writer may have paused on them; uWS fires `drain` only after its own
    // backpressure, so when the kernel took everything at once this flush is the drain.
    if (this.ws.getBufferedAmount() === 0) this.drainListener();
  };
}
