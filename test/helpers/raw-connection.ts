/**
 * Raw protocol connections (no client library) for tests that send what a client never would: garbage bytes,
 * oversized messages. They collect the frames the broker sends and tell when it closed the connection.
 */
import { connect, type Socket } from 'node:net';
import type { Test } from 'tap';
import WebSocket from 'ws';
import {
  BrookError,
  decodeFrame,
  encodeFrame,
  ERROR_OP,
  LengthPrefixSplitter,
  requests,
  type Frame,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
  type WireError,
} from '../../protocol/index.js';

/** Frames from the broker and the connection's end, awaitable with deadlines. */
abstract class RawConnection {
  private readonly frames: Frame[] = [];
  private wake: (() => void) | undefined;
  private isClosed = false;
  private lastCorrelationId = 100;
  /** Resolves when the connection has closed (either side). */
  readonly closed: Promise<void>;
  private markClosed: () => void = () => undefined;

  constructor() {
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
  }

  /** Whether the connection has closed. */
  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Sends bytes as they are (TCP: a stream chunk; WebSocket: one binary message). */
  abstract sendBytes(bytes: Uint8Array): void;
  /** Closes the connection at once. */
  abstract destroy(): void;
  protected abstract readonly lengthPrefix: boolean;

  /** Sends a hello and waits for its answer. */
  async hello(timeoutMs = 10_000): Promise<void> {
    this.sendBytes(
      encodeFrame(requests.hello.code, 1, { protocolVersion: 1, clientId: 'raw-test' }, this.lengthPrefix),
    );
    const frame = await this.nextFrame(timeoutMs);
    if (frame.op !== requests.hello.code) throw new Error(`hello refused: ${JSON.stringify(frame.body)}`);
  }

  /**
   * Sends one typed request and resolves with its response, skipping frames of other correlation ids; rejects with
   * the broker's BrookError for an error frame, or when no answer comes within `timeoutMs`.
   */
  async request<K extends RequestOp>(op: K, body: RequestOf<K>, timeoutMs = 15_000): Promise<ResponseOf<K>> {
    const id = ++this.lastCorrelationId;
    this.sendBytes(encodeFrame(requests[op].code, id, body, this.lengthPrefix));
    for (;;) {
      const frame = await this.nextFrame(timeoutMs);
      if (frame.correlationId !== id) continue;
      if (frame.op === ERROR_OP) throw BrookError.fromWire(frame.body as WireError);
      return frame.body as ResponseOf<K>;
    }
  }

  /** The next frame from the broker; rejects if the connection closes first or none comes within `timeoutMs`. */
  async nextFrame(timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) return frame;
      if (this.isClosed) throw new Error('connection closed before a frame arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${String(timeoutMs)} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Resolves when the connection closes; rejects after `timeoutMs`. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.closed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`connection still open after ${String(timeoutMs)} ms`));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  protected received(frame: Frame): void {
    this.frames.push(frame);
    this.wakeUp();
  }

  protected ended(): void {
    this.isClosed = true;
    this.markClosed();
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** A raw TCP connection speaking length-prefixed frames. */
export class RawTcpConnection extends RawConnection {
  protected readonly lengthPrefix = true;

  private constructor(private readonly socket: Socket) {
    super();
    const splitter = new LengthPrefixSplitter(64 * 1024 * 1024);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of splitter.push(chunk)) this.received(decodeFrame(frame, Infinity));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.ended();
    });
  }

  /** Connects to 127.0.0.1:`port`; destroyed in `t`'s teardown. */
  static async open(t: Test, port: number): Promise<RawTcpConnection> {
    const socket = connect(port, '127.0.0.1');
    t.teardown(() => {
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawTcpConnection(socket);
  }

  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A raw WebSocket connection: one binary message per frame. */
export class RawWsConnection extends RawConnection {
  protected readonly lengthPrefix = false;
  /** The close code, once closed. */
  closeCode: number | undefined;

  private constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer) => {
      this.received(decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), Infinity));
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      this.closeCode = code;
      this.ended();
    });
  }

  /** Connects to ws://127.0.0.1:`port`/; terminated in `t`'s teardown. */
  static async open(t: Test, port: number): Promise<RawWsConnection> {
    const ws = new WebSocket(`ws://127.0.0.1:${String(port)}/`);
    ws.binaryType = 'nodebuffer';
    t.teardown(() => {
      ws.terminate();
    });
    const connection = new RawWsConnection(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return connection;
  }

  sendBytes(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  destroy(): void {
    this.ws.terminate();
  }
}

/** The error code name of an error frame (op 127), or undefined for any other frame. */
export function errorCodeOf(frame: Frame): string | undefined {
  if (frame.op !== ERROR_OP) return undefined;
  return BrookError.fromWire(frame.body as WireError).code;
}
