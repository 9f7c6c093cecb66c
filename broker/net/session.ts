/**
 * The protocol state machine of one client connection: handshake, request dispatch, connection errors, idle and
 * handshake deadlines. Produce and push delivery live in {@link ProduceHandler} and {@link Subscriptions}. It owns no
 * timer and no socket: a server feeds it frames, a server-wide sweep feeds it the time, and it writes to a
 * {@link ServerConnection}.
 */
import type { Logger } from 'pino';
import {
  BrookError,
  decodeFrame,
  notices,
  opKind,
  PROTOCOL_VERSION,
  requests,
  type Frame,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
  type Schema,
  type ScramServer,
} from '../../protocol/index.js';
import type { BrokerCore, CoreOp, SessionLimits } from './broker-api.js';
import { systemTimers, type Clock, type Timers } from '../clock.js';
import type { ServerConnection } from './connection.js';
import { FrameWriter } from './frame-writer.js';
import { ProduceHandler } from './produce-handler.js';
import { asBrookError, requestDone, type Defer, type SessionContext } from './session-context.js';
import { chargePartitionCreations, fetchThrottleMs } from './session-quotas.js';
import { Subscriptions } from './subscriptions.js';
import { ThrottleHolds } from './throttle-holds.js';

/** What every session of a server shares. */
export interface SessionOptions {
  readonly core: BrokerCore;
  readonly limits: SessionLimits;
  readonly clock: Clock;
  /** Where grants and deliveries are deferred to (coalescing point). Default: setImmediate. */
  readonly defer?: Defer;
  /** Timers that hold answers back for quota throttles. Default: Node's. */
  readonly timers?: Timers;
  readonly logger?: Logger | undefined;
}

/** Requests other than produce (which the produce window bounds) that one connection may have in flight. */
export const MAX_CORE_REQUESTS_IN_FLIGHT = 1_000;

const defaultDefer: Defer = (fn) => {
  setImmediate(fn);
};

export class Session {
  private readonly ctx: SessionContext;
  private readonly out: FrameWriter;
  private readonly produce: ProduceHandler;
  private readonly subscriptions: Subscriptions;
  private readonly openedAtMs: number;
  private lastFrameAtMs: number;
  /**
   * Where the handshake is: before hello; after a hello that started SCRAM (only `authenticate` may follow); while
   * the proof is checked; after a failed login (frames are ignored until the delayed refusal closes the connection,
   * so pipelined frames cannot learn the outcome early); ready.
   */
  private phase: 'hello' | 'authenticating' | 'checking' | 'failing' | 'ready' = 'hello';
  /** The exchange started by hello, until `authenticate` uses it. */
  private scram: ScramServer | undefined;
  private principalName = ANONYMOUS;
  /** The hello's client id: quotas of anonymous connections go by it. */
  private clientId = '';
  private coreRequestsInFlight = 0;
  private ended = false;

  /**
   * @param onEnded called once when the session ends, whether it closed the connection or the peer did.
   */
  constructor(
    private readonly conn: ServerConnection,
    options: SessionOptions,
    private readonly onEnded: (session: Session) => void = () => undefined,
  ) {
    this.out = new FrameWriter(conn, options.core.metrics);
    this.ctx = {
      core: options.core,
      limits: options.limits,
      clock: options.clock,
      defer: options.defer ?? defaultDefer,
      out: this.out,
      logger: options.logger,
      holds: new ThrottleHolds(options.timers ?? systemTimers),
      quotaEntity: () => ({ principal: this.principalName, clientId: this.clientId }),
    };
    this.produce = new ProduceHandler(this.ctx);
    this.subscriptions = new Subscriptions(this.ctx);
    this.openedAtMs = options.clock.nowMs();
    this.lastFrameAtMs = this.openedAtMs;
    options.core.metrics.connectionOpened(conn.transport);
    conn.onDrain(() => {
      this.subscriptions.onDrain();
    });
  }

  /** Whether the session has ended (closed by either side). */
  get isClosed(): boolean {
    return this.ended;
  }

