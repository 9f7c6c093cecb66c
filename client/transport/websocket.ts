/**
 * WebSocket transport: one binary message per frame. Works with any WHATWG-style WebSocket constructor: the
 * browser's global `WebSocket`, or the `ws` package in Node. WebSocket has no drain event, so backpressure is read
 * from `bufferedAmount`, polled while it is above the high-water mark.
 */
import { BrookError } from '../../protocol/index.js';
import type { Endpoint } from '../endpoint.js';
import type { Transport, TransportFactory, TransportHandlers, TransportOptions } from './transport.js';

/** The part of the WHATWG WebSocket API this transport uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Events are read defensively (see {@link eventField}): browsers and `ws` type them differently. */
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: unknown) => void): void;
}

/** A field of an event object, or undefined: message events carry `data`, close events `code` and `reason`. */
function eventField(event: unknown, name: 'data' | 'code' | 'reason' | 'error' | 'message'): unknown {
  return typeof event === 'object' && event !== null ? (event as Record<string, unknown>)[name] : undefined;
}

interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** A WHATWG-style WebSocket constructor. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** How often `bufferedAmount` is polled while above the high-water mark, in milliseconds. */
const DRAIN_POLL_MS = 5;
const OPEN = 1;
/** How long a close waits for the peer's close frame before the transport reports itself closed, in ms. */
const CLOSE_GRACE_MS = 2000;

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
      reject(
        new BrookError(
          'NETWORK_ERROR',
          `connect to ${endpoint.url} timed out after ${String(options.connectTimeoutMs)} ms`,
        ),
      );
    }, options.connectTimeoutMs);
    socket.addEventListener('open', () => {
      clearTimeout(timer);
      transport = new WebSocketTransport(socket, handlers, options);
      resolve(transport);
    });
    socket.addEventListener('message', (event) => transport?.onMessage(eventField(event, 'data')));
    socket.addEventListener('error', (event) => {
      const cause = eventField(event, 'error');
      const message = eventField(event, 'message');
      const detail = cause instanceof Error ? cause.message : typeof message === 'string' ? message : 'WebSocket error';
      lastError = new BrookError('NETWORK_ERROR', `${endpoint.url}: ${detail}`, { cause });
    });
    socket.addEventListener('close', (event) => {
      clearTimeout(timer);
      const code = eventField(event, 'code');
      const reason = eventField(event, 'reason');
      const info = { code: typeof code === 'number' ? code : 1006, reason: typeof reason === 'string' ? reason : '' };
      if (transport === undefined) {
        reject(
          lastError ??
            new BrookError('NETWORK_ERROR', `${endpoint.url} closed before opening (code ${String(info.code)})`),
        );
        return;
      }
      transport.onClosed(lastError, info);
    });
  });
}

class WebSocketTransport implements Transport {
  readonly lengthPrefixed = false;
  private closed = false;
  private closeError: Error | undefined;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private reported = false;

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
    this.closed = true;
    this.socket.close(1000, 'client closed');
    this.closeSoon();
  }

  onMessage(data: unknown): void {
    if (this.closed) return;
    if (!(data instanceof ArrayBuffer)) {
      this.fail(new BrookError('INVALID_REQUEST', 'received a non-binary WebSocket message'));
      return;
    }
    if (data.byteLength > this.options.maxFrameBytes) {
      this.fail(
        new BrookError(
          'FRAME_TOO_LARGE',
          `frame of ${String(data.byteLength)} bytes exceeds ${String(this.options.maxFrameBytes)}`,
        ),
      );
      return;
    }
    this.handlers.onFrame(new Uint8Array(data));
  }

  onClosed(error: Error | undefined, event: CloseInfo): void {
    if (this.reported) return;
    this.reported = true;
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    const wasClosedLocally = this.closed && this.closeError === undefined;
    this.closed = true;
    const reason =
      this.closeError ??
      error ??
      (wasClosedLocally || event.code === 1000
        ? undefined
        : new BrookError(
            'NETWORK_ERROR',
            `WebSocket closed (code ${String(event.code)}${event.reason ? `: ${event.reason}` : ''})`,
          ));
    this.handlers.onClose(reason);
  }

  private fail(error: Error): void {
    this.closeError = error;
    this.closed = true;
    // 4000-4999 are the codes a WHATWG client may send (1002 would throw in browsers).
    this.socket.close(4002, error.message.slice(0, 120));
    this.closeSoon();
  }

  /** A peer that never answers the close handshake must not hold the close up: report it after a grace period. */
  private closeSoon(): void {
    this.graceTimer ??= setTimeout(() => {
      this.onClosed(undefined, { code: 1006, reason: 'close handshake timed out' });
    }, CLOSE_GRACE_MS);
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
