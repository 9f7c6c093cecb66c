/**
 * In-memory stand-ins for driving a Session without sockets or timers: a connection that records frames, a fake
 * core with controllable produce, a feed over an array of batches, a manual clock and a manual defer queue.
 */
import type { StoredBatch } from '../../../broker/log/batch.js';
import {
  BrookError,
  decodeFrame,
  encodeFrame,
  LENGTH_PREFIX_BYTES,
  notices,
  partitionKey,
  requests,
  type Frame,
  type NoticeOf,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
  type ScramCredential,
} from '../../../protocol/index.js';
import { pino } from 'pino';
import { NO_ACCESS_CONTROL } from '../../../broker/auth/access-control.js';
import { ScramAuthenticator } from '../../../broker/auth/scram-authenticator.js';
import type {
  AccessControl,
  BrokerCore,
  CoreHandlers,
  NetMetrics,
  PartitionFeed,
  SessionLimits,
  Transport,
} from '../../../broker/net/broker-api.js';
import { noGroupHandlers } from '../../helpers/no-group-handlers.js';
import { batchAt } from '../../helpers/opaque-batches.js';
import type { ServerConnection } from '../../../broker/net/connection.js';
import { Session } from '../../../broker/net/session.js';
import { NO_QUOTAS } from '../../../broker/quota/client-quotas.js';
import { ManualRuntime } from '../cluster/helpers/manual-runtime.js';

export const limits: SessionLimits = {
  maxFrameBytes: 64 * 1024,
  maxMessageBytes: 16 * 1024,
  produceWindowBytes: 1000,
  handshakeTimeoutMs: 5000,
  idleTimeoutMs: 30_000,
  maxConnections: 2,
  maxUnauthenticatedConnections: 2,
  maxUnauthenticatedConnectionsPerIp: 2,
  socketBufferBytes: 4096,
  deliverMaxBytes: 1000,
  maxSubscriptionsPerConnection: 100,
};

/** Records every frame sent to the client; closing reports back to the session as a transport would. */
export class MemoryConnection implements ServerConnection {
  readonly remoteAddress = 'memory';
  /** The peer's IP address; tests of per-address limits set it before opening a session. */
  sourceAddress = 'memory';
  readonly sent: Frame[] = [];
  buffered = 0;
  closed = false;
  session: Session | undefined;
  private drainListener: () => void = () => undefined;

  constructor(readonly transport: Transport = 'ws') {}

  send(frame: Uint8Array): void {
    if (this.closed) throw new Error('send after close');
    const bytes = this.transport === 'tcp' ? frame.subarray(LENGTH_PREFIX_BYTES) : frame;
    this.sent.push(decodeFrame(bytes, Infinity));
  }

  bufferedBytes(): number {
    return this.buffered;
  }

  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }

  close(): void {
    this.closed = true;
    this.session?.handleClosed();
  }

  /** The socket drained down to `bufferedBytes`. */
  drain(bufferedBytes = 0): void {
    this.buffered = bufferedBytes;
    this.drainListener();
  }

  /** Returns the frames sent since the last call. */
  take(): Frame[] {
    return this.sent.splice(0);
  }
}

/** One metrics call, as [method, ...args]. */
export type MetricCall = [keyof NetMetrics, ...unknown[]];

export class RecordingMetrics implements NetMetrics {
  readonly calls: MetricCall[] = [];
  connectionOpened(transport: Transport): void {
    this.calls.push(['connectionOpened', transport]);
  }
  connectionClosed(transport: Transport): void {
    this.calls.push(['connectionClosed', transport]);
  }
  requestDone(op: string, seconds: number): void {
    this.calls.push(['requestDone', op, seconds]);
  }
  deliveryStalled(reason: 'credit' | 'socket'): void {
    this.calls.push(['deliveryStalled', reason]);
  }
  delivered(topic: string, records: number, bytes: number): void {
    this.calls.push(['delivered', topic, records, bytes]);
  }
  errorSent(code: string): void {
    this.calls.push(['errorSent', code]);
  }
  produceThrottled(): void {
    this.calls.push(['produceThrottled']);
  }
  /** The calls of one method, without its name. */
  of(name: keyof NetMetrics): unknown[][] {
    return this.calls.filter((c) => c[0] === name).map((c) => c.slice(1));
  }
}