  /** Handles one frame's bytes (without the TCP length prefix). Frames arriving after close are ignored. */
  receive(bytes: Uint8Array): void {
    if (this.out.closed) return;
    this.lastFrameAtMs = this.ctx.clock.nowMs();
    const maxFrameBytes = this.ctx.limits.maxFrameBytes;
    if (bytes.byteLength > maxFrameBytes) {
      this.connectionError(
        new BrookError(
          'FRAME_TOO_LARGE',
          `frame of ${String(bytes.byteLength)} bytes exceeds maxFrameBytes ${String(maxFrameBytes)}`,
        ),
      );
      return;
    }
    let frame: Frame;
    try {
      frame = decodeFrame(bytes, maxFrameBytes);
    } catch (err: unknown) {
      this.connectionError(asBrookError(this.ctx, err, 'frame decoding'));
      return;
    }
    if (frame.version !== PROTOCOL_VERSION) {
      this.refuse(
        frame.correlationId,
        new BrookError(
          'UNSUPPORTED_VERSION',
          `frame version ${String(frame.version)} is not ${String(PROTOCOL_VERSION)}`,
        ),
      );
      return;
    }
    const kind = opKind(frame.op);
    if (this.phase !== 'ready') {
      const op = kind?.kind === 'request' && frame.correlationId >= 1 ? kind.op : undefined;
      if (this.phase === 'failing') return;
      if (this.phase === 'hello' && op === 'hello') this.hello(frame);
      else if (this.phase === 'authenticating' && op === 'authenticate') void this.authenticate(frame);
      else {
        const expected = this.phase === 'hello' ? 'hello' : 'authenticate (SCRAM client-final)';
        this.refuse(frame.correlationId, new BrookError('HANDSHAKE_REQUIRED', `expected ${expected}`));
      }
      return;
    }
    if (kind?.kind === 'request') {
      if (frame.correlationId === 0) {
        this.connectionError(new BrookError('INVALID_REQUEST', 'a request needs a correlationId >= 1'));
        return;
      }
      this.request(kind.op, frame.correlationId, frame.body);
    } else if (kind?.kind === 'notice') {
      this.creditNotice(frame);
    } else {
      const error = new BrookError('INVALID_REQUEST', `op code ${String(frame.op)} is not a request`);
      // An error frame with correlation id 0 always means the connection is closing (clients rely on it).
      if (frame.correlationId === 0) this.connectionError(error);
      else this.out.fail(frame.correlationId, error);
    }
  }

  /**
   * A connection-level failure (undecodable bytes, oversized frame...): error frame with correlation id 0, then
   * close this connection.
   */
  connectionError(error: BrookError): void {
    this.ctx.logger?.debug(
      { remote: this.conn.remoteAddress, code: error.code, reason: error.message },
      'closing connection',
    );
    this.refuse(0, error);
  }

  /** Whether the handshake is complete (hello accepted and, if asked for, authentication). */
  get isGreeted(): boolean {
    return this.phase === 'ready';
  }

  /** The peer's IP address (connection limits per source address). */
  get sourceAddress(): string {
    return this.conn.sourceAddress;
  }

  /** Who the connection authenticated as: `User:<name>`, or `User:ANONYMOUS` on a broker without users. */
  get principal(): string {
    return this.principalName;
  }

  /** Applies the handshake deadline and the idle timeout (0 disables it) at time `nowMs`. */
  checkDeadlines(nowMs: number): void {
    if (this.out.closed) return;
    const { handshakeTimeoutMs, idleTimeoutMs } = this.ctx.limits;
    if (this.phase !== 'ready') {
      if (nowMs - this.openedAtMs >= handshakeTimeoutMs) this.connectionError(new BrookError('HANDSHAKE_TIMEOUT'));
    } else if (idleTimeoutMs > 0 && nowMs - this.lastFrameAtMs >= idleTimeoutMs) {
      this.connectionError(new BrookError('IDLE_TIMEOUT'));
    }
  }

  /** Refuses further produce requests (SHUTTING_DOWN) and resolves once the admitted ones are done. */
  drain(): Promise<void> {
    const drained = this.produce.drain();
    this.ctx.holds.releaseAll();
    return drained;
  }

  /** Closes the connection, first sending `error` (correlation id 0) if given. */
  close(error?: BrookError): void {
    if (error !== undefined) this.out.fail(0, error);
    this.out.close();
    this.end();
  }

  /** The server reports that the connection is gone (closed by us or by the peer). */
  handleClosed(): void {
    this.out.close();
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.subscriptions.closeAll();
    this.ctx.holds.releaseAll();
    this.ctx.core.metrics.connectionClosed(this.conn.transport);
    this.onEnded(this);
  }

