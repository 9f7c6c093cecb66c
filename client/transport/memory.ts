/**
 * An in-memory transport: a client end that implements {@link Transport} and a server end that a test broker (or an
 * embedding application) drives. Frames cross asynchronously (one microtask each), as they would over a socket, and
 * the server end can pause reading so the client sees backpressure.
 */
import { BrookError } from '../../protocol/index.js';
import type { Endpoint } from '../endpoint.js';
import type { Transport, TransportFactory, TransportHandlers, TransportOptions } from './transport.js';

/** The broker side of an in-memory connection. */
export interface MemoryServerEnd {
  /** The endpoint the client asked for. */
  readonly endpoint: Endpoint;
  /** Called with each frame the client sends. Set it in the accept callback. */
  onFrame: (frame: Uint8Array) => void;
  /** Called once when the connection closes from either side. */
  onClose: () => void;
  /** Sends a frame to the client. */
  send(frame: Uint8Array): void;
  /** Closes the connection; the client sees `onClose(error)` (NETWORK_ERROR if none is given). */
  close(error?: Error): void;
  /** Stops reading the client's frames; they queue and count as the client's buffered bytes. */
  pause(): void;
  /** Reads queued frames again; the client gets `onDrain` once its buffer is under the high-water mark. */
  resume(): void;
  /** Whether the connection is still open. */
  readonly open: boolean;
}

/**
 * A transport factory whose connections are handed to `accept`. If `accept` throws, the connection attempt fails
 * with that error (as a refused TCP connect would).
 */
export function memoryTransportFactory(accept: (server: MemoryServerEnd) => void): TransportFactory {
  return (endpoint, handlers, options) => {
    const link = new MemoryLink(endpoint, handlers, options);
    try {
      accept(link.server);
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new BrookError('NETWORK_ERROR', String(err)));
    }
    return Promise.resolve(link.client);
  };
}

class MemoryLink {
  readonly client: Transport;
  readonly server: MemoryServerEnd;
  private isOpen = true;
  /** Frames already sent still reach the client until the close itself arrives (as over a socket). */
  private deliverToClient = true;
  private paused = false;
  private queued: Uint8Array[] = [];
  private queuedBytes = 0;
  private waitingForDrain = false;

  constructor(
    endpoint: Endpoint,
    private readonly handlers: TransportHandlers,
    private readonly options: TransportOptions,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the two ends are views of one link
    const link = this;
    this.client = {
      lengthPrefixed: false,
      get bufferedBytes() {
        return link.queuedBytes;
      },
      send: (frame) => this.clientSend(frame),
      close: () => {
        this.shutdown(undefined);
      },
    };
    this.server = {
      endpoint,
      onFrame: () => undefined,
      onClose: () => undefined,
      send: (frame) => {
        if (!this.isOpen) return;
        const copy = frame.slice();
        queueMicrotask(() => {
          if (!this.deliverToClient) return;
          if (copy.byteLength > this.options.maxFrameBytes && this.isOpen) {
            this.shutdown(new BrookError('FRAME_TOO_LARGE', `frame of ${String(copy.byteLength)} bytes`));
            return;
          }
          this.handlers.onFrame(copy);
        });
      },
      close: (error) => {
        this.shutdown(error ?? new BrookError('NETWORK_ERROR', 'connection closed by peer'));
      },
      pause: () => {
        this.paused = true;
      },
      resume: () => {
        this.paused = false;
        this.flushToServer();
      },
      get open() {
        return link.isOpen;
      },
    };
  }

  private clientSend(frame: Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.queued.push(frame.slice());
    this.queuedBytes += frame.byteLength;
    queueMicrotask(() => {
      this.flushToServer();
    });
    const ok = this.queuedBytes <= this.options.highWaterMarkBytes;
    if (!ok) this.waitingForDrain = true;
    return ok;
  }

  private flushToServer(): void {
    while (this.isOpen && !this.paused && this.queued.length > 0) {
      const frame = this.queued.shift();
      if (frame === undefined) break;
      this.queuedBytes -= frame.byteLength;
      this.server.onFrame(frame);
    }
    if (this.isOpen && this.waitingForDrain && this.queuedBytes <= this.options.highWaterMarkBytes) {
      this.waitingForDrain = false;
      queueMicrotask(() => {
        if (this.isOpen) this.handlers.onDrain();
      });
    }
  }

  private shutdown(error: Error | undefined): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.queued = [];
    this.queuedBytes = 0;
    queueMicrotask(() => {
      this.deliverToClient = false;
      this.server.onClose();
      this.handlers.onClose(error);
    });
  }
}
