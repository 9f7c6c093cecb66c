/**
 * A minimal TCP client for broker integration tests until the client library exists: frames requests, matches
 * responses by correlation id, rebuilds errors. Grants are summed; other pushes are queued for `nextPush()`.
 */
import net from 'node:net';
import {
  BrookError,
  decodeFrame,
  encodeFrame,
  ERROR_OP,
  LengthPrefixSplitter,
  pushes,
  requests,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
  type Frame,
  type WireError,
} from '../../../protocol/index.js';

const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export class RawClient {
  private readonly splitter = new LengthPrefixSplitter(MAX_FRAME_BYTES);
  private readonly pending = new Map<number, { resolve: (body: unknown) => void; reject: (err: Error) => void }>();
  private nextCorrelationId = 1;
  /** Bytes granted back by `grant` pushes. */
  grantedBytes = 0;
  /** Other pushes (deliver, subscriptionEnd) not yet taken by {@link nextPush}. */
  private readonly pushes: Frame[] = [];
  private pushWaiter: ((frame: Frame) => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const bytes of this.splitter.push(chunk)) {
        const frame = decodeFrame(bytes, MAX_FRAME_BYTES);
        if (frame.correlationId === 0) {
          if (frame.op === pushes.grant.code) this.grantedBytes += (frame.body as { bytes: number }).bytes;
          else if (this.pushWaiter !== null) this.pushWaiter(frame);
          else this.pushes.push(frame);
          continue;
        }
        const waiter = this.pending.get(frame.correlationId);
        this.pending.delete(frame.correlationId);
        if (frame.op === ERROR_OP) waiter?.reject(BrookError.fromWire(frame.body as WireError));
        else waiter?.resolve(frame.body);
      }
    });
    socket.on('close', () => {
      for (const waiter of this.pending.values()) waiter.reject(new BrookError('NETWORK_ERROR'));
      this.pending.clear();
    });
  }

  /** Connects and says hello. */
  static async connect(port: number, credentials: { username?: string; password?: string } = {}): Promise<RawClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    try {
      await client.request('hello', { protocolVersion: 1, clientId: 'raw-test', ...credentials });
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  request<K extends RequestOp>(op: K, body: RequestOf<K>): Promise<ResponseOf<K>> {
    const correlationId = this.nextCorrelationId++;
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, {
        resolve: (b) => {
          resolve(b as ResponseOf<K>);
        },
        reject,
      });
      this.socket.write(encodeFrame(requests[op].code, correlationId, body, true));
    });
  }

  /** The next push frame other than a grant (waits for it). */
  nextPush(): Promise<Frame> {
    const queued = this.pushes.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.pushWaiter = (frame) => {
        this.pushWaiter = null;
        resolve(frame);
      };
    });
  }

  /** Sends a notice (no response). */
  notice(code: number, body: unknown): void {
    this.socket.write(encodeFrame(code, 0, body, true));
  }

  close(): void {
    this.socket.destroy();
  }
}
