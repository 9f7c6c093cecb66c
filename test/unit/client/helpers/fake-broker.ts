/**
 * An in-memory broker that speaks the wire protocol over the memory transport, for client unit tests. It keeps
 * batches per partition, grants the produce window back (or holds grants when told), pushes deliveries within the
 * subscriber's credit, and can be told to fail requests.
 */
import {
  BrookError,
  ERROR_OP,
  decodeFrame,
  encodeFrame,
  opKind,
  pushes,
  requests,
  scramCredential,
  ScramServer,
  recordBatchOf,
  setBaseOffset,
  type ErrorName,
  type RecordBatch,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
} from '../../../../protocol/index.js';
import { memoryTransportFactory, type MemoryServerEnd } from '../../../../client/transport/memory.js';
import type { TransportFactory } from '../../../../client/transport/transport.js';

/** A batch the fake broker holds: its placed bytes and header fields. */
export interface StoredFakeBatch extends RecordBatch {
  readonly baseOffset: number;
}

export interface FakePartition {
  batches: StoredFakeBatch[];
  highWatermark: number;
  logStartOffset: number;
}

interface FakeSubscription {
  topic: string;
  partition: number;
  offset: number;
  records: number;
  bytes: number;
}

/** A request as the fake broker saw it. */
export interface SeenRequest {
  op: RequestOp;
  correlationId: number;
  body: unknown;
}

export class FakeSession {
  readonly requests: SeenRequest[] = [];
  readonly credits: RequestOf<'subscribe'>['credit'][] = [];
  readonly subscriptions = new Map<number, FakeSubscription>();
  hello: RequestOf<'hello'> | undefined;
  /** The SCRAM exchange hello started, when the broker has credentials. */
  scram: Promise<ScramServer> | undefined;
  inFlightBytes = 0;
  heldGrantBytes = 0;
  framesSeen = 0;

  constructor(
    readonly broker: FakeBroker,
    readonly server: MemoryServerEnd,
  ) {}

  send(op: number, correlationId: number, body: unknown): void {
    this.server.send(encodeFrame(op, correlationId, body, false));
  }

  sendError(correlationId: number, code: ErrorName, message?: string): void {
    this.send(ERROR_OP, correlationId, new BrookError(code, message).toWire());
  }

  /** Gives back held grant bytes. */
  releaseGrants(): void {
    const bytes = this.heldGrantBytes;
    this.heldGrantBytes = 0;
    this.inFlightBytes -= bytes;
    if (bytes > 0) this.send(pushes.grant.code, 0, { bytes });
  }

  ops(op: RequestOp): SeenRequest[] {
    return this.requests.filter((r) => r.op === op);
  }

  /** Pushes deliveries to every subscription with credit and data. */
  pump(): void {
    for (const [id, sub] of this.subscriptions) {
      const partition = this.broker.partition(sub.topic, sub.partition);
      if (partition === undefined) continue;
      const out: Uint8Array[] = [];
      while (sub.records > 0 && sub.bytes > 0 && sub.offset < partition.highWatermark) {
        const batch = partition.batches.find((b) => b.baseOffset <= sub.offset && sub.offset < b.baseOffset + b.count);
        if (batch === undefined) break;
        out.push(batch.bytes);
        sub.records -= batch.count;
        sub.bytes -= batch.bytes.byteLength;
        sub.offset = batch.baseOffset + batch.count;
      }
      if (out.length > 0) {
        this.broker.delivered += out.reduce((n, b) => n + recordBatchOf(b).count, 0);
        this.send(pushes.deliver.code, 0, { subscriptionId: id, highWatermark: partition.highWatermark, batches: out });
      }
    }
  }
}

/** Several fake brokers sharing topic placement, for routing tests. */
export interface FakeClusterView {
  readonly brokers: readonly { id: number; host: string; port: number; wsPort: number }[];
  /** Leader broker id of a partition. */
  leaderOf(topic: string, partition: number): number;
}

export type RequestHook = (
  session: FakeSession,
  op: RequestOp,
  correlationId: number,
  body: unknown,
) => 'handled' | undefined;