  /** Sends `error` under `correlationId`, then closes. */
  private refuse(correlationId: number, error: BrookError): void {
    this.out.fail(correlationId, error);
    this.close();
  }

  private hello(frame: Frame): void {
    const startedMs = this.ctx.clock.nowMs();
    const version = isRecord(frame.body) ? frame.body['protocolVersion'] : undefined;
    if (typeof version === 'number' && version !== PROTOCOL_VERSION) {
      this.refuse(
        frame.correlationId,
        new BrookError('UNSUPPORTED_VERSION', `protocol version ${String(version)} is not ${String(PROTOCOL_VERSION)}`),
      );
      return;
    }
    let hello: RequestOf<'hello'>;
    try {
      hello = requests.hello.request.parse(frame.body, '');
    } catch (err: unknown) {
      this.out.fail(frame.correlationId, asBrookError(this.ctx, err, 'hello'));
      return;
    }
    this.clientId = hello.clientId;
    const { core, limits } = this.ctx;
    const answer = (sasl: RequestOf<'authenticate'> | undefined): void => {
      this.out.respond('hello', frame.correlationId, {
        protocolVersion: PROTOCOL_VERSION,
        brokerId: core.brokerId,
        clusterId: core.clusterId,
        maxFrameBytes: limits.maxFrameBytes,
        maxMessageBytes: limits.maxMessageBytes,
        produceWindowBytes: limits.produceWindowBytes,
        idleTimeoutMs: limits.idleTimeoutMs,
        ...(sasl === undefined ? {} : { sasl }),
      });
      requestDone(this.ctx, 'hello', startedMs);
    };
    const certificateName = this.conn.certificateName;
    if (hello.sasl === undefined && certificateName !== undefined) {
      // A client certificate the TLS handshake verified is a login of its own (Kafka's SSL principal).
      this.phase = 'ready';
      this.principalName = `User:${certificateName}`;
      answer(undefined);
      return;
    }
    if (hello.sasl === undefined) {
      if (core.authenticator.required) {
        this.refuse(
          frame.correlationId,
          new BrookError('UNAUTHORIZED', 'this broker requires SCRAM-SHA-256 authentication (a username and password)'),
        );
        return;
      }
      this.phase = 'ready';
      answer(undefined);
      return;
    }
    try {
      this.scram = core.authenticator.start(hello.sasl.message);
    } catch (err: unknown) {
      void this.loginFailed(frame.correlationId, undefined, err);
      return;
    }
    this.phase = 'authenticating';
    answer({ message: this.scram.serverFirst });
  }

  /** The SCRAM client-final: checks the proof, then answers the server-final (or refuses, after the delay). */
  private async authenticate(frame: Frame): Promise<void> {
    const startedMs = this.ctx.clock.nowMs();
    const scram = this.scram;
    this.scram = undefined;
    this.phase = 'checking';
    if (scram === undefined) return;
    let serverFinal: string;
    try {
      serverFinal = await scram.finish(requests.authenticate.request.parse(frame.body, '').message);
    } catch (err: unknown) {
      await this.loginFailed(frame.correlationId, scram.username, err);
      return;
    }
    if (this.out.closed) return;
    this.phase = 'ready';
    this.principalName = `User:${scram.username}`;
    this.out.respond('authenticate', frame.correlationId, { message: serverFinal });
    requestDone(this.ctx, 'authenticate', startedMs);
  }

  private async loginFailed(correlationId: number, username: string | undefined, err: unknown): Promise<void> {
    this.phase = 'failing';
    const reason = err instanceof Error ? err.message : String(err);
    const error = await this.ctx.core.authenticator.refuse(this.conn.remoteAddress, username, reason);
    if (!this.out.closed) this.refuse(correlationId, error);
  }

  private request(op: RequestOp, correlationId: number, body: unknown): void {
    const startedMs = this.ctx.clock.nowMs();
    try {
      const request = parseRequest(op, body);
      this.ctx.core.access.check(this.principalName, op, request);
      if (op === 'createTopics') chargePartitionCreations(this.ctx, request as RequestOf<'createTopics'>);
      this.dispatch(op, correlationId, request, startedMs);
    } catch (err: unknown) {
      this.out.fail(correlationId, asBrookError(this.ctx, err, op));
      requestDone(this.ctx, op, startedMs);
    }
  }

