/**
 * Real servers on 127.0.0.1 port 0 over a small fake core, and minimal TCP / WebSocket / HTTP clients that wait on
 * events (never on fixed sleeps).
 */
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import type { Test } from 'tap';
import {
  BrookError,
  decodeFrame,
  encodeFrame,
  LengthPrefixSplitter,
  requests,
  type Frame,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
} from '../../../protocol/index.js';
import { noGroupHandlers } from '../../helpers/no-group-handlers.js';
import type { BrokerCore, NetMetrics, SessionLimits } from '../../../broker/net/broker-api.js';
import { startServers, type RunningServers } from '../../../broker/net/servers.js';

export const testLimits: SessionLimits = {
  maxFrameBytes: 64 * 1024,
  maxMessageBytes: 16 * 1024,
  produceWindowBytes: 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxConnections: 100,
  socketBufferBytes: 256 * 1024,
  deliverMaxBytes: 64 * 1024,
};

const noMetrics: NetMetrics = {
  connectionOpened: () => undefined,
  connectionClosed: () => undefined,
  requestDone: () => undefined,
  deliveryStalled: () => undefined,
  delivered: () => undefined,
  errorSent: () => undefined,
  produceThrottled: () => undefined,
};

/** A core with no topics whose produce answers when `releaseProduces` is called (or at once if `autoAck`). */
export class FakeCore implements BrokerCore {
  readonly brokerId = 1;
  readonly clusterId = 'net-test';
  readonly metrics = noMetrics;
  autoAck = true;
  private held: (() => void)[] = [];
  readonly handlers = {
    metadata: () => Promise.resolve({ clusterId: this.clusterId, controllerId: 1, brokers: [], topics: [] }),
    createTopics: () => Promise.reject(new BrookError('INVALID_TOPIC')),
    deleteTopics: () => Promise.reject(new BrookError('UNKNOWN_TOPIC')),
    fetch: () => Promise.reject(new BrookError('UNKNOWN_TOPIC')),
    listOffsets: () => Promise.reject(new BrookError('UNKNOWN_TOPIC')),
    initProducer: () => Promise.resolve({ producerId: 0, producerEpoch: 0 }),
    reassignPartitions: () => Promise.reject(new BrookError('INVALID_REPLICA_ASSIGNMENT')),
    ...noGroupHandlers(),
    produce: (request: RequestOf<'produce'>): Promise<ResponseOf<'produce'>> => {
      const response = {
        partitions: request.partitions.map((p) => ({ topic: p.topic, partition: p.partition, baseOffset: 0 })),
      };
      if (this.autoAck) return Promise.resolve(response);
      return new Promise((resolve) => {
        this.held.push(() => {
          resolve(response);
        });
      });
    },
  };

  /** Produces held so far. */
  get heldProduces(): number {
    return this.held.length;
  }

  releaseProduces(): void {
    for (const release of this.held.splice(0)) release();
  }

  feed(): never {
    throw new BrookError('UNKNOWN_TOPIC');
  }

  authenticate(): boolean {
    return true;
  }
}

export interface TestServers {
  core: FakeCore;
  servers: RunningServers;
  ready: { value: boolean };
}

/** Starts both servers on 127.0.0.1 port 0 and closes them in teardown. */
export async function startTestServers(t: Test, limits: Partial<SessionLimits> = {}): Promise<TestServers> {
  const core = new FakeCore();
  const ready = { value: false };
  const servers = await startServers({
    core,
    limits: { ...testLimits, ...limits },
    host: '127.0.0.1',
    tcpPort: 0,
    wsPort: 0,
    metricsText: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4', body: 'brook_test_total 1\n' }),
    isReady: () => ready.value,
  });
  t.teardown(() => servers.close());
  return { core, servers, ready };
}

/** Collects decoded frames of a connection and lets a test wait for the next one or for the close. */
class FrameInbox {
  private readonly frames: Frame[] = [];
  private waiter: { resolve: (frame: Frame) => void; reject: (err: Error) => void } | undefined;
  private ended = false;
  readonly closed: Promise<void>;
  private markClosed!: () => void;

  constructor() {
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
  }

  push(frame: Frame): void {
    if (this.waiter !== undefined) {
      this.waiter.resolve(frame);
      this.waiter = undefined;
    } else {
      this.frames.push(frame);
    }
  }

  close(): void {
    this.ended = true;
    this.waiter?.reject(new Error('connection closed while waiting for a frame'));
    this.waiter = undefined;
    this.markClosed();
  }

  next(): Promise<Frame> {
    const frame = this.frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    if (this.ended) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }
}

/** The parts of a client both transports share. */
export abstract class TestClient {
  protected readonly inbox = new FrameInbox();
  /** Resolves when the server closed the connection (or it failed). */
  get closed(): Promise<void> {
    return this.inbox.closed;
  }
  next(): Promise<Frame> {
    return this.inbox.next();
  }
  abstract sendBytes(bytes: Uint8Array): void;
  abstract end(): void;
  protected abstract readonly lengthPrefix: boolean;

  send<K extends RequestOp>(op: K, correlationId: number, body: RequestOf<K>): void {
    this.sendBytes(encodeFrame(requests[op].code, correlationId, body, this.lengthPrefix));
  }

  /** Sends a request and waits for the next frame (tests send one request at a time). */
  async call<K extends RequestOp>(op: K, correlationId: number, body: RequestOf<K>): Promise<Frame> {
    this.send(op, correlationId, body);
    return this.next();
  }

  /** Completes the handshake. */
  async hello(): Promise<void> {
    const frame = await this.call('hello', 1, { protocolVersion: 1, clientId: 'net-test' });
    if (frame.op !== requests.hello.code) throw new Error(`hello failed: ${JSON.stringify(frame.body)}`);
  }
}

export class TcpTestClient extends TestClient {
  protected readonly lengthPrefix = true;
  private constructor(readonly socket: Socket) {
    super();
    const splitter = new LengthPrefixSplitter(16 * 1024 * 1024);
    socket.on('data', (chunk) => {
      for (const frame of splitter.push(chunk)) this.inbox.push(decodeFrame(frame, Infinity));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.inbox.close();
    });
  }

  static async connect(t: Test, port: number): Promise<TcpTestClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new TcpTestClient(socket);
    t.teardown(() => {
      client.end();
    });
    return client;
  }

  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  end(): void {
    this.socket.destroy();
  }
}

export class WsTestClient extends TestClient {
  protected readonly lengthPrefix = false;
  /** The close code the server sent. */
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer) => {
      this.inbox.push(decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), Infinity));
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      this.closeCode = code;
      this.inbox.close();
    });
  }

  static async connect(t: Test, port: number): Promise<WsTestClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${String(port)}/`);
    ws.binaryType = 'nodebuffer';
    const client = new WsTestClient(ws);
    t.teardown(() => {
      client.end();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }

  sendBytes(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  end(): void {
    this.ws.terminate();
  }
}

/** The error name of an error frame, or undefined. */
export function errorName(frame: Frame): string | undefined {
  if (frame.op !== 127) return undefined;
  return BrookError.fromWire(frame.body as { code: number; message: string }).code;
}

/** GET over a fresh connection (no keep-alive, so nothing outlives the test). */
export function httpGet(port: number, path: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
