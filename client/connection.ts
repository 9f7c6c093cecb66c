/**
 * One logical connection to a broker: opens a transport, performs the hello handshake, correlates requests and
 * responses, dispatches pushes (deliver, grant, subscriptionEnd), pings when idle, and reconnects with exponential
 * backoff when the transport drops. Requests in flight when it drops fail with a retriable NETWORK_ERROR; owners of
 * subscriptions learn through their handler and re-subscribe once {@link Connection.onReady} fires again.
 */
import {
  BrookError,
  ERROR_OP,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeFrame,
  notices,
  opKind,
  pushes,
  requests,
  wireError,
  type NoticeOf,
  type NoticeOp,
  type PushOf,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
} from '../broker/protocol/index.js';
import { backoffDelayMs } from './backoff.js';
import type { TimerHandle } from './clock.js';
import { endpointName, type Endpoint } from './endpoint.js';
import { Listeners } from './listeners.js';
import type { ResolvedClientOptions } from './options.js';
import { ProduceWindow } from './produce-window.js';
import type { Transport } from './transport/transport.js';

/** What the broker said about itself in hello. */
export type BrokerHello = ResponseOf<'hello'>;

/** Receives the pushes of one subscription. */
export interface SubscriptionHandler {
  /** Batches for the subscription, in offset order. */
  deliver(push: PushOf<'deliver'>): void;
  /** The subscription ended: a `subscriptionEnd` push, or NETWORK_ERROR when the connection dropped. */
  end(error: BrookError): void;
}

/** Options for one request. */
export interface RequestOptions {
  /** Overrides the client's requestTimeoutMs for this request, in ms. */
  readonly timeoutMs?: number;
}

type ConnectionState = 'idle' | 'connecting' | 'ready' | 'closed';

interface Pending {
  readonly op: RequestOp;
  readonly resolve: (body: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: TimerHandle;
}

interface Queued {
  send(): void;
  fail(error: Error): void;
}

const MAX_CORRELATION_ID = 0xffffffff;

export class Connection {
  /** Fires after every successful handshake; `reconnected` is false the first time. */
  readonly onReady = new Listeners<[hello: BrokerHello, reconnected: boolean]>();
  /** Fires when an established session drops (a reconnect follows unless the connection gives up). */
  readonly onDisconnect = new Listeners<[error: BrookError]>();
  /** Fires once when the connection is closed for good: `error` is undefined after {@link close}. */
  readonly onClose = new Listeners<[error: BrookError | undefined]>();
  /** The produce window of the current session. */
  readonly window = new ProduceWindow();

  private state: ConnectionState = 'idle';
  private transport: Transport | undefined;
  private hello: BrokerHello | undefined;
  private sessions = 0;
  private attempt = 0;
  private endpointIndex = 0;
  private nextCorrelationId = 1;
  private nextSubscriptionId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queued = new Set<Queued>();
  private readonly subscriptions = new Map<number, SubscriptionHandler>();
  private readonly drainWaiters: (() => void)[] = [];
  private lastError: Error | undefined;
  private connectionError: BrookError | undefined;
  private lastSentMs = 0;
  private pingTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private closeReason: BrookError | undefined;
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private closingTransport: Transport | undefined;

  /**
   * @param endpoints where to connect; reconnects rotate through them (a bootstrap list) or retry the one broker.
   * @param options the client's resolved options.
   */
  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly options: ResolvedClientOptions,
  ) {
    if (endpoints.length === 0) throw new TypeError('Connection needs at least one endpoint');
  }

  /** The broker id learnt at the last handshake (undefined before the first). */
  get brokerId(): number | undefined {
    return this.hello?.brokerId;
  }

  /** The broker's hello (limits, ids) of the last handshake. */
  get brokerHello(): BrokerHello | undefined {
    return this.hello;
  }

  /** Whether a session is established and requests go out at once. */
  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Whether the connection has closed for good. */
  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Counts sessions established so far; changes on every reconnect. */
  get session(): number {
    return this.sessions;
  }

