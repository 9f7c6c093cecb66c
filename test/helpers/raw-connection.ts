/**
 * The raw-protocol test client (no client library), over TCP or WebSocket, for tests that speak the wire protocol
 * directly: typed requests matched by correlation id (several may be in flight), frames sent under a correlation id
 * of the test's choosing, garbage bytes, oversized messages. Frames that answer no pending request (pushes, grants,
 * errors, answers to {@link RawConnection.send}) are queued for {@link RawConnection.nextFrame} and
 * {@link RawConnection.nextPush}; it tells when the broker closed the connection.
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
  pushes,
  requests,
  SCRAM_MECHANISM,
  ScramClient,
  type Frame,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
  type WireError,
} from '../../protocol/index.js';

/** Credentials for {@link RawConnection.hello}. */
export interface HelloCredentials {
  readonly username?: string;
  readonly password?: string;
}

/** A request waiting for the frame with its correlation id. */
interface PendingRequest {
  readonly settle: (frame: Frame | Error) => void;
}

/** Frames from the broker and the connection's end, awaitable with deadlines. */
abstract class RawConnection {
  private readonly frames: Frame[] = [];
  private readonly pending = new Map<number, PendingRequest>();
  private readonly wakers = new Set<() => void>();
  private isClosed = false;
  /** Above the ids tests pick by hand for {@link send}, so a request's answer is never taken for theirs. */
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

  /**
   * Sends a hello and waits for its answer; with `credentials`, logs in with SCRAM-SHA-256 (hello, authenticate) and
   * checks the broker's proof. Rejects with the broker's BrookError.
   */
  async hello(timeoutMs = 10_000, credentials: HelloCredentials = {}): Promise<void> {
    const hello = { protocolVersion: 1, clientId: 'raw-test' };
    const { username, password } = credentials;
    if (username === undefined || password === undefined) {
      await this.request('hello', hello, timeoutMs);
      return;
    }
    const scram = new ScramClient(username, password, 'raw-test-nonce');
    const sasl = { mechanism: SCRAM_MECHANISM, message: scram.first() };
    const answer = await this.request('hello', { ...hello, sasl }, timeoutMs);
    const final = await scram.final(answer.sasl?.message ?? '');
    scram.verify((await this.request('authenticate', { message: final }, timeoutMs)).message);
  }

  /**
   * Sends one typed request and resolves with its response (frames of other correlation ids stay queued); rejects
   * with the broker's BrookError for an error frame, with NETWORK_ERROR if the connection closes first, or when no
   * answer comes within `timeoutMs`.
   */
  request<K extends RequestOp>(op: K, body: RequestOf<K>, timeoutMs = 15_000): Promise<ResponseOf<K>> {
    const id = ++this.lastCorrelationId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${op} within ${String(timeoutMs)} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        settle: (frame) => {
          clearTimeout(timer);
          if (frame instanceof Error) reject(frame);
          else if (frame.op === ERROR_OP) reject(BrookError.fromWire(frame.body as WireError));
          else resolve(frame.body as ResponseOf<K>);
        },
      });
      if (this.isClosed) this.failPending();
      else this.send(op, id, body);
    });
  }

  /** Sends one request frame under `correlationId` without waiting; its answer goes to {@link nextFrame}. */
  send<K extends RequestOp>(op: K, correlationId: number, body: RequestOf<K>): void {
    this.sendBytes(encodeFrame(requests[op].code, correlationId, body, this.lengthPrefix));
  }

  /** {@link send}, then the next queued frame (for tests that send one request at a time). */
  call<K extends RequestOp>(op: K, correlationId: number, body: RequestOf<K>, timeoutMs = 10_000): Promise<Frame> {
    this.send(op, correlationId, body);
    return this.nextFrame(timeoutMs);
  }

  /** The next queued frame; rejects if the connection closes first or none comes within `timeoutMs`. */
  nextFrame(timeoutMs = 10_000): Promise<Frame> {
    return this.take(() => true, 'a frame', timeoutMs);
  }

  /** The next queued push other than a produce grant (deliver, subscriptionEnd, ...), leaving other frames queued. */
  nextPush(timeoutMs = 10_000): Promise<Frame> {
    return this.take((f) => f.correlationId === 0 && f.op !== pushes.grant.code, 'a push', timeoutMs);
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
    const pending = frame.correlationId === 0 ? undefined : this.pending.get(frame.correlationId);
    if (pending !== undefined) {
      this.pending.delete(frame.correlationId);
      pending.settle(frame);
      return;
    }
    this.frames.push(frame);
    this.wakeUp();
  }

  protected ended(): void {
    this.isClosed = true;
    this.failPending();
    this.markClosed();
    this.wakeUp();
  }

  /** Removes and returns the first queued frame that `matches`, waiting for one until `timeoutMs`. */
  private async take(matches: (frame: Frame) => boolean, what: string, timeoutMs: number): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(matches);
      if (index >= 0) return this.frames.splice(index, 1)[0] as Frame;
      if (this.isClosed) throw new Error(`connection closed before ${what} arrived`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${String(timeoutMs)} ms`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.wakers.add(wake);
      });
    }
  }

  private failPending(): void {
    for (const pending of this.pending.values()) pending.settle(new BrookError('NETWORK_ERROR'));
    this.pending.clear();
  }

  private wakeUp(): void {
    for (const wake of [...this.wakers]) wake();
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

  /** Sends a text message (the protocol allows only binary ones). */
  sendText(text: string): void {
    this.ws.send(text, { binary: false });
  }

  destroy(): void {
    this.ws.terminate();
  }
}

/** The error code name of an error frame (op 127), or undefined for any other frame (or none). */
export function errorCodeOf(frame: Frame | undefined): string | undefined {
  if (frame?.op !== ERROR_OP) return undefined;
  return BrookError.fromWire(frame.body as WireError).code;
}