/** A partition over an array of batches, following PartitionFeed's contract. */
export class FakeFeed implements PartitionFeed {
  logStartOffset = 0;
  highWatermark = 0;
  readonly batches: StoredBatch[] = [];
  readonly listeners = new Set<(event: 'data' | 'closed') => void>();
  /** Set to make every read throw it. */
  failWith: BrookError | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Appends a committed batch and tells the watchers. */
  append(count: number, bytes: number): void {
    this.batches.push(batchAt(this.highWatermark, count, bytes));
    this.highWatermark += count;
    this.emit('data');
  }

  read(offset: number, maxBytes: number): StoredBatch[] {
    if (this.failWith !== undefined) throw this.failWith;
    if (offset < this.logStartOffset || offset > this.highWatermark) throw new BrookError('OFFSET_OUT_OF_RANGE');
    const out: StoredBatch[] = [];
    let bytes = 0;
    for (const b of this.batches) {
      if (b.baseOffset + b.count <= offset) continue;
      if (out.length > 0 && bytes + b.bytes.byteLength > maxBytes) break;
      out.push(b);
      bytes += b.bytes.byteLength;
    }
    return out;
  }

  watch(listener: (event: 'data' | 'closed') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: 'data' | 'closed'): void {
    for (const l of [...this.listeners]) l(event);
  }
}

/** A promise with its resolve/reject exposed. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A produce the fake core is working on. */
export interface PendingProduce {
  request: RequestOf<'produce'>;
  done: Deferred<ResponseOf<'produce'>>;
}

export class FakeCore implements BrokerCore {
  readonly brokerId = 7;
  readonly clusterId = 'test-cluster';
  readonly metrics = new RecordingMetrics();
  readonly feeds = new Map<string, FakeFeed>();
  readonly produces: PendingProduce[] = [];
  /** The cluster's users (none: connections are anonymous). */
  readonly users = new FakeUsers();
  /** What principals may do: everything unless a test sets ACLs. */
  access: AccessControl = NO_ACCESS_CONTROL;
  /** Client quotas: none unless a test sets them. */
  quotas: BrokerCore['quotas'] = NO_QUOTAS;
  /** Failed logins counted. */
  authFailures = 0;
  /** The delay of each failed login, in ms (the timer fires at once: tests do not sleep). */
  readonly loginDelaysMs: number[] = [];
  readonly authenticator = new ScramAuthenticator({
    users: this.users,
    requiredWithoutUsers: false,
    timers: {
      setTimeout: (callback, delayMs) => {
        this.loginDelaysMs.push(delayMs);
        callback();
        return {};
      },
      setInterval: () => ({}),
      clear: () => undefined,
    },
    logger: pino({ level: 'silent' }),
    failed: () => {
      this.authFailures++;
    },
  });
  /** Replaceable per test. */
  readonly handlers: { -readonly [K in keyof CoreHandlers]: CoreHandlers[K] } = {
    metadata: () => Promise.resolve({ clusterId: this.clusterId, controllerId: 7, brokers: [], topics: [] }),
    createTopics: (request) => Promise.resolve({ results: request.topics.map((t) => ({ name: t.name })) }),
    deleteTopics: (request) => Promise.resolve({ results: request.names.map((name) => ({ name })) }),
    produce: (request) => {
      const done = deferred<ResponseOf<'produce'>>();
      this.produces.push({ request, done });
      return done.promise;
    },
    fetch: () => Promise.reject(new BrookError('NOT_LEADER', 'not me', { leaderId: 3 })),
    listOffsets: () => Promise.resolve({ offset: 0, timestamp: null }),
    initProducer: () => Promise.resolve({ producerId: 0, producerEpoch: 0 }),
    reassignPartitions: (request) => Promise.resolve({ partitions: request.partitions }),
    alterTopicConfigs: (request) => Promise.resolve({ results: request.topics.map((t) => ({ name: t.name })) }),
    createPartitions: (request) => Promise.resolve({ results: request.topics.map((t) => ({ name: t.name })) }),
    createUser: () => Promise.resolve({}),
    deleteUser: () => Promise.resolve({}),
    listUsers: () => Promise.resolve({ users: [] }),
    createAcls: () => Promise.resolve({}),
    listAcls: () => Promise.resolve({ acls: [] }),
    deleteAcls: () => Promise.resolve({ acls: [] }),
    removeBroker: () => Promise.resolve({ partitions: [] }),
    setQuota: () => Promise.resolve({}),
    listQuotas: () => Promise.resolve({ quotas: [] }),
    removeQuota: () => Promise.resolve({}),
    ...noGroupHandlers(),
  };

