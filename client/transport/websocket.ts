/**
 * WebSocket transport: one binary message per frame. Works with any WHATWG-style WebSocket constructor: the
 * browser's global `WebSocket`, or the `ws` package in Node. WebSocket has no drain event, so backpressure is read
 * from `bufferedAmount`, polled while it is above the high-water mark.
 */
import { BrookError } from '../../broker/protocol/index.js';
import type { Endpoint } from '../endpoint.js';
import type { Transport, TransportFactory, TransportHandlers, TransportOptions } from './transport.js';

/** The part of the WHATWG WebSocket API this transport uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: WebSocketEventLike) => void): void;
}

/** The fields of WebSocket events this transport reads. */
export interface WebSocketEventLike {
  /** message events: the payload (an ArrayBuffer with binaryType 'arraybuffer'). */
  readonly data?: unknown;
  /** close events: the close code and reason. */
  readonly code?: number;
  readonly reason?: string;
  /** error events (ws): the underlying error. */
  readonly error?: unknown;
  readonly message?: string;
}

/** A WHATWG-style WebSocket constructor. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** How often `bufferedAmount` is polled while above the high-water mark, in milliseconds. */
const DRAIN_POLL_MS = 5;
const OPEN = 1;

/** A transport factory that opens WebSockets with `WebSocketClass`. */
export function webSocketTransport(WebSocketClass: WebSocketConstructor): TransportFactory {
  return (endpoint, handlers, options) => openWebSocketTransport(WebSocketClass, endpoint, handlers, options);
}

/** Opens a WebSocket transport. Only accepts ws:// and wss:// endpoints. */
export function openWebSocketTransport(
  WebSocketClass: WebSocketConstructor,
  endpoint: Endpoint,
  handlers: TransportHandlers,
  options: TransportOptions,
): Promise<Transport> {
  if (endpoint.kind !== 'ws') {
    return Promise.reject(new TypeError(`WebSocket transport cannot open ${endpoint.host}:${String(endpoint.port)}`));
  }
  return new Promise((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = new WebSocketClass(endpoint.url);
    } catch (err: unknown) {
      reject(new BrookError('NETWORK_ERROR', `cannot open ${endpoint.url}: ${String(err)}`, { cause: err }));
      return;
    }
    socket.binaryType = 'arraybuffer';
    let transport: WebSocketTransport | undefined;
    let lastError: Error | undefined;
    const timer = setTimeout(() => {
      if (transport !== undefined) return;
      socket.close();
      reject(new BrookError('NETWORK_ERROR', `connect to ${endpoint.url} timed out after ${String(options.connectTimeoutMs)} ms`));
    }, options.connectTimeoutMs);
    socket.addEventListener('open', () => {
      clearTimeout(timer);
      transport = new WebSocketTransport(socket, handlers, options);
      resolve(transport);
    });
    socket.addEventListener('message', (event) => transport?.onMessage(event.data));
    socket.addEventListener('error', (event) => {
      const detail = event.error instanceof Error ? event.error.message : (event.message ?? 'WebSocket error');
      lastError = new BrookError('NETWORK_ERROR', `${endpoint.url}: ${detail}`, { cause: event.error });
    });
    socket.addEventListener('close', (event) => {
      clearTimeout(timer);
      if (transport === undefined) {
        reject(lastError ?? new BrookError('NETWORK_ERROR', `${endpoint.url} closed before opening (code ${String(event.code)})`));
        return;
      }
      transport.onClosed(lastError, event);
    });
  });
}

class WebSocketTransport implements Transport {
  readonly lengthPrefixed = false;
  private closed = false;
  private closeError: Error | undefined;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: WebSocketLike,
    private readonly handlers: TransportHandlers,
    private readonly options: TransportOptions,
  ) {}

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  send(frame: Uint8Array): boolean {
    if (this.closed || this.socket.readyState !== OPEN) return false;
    this.socket.send(frame);
    if (this.socket.bufferedAmount <= this.options.highWaterMarkBytes) return true;
    this.drainTimer ??= setTimeout(() => {
      this.pollDrain();
    }, DRAIN_POLL_MS);
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.socket.close(1000, 'client closed');
  }

  onMessage(data: unknown): void {
    if (this.closed) return;
    if (!(data instanceof ArrayBuffer)) {
      this.fail(new BrookError('INVALID_REQUEST', 'received a non-binary WebSocket message'));
      return;
    }
    if (data.byteLength > this.options.maxFrameBytes) {
      this.fail(new BrookError('FRAME_TOO_LARGE', `frame of ${String(data.byteLength)} bytes exceeds ${String(this.options.maxFrameBytes)}`));
      return;
    }
    this.handlers.onFrame(new Uint8Array(data));
  }

  onClosed(error: Error | undefined, event: WebSocketEventLike): void {
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    const wasClosedLocally = this.closed && this.closeError === undefined;
    this.closed = true;
    const reason =
      this.closeError ??
      error ??
      (wasClosedLocally || event.code === 1000
        ? undefined
        : new BrookError('NETWORK_ERROR', `WebSocket closed (code ${String(event.code)}${event.reason ? `: ${event.reason}` : ''})`));
    this.handlers.onClose(reason);
  }

  private fail(error: Error): void {
    this.closeError = error;
    this.closed = true;
    // 4000-4999 are the codes a WHATWG client may send (1002 would throw in browsers).
    this.socket.close(4002, error.message.slice(0, 120));
  }

  private pollDrain(): void {
    this.drainTimer = undefined;
    if (this.closed) return;
    if (this.socket.bufferedAmount > this.options.highWaterMarkBytes) {
      this.drainTimer = setTimeout(() => {
        this.pollDrain();
      }, DRAIN_POLL_MS);
      return;
    }
    this.handlers.onDrain();
  }
}