export class FakeBroker {
  readonly brokerId: number;
  readonly sessions: FakeSession[] = [];
  readonly topics = new Map<string, FakePartition[]>();
  limits = {
    maxFrameBytes: 8 * 1024 * 1024,
    maxMessageBytes: 1024 * 1024,
    produceWindowBytes: 4 * 1024 * 1024,
    idleTimeoutMs: 30_000,
  };
  /** When false, produce grants are held until releaseGrants(). */
  autoGrant = true;
  /** Errors to apply to the next produce requests (one per request, every partition in it). */
  produceErrors: ErrorName[] = [];
  /** Refuse new connections. */
  refuse = false;
  /** Required credentials, if any. */
  credentials: { username: string; password: string } | undefined;
  /** A hook that may answer a request itself. */
  hook: RequestHook | undefined;
  /** Records pushed to subscribers so far. */
  delivered = 0;
  /** Set to make this broker one of several (metadata lists them; it refuses partitions it does not lead). */
  cluster: FakeClusterView | undefined;
  readonly factory: TransportFactory;
  connectAttempts = 0;
  /** The id the next initProducer hands out. */
  nextProducerId = 1000;

  constructor(brokerId = 1) {
    this.brokerId = brokerId;
    this.factory = memoryTransportFactory((server) => {
      this.accept(server);
    });
  }

  /** Takes a new in-memory connection (routing factories call this for the broker an endpoint names). */
  accept(server: MemoryServerEnd): void {
    this.connectAttempts++;
    if (this.refuse) throw new BrookError('NETWORK_ERROR', 'connection refused');
    const session = new FakeSession(this, server);
    this.sessions.push(session);
    server.onFrame = (frame) => {
      this.onFrame(session, frame);
    };
  }

  private leads(topic: string, partition: number): boolean {
    return this.cluster === undefined || this.cluster.leaderOf(topic, partition) === this.brokerId;
  }

  createTopic(name: string, partitions: number): void {
    this.topics.set(
      name,
      Array.from({ length: partitions }, () => ({ batches: [], highWatermark: 0, logStartOffset: 0 })),
    );
  }

  partition(topic: string, partition: number): FakePartition | undefined {
    return this.topics.get(topic)?.[partition];
  }

  /** The latest session. */
  get session(): FakeSession {
    const s = this.sessions[this.sessions.length - 1];
    if (s === undefined) throw new Error('no session yet');
    return s;
  }

  /** Appends a batch as a producer would (for consumer tests). */
  append(topic: string, partition: number, batch: RequestOf<'produce'>['partitions'][number]['batch']): number {
    const p = this.partition(topic, partition);
    if (p === undefined) throw new Error(`no ${topic}/${String(partition)}`);
    const baseOffset = p.highWatermark;
    const bytes = batch.slice();
    setBaseOffset(bytes, baseOffset);
    const stored = { ...recordBatchOf(bytes), baseOffset };
    p.batches.push(stored);
    p.highWatermark += stored.count;
    for (const s of this.sessions) if (s.server.open) s.pump();
    return baseOffset;
  }

  /** Records of every batch of a partition, decoded by the caller. */
  batches(topic: string, partition: number): StoredFakeBatch[] {
    return this.partition(topic, partition)?.batches ?? [];
  }