  /** Serves a parsed, authorized request. Throws what the request fails with. */
  private dispatch<K extends RequestOp>(op: K, correlationId: number, request: RequestOf<K>, startedMs: number): void {
    switch (op) {
      case 'hello':
      case 'authenticate':
        throw new BrookError('INVALID_REQUEST', `${op} after the handshake`);
      case 'ping':
        this.out.respond('ping', correlationId, {});
        break;
      case 'subscribe':
        this.out.respond('subscribe', correlationId, this.subscriptions.subscribe(request as RequestOf<'subscribe'>));
        break;
      case 'unsubscribe':
        this.subscriptions.unsubscribe(request as RequestOf<'unsubscribe'>);
        this.out.respond('unsubscribe', correlationId, {});
        break;
      case 'produce':
        // Produce reports its own completion: it answers later (or never, for acks=0).
        this.produce.handle(correlationId, request as RequestOf<'produce'>, startedMs);
        return;
      default:
        this.callCore(op as Exclude<K, SessionOwnOp>, correlationId, request, startedMs);
        return;
    }
    requestDone(this.ctx, op, startedMs);
  }

  private callCore<K extends Exclude<CoreOp, 'produce'>>(
    op: K,
    correlationId: number,
    request: RequestOf<K>,
    startedMs: number,
  ): void {
    // Long-poll fetches hold a waiter each and produce no output until they end, so nothing else bounds how many
    // a client can pile up: past the cap, requests are refused until some finish.
    if (this.coreRequestsInFlight >= MAX_CORE_REQUESTS_IN_FLIGHT) {
      this.out.fail(
        correlationId,
        new BrookError('THROTTLED', `more than ${String(MAX_CORE_REQUESTS_IN_FLIGHT)} requests in flight`),
      );
      requestDone(this.ctx, op, startedMs);
      return;
    }
    const handlers = this.ctx.core.handlers;
    const handler: (request: RequestOf<K>) => Promise<ResponseOf<K>> = handlers[op];
    this.coreRequestsInFlight++;
    const failed = (err: unknown): void => {
      this.coreRequestsInFlight--;
      this.out.fail(correlationId, asBrookError(this.ctx, err, op));
      requestDone(this.ctx, op, startedMs);
    };
    let pending: Promise<ResponseOf<K>>;
    try {
      // Called on the table, so handlers written as methods keep their `this`.
      pending = handler.call(handlers, request);
    } catch (err: unknown) {
      failed(err);
      return;
    }
    pending.then((response) => {
      const throttleTimeMs = op === 'fetch' ? fetchThrottleMs(this.ctx, response as ResponseOf<'fetch'>) : 0;
      // A throttled fetch holds its answer, and with it the client's next fetch (Kafka's throttle time).
      this.ctx.holds.after(throttleTimeMs, () => {
        this.coreRequestsInFlight--;
        const visible = this.ctx.core.access.visible(this.principalName, op, response);
        this.out.respond(op, correlationId, throttleTimeMs > 0 ? { ...visible, throttleTimeMs } : visible);
        requestDone(this.ctx, op, startedMs);
      });
    }, failed);
  }

  private creditNotice(frame: Frame): void {
    try {
      this.subscriptions.credit(notices.credit.body.parse(frame.body, ''));
    } catch (err: unknown) {
      // A notice has no correlation id to answer on: a malformed one closes the connection.
      this.connectionError(asBrookError(this.ctx, err, 'credit'));
    }
  }
}

/** Checks a request body against its op's schema (throws ProtocolError). */
function parseRequest<K extends RequestOp>(op: K, body: unknown): RequestOf<K> {
  // TypeScript cannot follow K through the op table's union of schemas; requests[op] is K's schema by construction.
  const schema = requests[op].request as Schema<RequestOf<K>>;
  return schema.parse(body, '');
}

/** The principal of a connection to a broker without users (Kafka's name for it). */
export const ANONYMOUS = 'User:ANONYMOUS';

/** The ops {@link Session.dispatch} serves itself; every other op goes to the core. */
type SessionOwnOp = 'hello' | 'authenticate' | 'ping' | 'subscribe' | 'unsubscribe' | 'produce';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