  feed(topic: string, partition: number): PartitionFeed {
    const feed = this.feeds.get(partitionKey(topic, partition));
    if (feed === undefined) throw new BrookError('UNKNOWN_TOPIC');
    return feed;
  }

  /** Creates (or returns) the feed of a partition. */
  addFeed(topic: string, partition = 0): FakeFeed {
    const key = partitionKey(topic, partition);
    let feed = this.feeds.get(key);
    if (feed === undefined) {
      feed = new FakeFeed(topic, partition);
      this.feeds.set(key, feed);
    }
    return feed;
  }
}

/** Users by name, as the authenticator reads them. */
export class FakeUsers extends Map<string, ScramCredential> {
  get isEmpty(): boolean {
    return this.size === 0;
  }
}

export class ManualClock {
  now = 1000;
  nowMs(): number {
    return this.now;
  }
}

/** A defer queue run by hand: stands in for setImmediate. */
export class ManualDefer {
  private tasks: (() => void)[] = [];
  readonly defer = (fn: () => void): void => {
    this.tasks.push(fn);
  };
  get pending(): number {
    return this.tasks.length;
  }
  /** Runs the oldest deferred task; false if there was none. */
  runOne(): boolean {
    const task = this.tasks.shift();
    task?.();
    return task !== undefined;
  }
  /** Runs deferred tasks, including those they defer, until none is left. */
  runAll(): void {
    for (let guard = 0; this.tasks.length > 0; guard++) {
      if (guard > 10_000) throw new Error('deferred tasks keep deferring');
      const task = this.tasks.shift()!;
      task();
    }
  }
}

/** A request frame as a client encodes it (no length prefix). */
export function requestFrame<K extends RequestOp>(op: K, correlationId: number, body: RequestOf<K>): Uint8Array {
  return encodeFrame(requests[op].code, correlationId, body, false);
}

/** A credit notice frame. */
export function creditFrame(body: NoticeOf<'credit'>): Uint8Array {
  return encodeFrame(notices.credit.code, 0, body, false);
}

/** Waits until every pending promise callback has run (one macrotask turn; not a timed sleep). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A session over a memory connection with a fake core, manual clock and manual defer queue. */
export class Harness {
  readonly core = new FakeCore();
  readonly clock = new ManualClock();
  readonly deferred = new ManualDefer();
  /** The timers quota throttles wait on; {@link elapse} moves them with the clock. */
  readonly runtime = new ManualRuntime();
  readonly conn: MemoryConnection;
  readonly session: Session;
  ended = 0;

  constructor(options: { limits?: Partial<SessionLimits>; transport?: Transport } = {}) {
    this.conn = new MemoryConnection(options.transport);
    this.session = new Session(
      this.conn,
      {
        core: this.core,
        limits: { ...limits, ...options.limits },
        clock: this.clock,
        defer: this.deferred.defer,
        timers: this.runtime.timers,
      },
      () => this.ended++,
    );
    this.conn.session = this.session;
  }

  send<K extends RequestOp>(op: K, correlationId: number, body: RequestOf<K>): void {
    this.session.receive(requestFrame(op, correlationId, body));
  }

  /** Completes the handshake and discards its response. */
  greet(): this {
    this.send('hello', 1, { protocolVersion: 1, clientId: 'test' });
    this.conn.take();
    return this;
  }

  /** Moves the clock and the timers forward by `ms`. */
  elapse(ms: number): void {
    this.clock.now += ms;
    this.runtime.advance(ms);
  }

  /** Runs deferred work (grants, deliveries) and returns every frame sent since the last take. */
  flush(): Frame[] {
    this.deferred.runAll();
    return this.conn.take();
  }
}