  private onFrame(session: FakeSession, bytes: Uint8Array): void {
    session.framesSeen++;
    const frame = decodeFrame(bytes, this.limits.maxFrameBytes);
    const kind = opKind(frame.op);
    if (kind?.kind === 'notice') {
      const body = frame.body as { subscriptionId: number; records: number; bytes: number };
      session.credits.push({ records: body.records, bytes: body.bytes });
      const sub = session.subscriptions.get(body.subscriptionId);
      if (sub !== undefined) {
        sub.records += body.records;
        sub.bytes += body.bytes;
        session.pump();
      }
      return;
    }
    if (kind?.kind !== 'request') {
      session.sendError(frame.correlationId, 'INVALID_REQUEST', 'unknown op');
      return;
    }
    const op = kind.op;
    session.requests.push({ op, correlationId: frame.correlationId, body: frame.body });
    if (session.hello === undefined && op !== 'hello') {
      session.sendError(frame.correlationId, 'HANDSHAKE_REQUIRED');
      session.server.close();
      return;
    }
    if (this.hook?.(session, op, frame.correlationId, frame.body) === 'handled') return;
    const body = requests[op].request.parse(frame.body, '');
    const respond = <K extends RequestOp>(k: K, response: ResponseOf<K>): void => {
      session.send(requests[k].code, frame.correlationId, response);
    };
    switch (op) {
      case 'hello': {
        const hello = body as RequestOf<'hello'>;
        const answer = { protocolVersion: 1, brokerId: this.brokerId, clusterId: 'fake', ...this.limits };
        session.hello = hello;
        const credentials = this.credentials;
        if (credentials === undefined) {
          respond('hello', answer);
          return;
        }
        if (hello.sasl === undefined) {
          session.sendError(frame.correlationId, 'UNAUTHORIZED');
          session.server.close();
          return;
        }
        const clientFirst = hello.sasl.message;
        session.scram = scramCredential(credentials.password, new Uint8Array(16)).then((credential) =>
          ScramServer.start(clientFirst, () => credential, 'fakeServerNonce'),
        );
        void session.scram.then((scram) => {
          respond('hello', { ...answer, sasl: { message: scram.serverFirst } });
        });
        return;
      }
      case 'authenticate': {
        const clientFinal = (body as RequestOf<'authenticate'>).message;
        void session.scram
          ?.then((scram) => scram.finish(clientFinal))
          .then(
            (message) => {
              respond('authenticate', { message });
            },
            () => {
              session.sendError(frame.correlationId, 'UNAUTHORIZED');
              session.server.close();
            },
          );
        return;
      }
      case 'ping':
        respond('ping', {});
        return;
      case 'initProducer':
        respond('initProducer', { producerId: this.nextProducerId++, producerEpoch: 0 });
        return;
      case 'metadata': {
        const req = body as RequestOf<'metadata'>;
        const names = req.topics ?? [...this.topics.keys()];
        respond('metadata', {
          clusterId: 'fake',
          controllerId: this.brokerId,
          brokers: this.cluster?.brokers.map((b) => ({ ...b })) ?? [
            { id: this.brokerId, host: 'fake', port: 1, wsPort: 2 },
          ],
          topics: names.map((name) => {
            const parts = this.topics.get(name);
            if (parts === undefined) {
              return { name, error: new BrookError('UNKNOWN_TOPIC').toWire(), partitions: [], config: {} };
            }
            return {
              name,
              config: {},
              partitions: parts.map((p, i) => ({
                partition: i,
                leader: this.cluster?.leaderOf(name, i) ?? this.brokerId,
                replicas: [this.brokerId],
                isr: [this.brokerId],
                logStartOffset: p.logStartOffset,
                highWatermark: p.highWatermark,
              })),
            };
          }),
        });
        return;
      }
      case 'createTopics': {
        const req = body as RequestOf<'createTopics'>;
        respond('createTopics', {
          results: req.topics.map((t) => {
            if (this.topics.has(t.name)) return { name: t.name, error: new BrookError('TOPIC_EXISTS').toWire() };
            this.createTopic(t.name, t.partitions);
            return { name: t.name };
          }),
        });
        return;
      }
      case 'deleteTopics': {
        const req = body as RequestOf<'deleteTopics'>;
        respond('deleteTopics', {
          results: req.names.map((name) => {
            if (!this.topics.delete(name)) return { name, error: new BrookError('UNKNOWN_TOPIC').toWire() };
            return { name };
          }),
        });
        return;
      }
      case 'produce': {
        const req = body as RequestOf<'produce'>;
        const bytes = req.partitions.reduce((n, p) => n + p.batch.byteLength, 0);
        if (session.inFlightBytes + bytes > this.limits.produceWindowBytes) {
          // Like the real broker: a refused request's bytes are granted back too.
          session.send(pushes.grant.code, 0, { bytes });
          if (req.acks !== 0) {
            respond('produce', {
              partitions: req.partitions.map((p) => ({
                topic: p.topic,
                partition: p.partition,
                baseOffset: -1,
                error: new BrookError('THROTTLED').toWire(),
              })),
            });
          }
          return;
        }
        const forced = this.produceErrors.shift();
        const results = req.partitions.map((p) => {
          if (forced !== undefined) {
            return { topic: p.topic, partition: p.partition, baseOffset: -1, error: new BrookError(forced).toWire() };
          }
          if (!this.leads(p.topic, p.partition)) {
            const leaderId = this.cluster?.leaderOf(p.topic, p.partition);
            const error = new BrookError('NOT_LEADER', 'not the leader', leaderId === undefined ? {} : { leaderId });
            return { topic: p.topic, partition: p.partition, baseOffset: -1, error: error.toWire() };
          }
          const part = this.partition(p.topic, p.partition);
          if (part === undefined) {
            const code = this.topics.has(p.topic) ? 'UNKNOWN_PARTITION' : 'UNKNOWN_TOPIC';
            return { topic: p.topic, partition: p.partition, baseOffset: -1, error: new BrookError(code).toWire() };
          }
          if (p.batch.byteLength > this.limits.maxMessageBytes) {
            return {
              topic: p.topic,
              partition: p.partition,
              baseOffset: -1,
              error: new BrookError('MESSAGE_TOO_LARGE').toWire(),
            };
          }
          return { topic: p.topic, partition: p.partition, baseOffset: this.append(p.topic, p.partition, p.batch) };
        });
        if (req.acks !== 0) respond('produce', { partitions: results });
        if (this.autoGrant) session.send(pushes.grant.code, 0, { bytes });
        else {
          session.inFlightBytes += bytes;
          session.heldGrantBytes += bytes;
        }
        return;
      }
      case 'subscribe': {
        const req = body as RequestOf<'subscribe'>;
        if (!this.leads(req.topic, req.partition)) {
          session.sendError(frame.correlationId, 'NOT_LEADER');
          return;
        }
        const part = this.partition(req.topic, req.partition);
        if (part === undefined) {
          session.sendError(frame.correlationId, this.topics.has(req.topic) ? 'UNKNOWN_PARTITION' : 'UNKNOWN_TOPIC');
          return;
        }
        if (session.subscriptions.has(req.subscriptionId)) {
          session.sendError(frame.correlationId, 'INVALID_REQUEST', 'subscription id in use');
          return;
        }
        const offset =
          req.offset === 'earliest' ? part.logStartOffset : req.offset === 'latest' ? part.highWatermark : req.offset;
        if (offset < part.logStartOffset || offset > part.highWatermark) {
          session.sendError(frame.correlationId, 'OFFSET_OUT_OF_RANGE');
          return;
        }
        session.credits.push(req.credit);
        session.subscriptions.set(req.subscriptionId, {
          topic: req.topic,
          partition: req.partition,
          offset,
          records: req.credit.records,
          bytes: req.credit.bytes,
        });
        respond('subscribe', { offset, highWatermark: part.highWatermark, logStartOffset: part.logStartOffset });
        session.pump();
        return;
      }
      case 'unsubscribe': {
        const req = body as RequestOf<'unsubscribe'>;
        session.subscriptions.delete(req.subscriptionId);
        respond('unsubscribe', {});
        return;
      }
      case 'listOffsets': {
        const req = body as RequestOf<'listOffsets'>;
        const part = this.partition(req.topic, req.partition);
        if (part === undefined) {
          session.sendError(frame.correlationId, 'UNKNOWN_TOPIC');
          return;
        }
        if (req.at === 'earliest') respond('listOffsets', { offset: part.logStartOffset, timestamp: null });
        else if (req.at === 'latest') respond('listOffsets', { offset: part.highWatermark, timestamp: null });
        else {
          const at = req.at;
          const batch = part.batches.find((b) => b.maxTimestamp >= at);
          respond(
            'listOffsets',
            batch === undefined
              ? { offset: part.highWatermark, timestamp: null }
              : { offset: batch.baseOffset, timestamp: batch.maxTimestamp },
          );
        }
        return;
      }
      case 'fetch': {
        session.sendError(frame.correlationId, 'INVALID_REQUEST', 'fetch not faked');
        return;
      }
    }
  }
}

/** The subscription end push, for tests that end subscriptions. */
export function endSubscription(session: FakeSession, subscriptionId: number, code: ErrorName): void {
  session.subscriptions.delete(subscriptionId);
  session.send(pushes.subscriptionEnd.code, 0, { subscriptionId, error: new BrookError(code).toWire() });
}