  /** Whether the transport's outgoing buffer is above its high-water mark. */
  get backpressured(): boolean {
    return this.transport !== undefined && this.transport.bufferedBytes > this.options.socketHighWaterMarkBytes;
  }

  /** A readable name of the endpoint in use. */
  get name(): string {
    return endpointName(this.currentEndpoint());
  }

  /** Starts connecting (idempotent). Requests made before this also start it. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'connecting';
    void this.establish();
  }

  /** Resolves with the broker's hello once a session is established (within `timeoutMs`, default requestTimeoutMs). */
  ready(timeoutMs = this.options.requestTimeoutMs): Promise<BrokerHello> {
    if (this.state === 'closed') return Promise.reject(this.closedError());
    if (this.state === 'ready' && this.hello !== undefined) return Promise.resolve(this.hello);
    this.start();
    return new Promise<BrokerHello>((resolve, reject) => {
      this.whenReady('connect', timeoutMs, reject, () => {
        if (this.hello === undefined) reject(new BrookError('NETWORK_ERROR', 'no session'));
        else resolve(this.hello);
      });
    });
  }

  /**
   * Sends a request and resolves with the broker's response; rejects with the BrookError the broker returned, with
   * REQUEST_TIMED_OUT after the timeout, with NETWORK_ERROR if the connection drops first, or with CLOSED. A request
   * made while (re)connecting waits for the session, within the same timeout.
   */
  request<K extends RequestOp>(op: K, body: RequestOf<K>, opts: RequestOptions = {}): Promise<ResponseOf<K>> {
    if (this.state === 'closed') return Promise.reject(this.closedError());
    this.start();
    const timeoutMs = opts.timeoutMs ?? this.options.requestTimeoutMs;
    return new Promise<ResponseOf<K>>((resolve, reject) => {
      if (this.state === 'ready') {
        this.sendRequest(op, body, timeoutMs, resolve, reject);
        return;
      }
      const startedMs = this.options.clock.nowMs();
      this.whenReady(op, timeoutMs, reject, () => {
        const leftMs = Math.max(1, timeoutMs - (this.options.clock.nowMs() - startedMs));
        this.sendRequest(op, body, leftMs, resolve, reject);
      });
    });
  }

  /** Runs `go` once a session is up, or rejects after `timeoutMs` / when the connection closes for good. */
  private whenReady(what: string, timeoutMs: number, reject: (error: Error) => void, go: () => void): void {
    const entry: Queued = {
      send: () => {
        this.options.clock.clearTimeout(timer);
        go();
      },
      fail: (error) => {
        this.options.clock.clearTimeout(timer);
        reject(error);
      },
    };
    const timer = this.options.clock.setTimeout(() => {
      this.queued.delete(entry);
      const why = this.lastError === undefined ? '' : `: ${this.lastError.message}`;
      reject(
        new BrookError(
          'REQUEST_TIMED_OUT',
          `${what}: no connection to ${this.name} within ${String(timeoutMs)} ms${why}`,
        ),
      );
    }, timeoutMs);
    this.queued.add(entry);
  }

  /**
   * Sends a request whose response will not come (produce with acks 0). Returns false, sending nothing, when no
   * session is established.
   */
  sendWithoutResponse<K extends RequestOp>(op: K, body: RequestOf<K>): boolean {
    if (this.state !== 'ready') return false;
    this.write(requests[op].code, this.takeCorrelationId(), body);
    return true;
  }

  /** Sends a notice (no response). Returns false, sending nothing, when no session is established. */
  notify<K extends NoticeOp>(op: K, body: NoticeOf<K>): boolean {
    if (this.state !== 'ready') return false;
    this.write(notices[op].code, 0, body);
    return true;
  }

  /** Resolves when the transport's buffer is under its high-water mark (at once if it is, or if disconnected). */
  drained(): Promise<void> {
    if (!this.backpressured) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Registers a subscription handler and returns the subscription id to put in the subscribe request. Ids are unique
   * among this connection's live subscriptions. Handlers are dropped when the session ends (after `end`).
   */
  addSubscription(handler: SubscriptionHandler): number {
    let id = this.nextSubscriptionId;
    while (this.subscriptions.has(id)) id = id >= MAX_CORRELATION_ID ? 1 : id + 1;
    this.nextSubscriptionId = id >= MAX_CORRELATION_ID ? 1 : id + 1;
    this.subscriptions.set(id, handler);
    return id;
  }

  /** Forgets a subscription handler (after unsubscribe, or when its subscribe failed). */
  removeSubscription(id: number): void {
    this.subscriptions.delete(id);
  }

  /** Closes the connection: fails what is pending with CLOSED, closes the transport, stops reconnecting. */
  close(): Promise<void> {
    if (this.state === 'closed') return this.closedPromise ?? Promise.resolve();
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.finish(undefined);
    return this.closedPromise;
  }

  // ---- session lifecycle ------------------------------------------------------------------------------------------

  private currentEndpoint(): Endpoint {
    const endpoint = this.endpoints[this.endpointIndex % this.endpoints.length];
    if (endpoint === undefined) throw new TypeError('Connection has no endpoint');
    return endpoint;
  }

  private async establish(): Promise<void> {
    const endpoint = this.currentEndpoint();
    let transport: Transport;
    const handlers = {
      onFrame: (frame: Uint8Array) => {
        if (this.transport === transport) this.onFrame(frame);
      },
      onDrain: () => {
        if (this.transport === transport) this.onDrain();
      },
      onClose: (error: Error | undefined) => {
        if (this.transport === transport) this.onTransportClosed(error);
        else if (this.closingTransport === transport) {
          this.closingTransport = undefined;
          this.resolveClosed?.();
        }
      },
    };
    try {
      transport = await this.options.transport(endpoint, handlers, {
        maxFrameBytes: this.options.maxIncomingFrameBytes,
        connectTimeoutMs: this.options.connectTimeoutMs,
        highWaterMarkBytes: this.options.socketHighWaterMarkBytes,
      });
    } catch (err: unknown) {
      this.attemptFailed(asError(err));
      return;
    }
    if (this.state === 'closed') {
      transport.close();
      return;
    }
    this.transport = transport;
    this.connectionError = undefined;
    this.sessions++;
    const hello: RequestOf<'hello'> = { protocolVersion: PROTOCOL_VERSION, clientId: this.options.clientId };
    if (this.options.username !== undefined) hello.username = this.options.username;
    if (this.options.password !== undefined) hello.password = this.options.password;
    let response: BrokerHello;
    try {
      response = await new Promise<BrokerHello>((resolve, reject) => {
        this.sendRequest('hello', hello, this.options.connectTimeoutMs, resolve, reject);
      });
    } catch (err: unknown) {
      // A refused handshake (bad credentials, unsupported version) will not succeed by retrying.
      if (err instanceof BrookError && !err.retriable && err.code !== 'NETWORK_ERROR') {
        this.transport = undefined;
        transport.close();
        this.finish(err);
        return;
      }
      if (this.transport === transport) {
        this.transport = undefined;
        transport.close();
        this.attemptFailed(asError(err));
      }
      return;
    }
    if (this.transport !== transport || this.isClosed) return;
    const reconnected = this.hello !== undefined;
    this.hello = response;
    this.attempt = 0;
    this.lastError = undefined;
    this.state = 'ready';
    this.window.reset(response.produceWindowBytes);
    this.schedulePing();
    for (const entry of [...this.queued]) {
      this.queued.delete(entry);
      entry.send();
    }
    this.onReady.emit(response, reconnected);
  }

  private attemptFailed(error: Error): void {
    if (this.state === 'closed') return;
    this.lastError = error;
    this.state = 'connecting';
    if (this.attempt >= this.options.reconnectMaxRetries) {
      const reason = new BrookError(
        'NETWORK_ERROR',
        `giving up on ${this.name} after ${String(this.attempt + 1)} attempts: ${error.message}`,
        { cause: error },
      );
      this.finish(reason);
      return;
    }
    const delayMs = backoffDelayMs(this.attempt, this.options.reconnectBackoff, this.options.random);
    this.attempt++;
    this.endpointIndex++;
    this.reconnectTimer = this.options.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.state !== 'closed') void this.establish();
    }, delayMs);
  }

  private onTransportClosed(transportError: Error | undefined): void {
    this.transport = undefined;
    this.clearPing();
    const cause = this.connectionError ?? transportError;
    const error = new BrookError(
      'NETWORK_ERROR',
      `connection to ${this.name} lost${cause === undefined ? '' : `: ${cause.message}`}`,
      cause === undefined ? {} : { cause },
    );
    const wasReady = this.state === 'ready';
    this.failSession(error);
    if (this.state === 'closed') return;
    if (wasReady) this.onDisconnect.emit(error);
    // A connection-level error the broker marks non-retriable (a malformed frame, say) would recur: give up.
    if (this.connectionError !== undefined && !this.connectionError.retriable) {
      this.finish(this.connectionError);
      return;
    }
    this.attemptFailed(cause ?? error);
  }

  /** Fails everything tied to the session that just ended. */
  private failSession(error: BrookError): void {
    if (this.state === 'ready') this.state = 'connecting';
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      this.options.clock.clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.window.disconnect(error);
    const handlers = [...this.subscriptions.values()];
    this.subscriptions.clear();
    for (const handler of handlers) handler.end(error);
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Closes for good: `reason` undefined for a requested close. */
  private finish(reason: BrookError | undefined): void {
    if (this.state === 'closed') return;
    const error = reason ?? new BrookError('CLOSED', `connection to ${this.name} was closed`);
    this.failSession(error);
    this.state = 'closed';
    this.closeReason = reason;
    this.clearPing();
    if (this.reconnectTimer !== undefined) this.options.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const entry of [...this.queued]) entry.fail(error);
    this.queued.clear();
    const transport = this.transport;
    this.transport = undefined;
    this.onClose.emit(reason);
    this.onReady.clear();
    this.onDisconnect.clear();
    if (transport === undefined) {
      this.resolveClosed?.();
      return;
    }
    // close() resolves once the transport has really closed, so callers can tear down cleanly.
    this.closingTransport = transport;
    transport.close();
  }

  private closedError(): BrookError {
    return this.closeReason ?? new BrookError('CLOSED', `connection to ${this.name} was closed`);
  }

  // ---- frames -----------------------------------------------------------------------------------------------------

  private takeCorrelationId(): number {
    let id = this.nextCorrelationId;
    while (this.pending.has(id)) id = id >= MAX_CORRELATION_ID ? 1 : id + 1;
    this.nextCorrelationId = id >= MAX_CORRELATION_ID ? 1 : id + 1;
    return id;
  }

  private sendRequest<K extends RequestOp>(
    op: K,
    body: RequestOf<K>,
    timeoutMs: number,
    resolve: (response: ResponseOf<K>) => void,
    reject: (error: Error) => void,
  ): void {
    const correlationId = this.takeCorrelationId();
    const timer = this.options.clock.setTimeout(() => {
      if (this.pending.delete(correlationId)) {
        reject(
          new BrookError('REQUEST_TIMED_OUT', `${op} to ${this.name} got no response within ${String(timeoutMs)} ms`),
        );
      }
    }, timeoutMs);
    this.pending.set(correlationId, { op, resolve: resolve as (body: unknown) => void, reject, timer });
    this.write(requests[op].code, correlationId, body);
  }

  private write(op: number, correlationId: number, body: unknown): void {
    const transport = this.transport;
    if (transport === undefined) return;
    transport.send(encodeFrame(op, correlationId, body, transport.lengthPrefixed));
    this.lastSentMs = this.options.clock.nowMs();
  }

  private onFrame(bytes: Uint8Array): void {
    let correlationId: number;
    let op: number;
    let body: unknown;
    try {
      const frame = decodeFrame(bytes, this.options.maxIncomingFrameBytes);
      if (frame.version !== PROTOCOL_VERSION) {
        throw new BrookError('UNSUPPORTED_VERSION', `broker sent frame version ${String(frame.version)}`);
      }
      ({ correlationId, op, body } = frame);
    } catch (err: unknown) {
      this.protocolFailure(BrookError.from(err));
      return;
    }
    if (op === ERROR_OP) {
      this.onErrorFrame(correlationId, body);
      return;
    }
    const kind = opKind(op);
    if (kind === undefined) return; // an op from a newer protocol revision: ignore
    try {
      if (kind.kind === 'request') {
        const pending = this.pending.get(correlationId);
        if (pending === undefined || pending.op !== kind.op) return; // timed out, or a stray response
        this.pending.delete(correlationId);
        this.options.clock.clearTimeout(pending.timer);
        try {
          pending.resolve(requests[kind.op].response.parse(body, ''));
        } catch (err: unknown) {
          pending.reject(BrookError.from(err));
        }
      } else if (kind.kind === 'push') {
        this.onPush(kind.op, body);
      }
    } catch (err: unknown) {
      this.protocolFailure(BrookError.from(err));
    }
  }

  private onErrorFrame(correlationId: number, body: unknown): void {
    let error: BrookError;
    try {
      error = BrookError.fromWire(wireError.parse(body, ''));
    } catch (err: unknown) {
      this.protocolFailure(BrookError.from(err));
      return;
    }
    if (correlationId === 0) {
      // A connection-level error: the broker closes the connection next; this becomes the close reason.
      this.connectionError = error;
      return;
    }
    const pending = this.pending.get(correlationId);
    if (pending === undefined) return;
    this.pending.delete(correlationId);
    this.options.clock.clearTimeout(pending.timer);
    pending.reject(error);
  }

  private onPush(op: 'deliver' | 'grant' | 'subscriptionEnd', body: unknown): void {
    switch (op) {
      case 'deliver': {
        const push = pushes.deliver.body.parse(body, '');
        this.subscriptions.get(push.subscriptionId)?.deliver(push);
        return;
      }
      case 'grant': {
        this.window.release(pushes.grant.body.parse(body, '').bytes);
        return;
      }
      case 'subscriptionEnd': {
        const push = pushes.subscriptionEnd.body.parse(body, '');
        const handler = this.subscriptions.get(push.subscriptionId);
        this.subscriptions.delete(push.subscriptionId);
        handler?.end(BrookError.fromWire(push.error));
        return;
      }
    }
  }

  /** The broker sent something this client cannot read: drop the session (and reconnect). */
  private protocolFailure(error: BrookError): void {
    this.connectionError ??= error;
    this.transport?.close();
  }

  private onDrain(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  // ---- idle pings -------------------------------------------------------------------------------------------------

  private schedulePing(): void {
    this.clearPing();
    const idleTimeoutMs = this.hello?.idleTimeoutMs ?? 0;
    if (idleTimeoutMs <= 0) return;
    const intervalMs = Math.max(1, Math.floor(idleTimeoutMs / 3));
    const dueMs = Math.max(1, this.lastSentMs + intervalMs - this.options.clock.nowMs());
    this.pingTimer = this.options.clock.setTimeout(() => {
      this.pingTimer = undefined;
      if (this.state !== 'ready') return;
      if (this.options.clock.nowMs() - this.lastSentMs >= intervalMs) {
        // Errors surface through the session itself; a failed ping needs no handling.
        this.request('ping', {}).catch(() => undefined);
      }
      this.schedulePing();
    }, dueMs);
  }

  private clearPing(): void {
    if (this.pingTimer !== undefined) this.options.clock.clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
