/**
 * One logical connection to a broker: opens a transport, performs the hello handshake, correlates requests and
 * responses, dispatches pushes (deliver, grant, subscriptionEnd), pings when idle, and reconnects with exponential
 * backoff when the transport drops. Requests in flight when it drops fail with a retriable NETWORK_ERROR; owners of
 * subscriptions learn through their handler and re-subscribe once {@link Connection.onReady} fires again.
 *
 * The parts live beside it: connection-requests (waiting and in-flight requests), connection-frames (reading what
 * the broker sends), connection-subscriptions, connection-reconnect and connection-ping.
 */
import { ScramLogin } from './connection-scram.js';
import {
  BrookError,
  PROTOCOL_VERSION,
  encodeFrame,
  notices,
  requests,
  type NoticeOf,
  type NoticeOp,
  type RequestOf,
  type RequestOp,
  type ResponseOf,
} from '../protocol/index.js';
import { readFrame, type IncomingPush } from './connection-frames.js';
import { IdlePinger } from './connection-ping.js';
import { Reconnector } from './connection-reconnect.js';
import { InFlightRequests, SessionWaiters } from './connection-requests.js';
import { Subscriptions, type SubscriptionHandler } from './connection-subscriptions.js';
import { endpointName, type Endpoint } from './endpoint.js';
import { Listeners } from './listeners.js';
import type { ResolvedClientOptions } from './options.js';
import { ProduceWindow } from './produce-window.js';
import type { Transport } from './transport/transport.js';

export type { SubscriptionHandler } from './connection-subscriptions.js';

/** What the broker said about itself in hello. */
export type BrokerHello = ResponseOf<'hello'>;

/** Options for one request. */
export interface RequestOptions {
  /** Overrides the client's requestTimeoutMs for this request, in ms. */
  readonly timeoutMs?: number;
}

type ConnectionState = 'idle' | 'connecting' | 'ready' | 'closed';

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
  private readonly reconnect: Reconnector;
  private readonly inFlight: InFlightRequests;
  private readonly waiting: SessionWaiters;
  private readonly subscriptions = new Subscriptions();
  private readonly pinger: IdlePinger;
  private readonly drainWaiters: (() => void)[] = [];
  private connectionError: BrookError | undefined;
  private closeReason: BrookError | undefined;
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private closingTransport: Transport | undefined;

  /**
   * @param endpoints where to connect; reconnects rotate through them (a bootstrap list) or retry the one broker.
   * @param options the client's resolved options.
   */
  /**
   * @param failFast when the broker cannot be reached, fail the requests waiting for a session at once with a
   *   retriable NETWORK_ERROR instead of holding them until their timeout: for connections to one broker of a
   *   cluster, whose callers re-route (the partition's leader may have moved) and retry.
   */
  constructor(
    endpoints: readonly Endpoint[],
    private readonly options: ResolvedClientOptions,
    private readonly failFast = false,
  ) {
    this.reconnect = new Reconnector(endpoints, options);
    this.inFlight = new InFlightRequests(options.clock, () => this.name);
    this.waiting = new SessionWaiters(options.clock);
    this.pinger = new IdlePinger(options.clock, {
      isReady: () => this.state === 'ready',
      // Errors surface through the session itself; a failed ping needs no handling.
      ping: () => void this.request('ping', {}).catch(() => undefined),
    });
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
    return endpointName(this.reconnect.endpoint);
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
    this.waiting.add(timeoutMs, go, reject, () => {
      const lastError = this.reconnect.lastError;
      const why = lastError === undefined ? '' : `: ${lastError.message}`;
      return new BrookError(
        'REQUEST_TIMED_OUT',
        `${what}: no connection to ${this.name} within ${String(timeoutMs)} ms${why}`,
      );
    });
  }

  /**
   * Sends a request whose response will not come (produce with acks 0). Returns false, sending nothing, when no
   * session is established.
   */
  sendWithoutResponse<K extends RequestOp>(op: K, body: RequestOf<K>): boolean {
    if (this.state !== 'ready') return false;
    this.write(requests[op].code, this.inFlight.takeCorrelationId(), body);
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
    return this.subscriptions.add(handler);
  }

  /** Forgets a subscription handler (after unsubscribe, or when its subscribe failed). */
  removeSubscription(id: number): void {
    this.subscriptions.remove(id);
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

  private async establish(): Promise<void> {
    const endpoint = this.reconnect.endpoint;
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
    let response: BrokerHello;
    try {
      response = await this.handshake();
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
    this.reconnect.succeeded();
    this.state = 'ready';
    this.window.reset(response.produceWindowBytes);
    this.pinger.start(response.idleTimeoutMs);
    this.waiting.release();
    this.onReady.emit(response, reconnected);
  }

  /** hello, then with credentials the SCRAM exchange; resolves with hello's answer once the session may be used. */
  private async handshake(): Promise<BrokerHello> {
    const { username, password, connectTimeoutMs } = this.options;
    const send = <K extends 'hello' | 'authenticate'>(op: K, body: RequestOf<K>): Promise<ResponseOf<K>> =>
      new Promise<ResponseOf<K>>((resolve, reject) => {
        this.sendRequest(op, body, connectTimeoutMs, resolve, reject);
      });
    const hello: RequestOf<'hello'> = { protocolVersion: PROTOCOL_VERSION, clientId: this.options.clientId };
    if (username === undefined || password === undefined) return send('hello', hello);
    const login = new ScramLogin(username, password);
    const response = await send('hello', { ...hello, sasl: login.helloSasl() });
    login.verify(await send('authenticate', await login.authenticateRequest(response)));
    return response;
  }

  private attemptFailed(error: Error): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    if (this.failFast) {
      this.waiting.failAll(
        new BrookError('NETWORK_ERROR', `cannot reach ${this.name}: ${error.message}`, { cause: error }),
      );
    }
    const giveUp = this.reconnect.failed(error, () => {
      if (this.state !== 'closed') void this.establish();
    });
    if (giveUp !== undefined) this.finish(giveUp);
  }

  private onTransportClosed(transportError: Error | undefined): void {
    this.transport = undefined;
    this.pinger.stop();
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
    this.inFlight.failAll(error);
    this.window.disconnect(error);
    this.subscriptions.endAll(error);
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Closes for good: `reason` undefined for a requested close. */
  private finish(reason: BrookError | undefined): void {
    if (this.state === 'closed') return;
    const error = reason ?? new BrookError('CLOSED', `connection to ${this.name} was closed`);
    this.failSession(error);
    this.state = 'closed';
    this.closeReason = reason;
    this.pinger.stop();
    this.reconnect.cancel();
    this.waiting.failAll(error);
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

  private sendRequest<K extends RequestOp>(
    op: K,
    body: RequestOf<K>,
    timeoutMs: number,
    resolve: (response: ResponseOf<K>) => void,
    reject: (error: Error) => void,
  ): void {
    const correlationId = this.inFlight.add(op, timeoutMs, resolve, reject);
    this.write(requests[op].code, correlationId, body);
  }

  private write(op: number, correlationId: number, body: unknown): void {
    const transport = this.transport;
    if (transport === undefined) return;
    transport.send(encodeFrame(op, correlationId, body, transport.lengthPrefixed));
    this.pinger.noteSent();
  }

  private onFrame(bytes: Uint8Array): void {
    const frame = readFrame(bytes, this.options.maxIncomingFrameBytes);
    switch (frame.kind) {
      case 'unreadable':
        this.protocolFailure(frame.error);
        return;
      case 'ignored':
        return;
      case 'error':
        if (frame.correlationId === 0) {
          // A connection-level error: the broker closes the connection next; this becomes the close reason.
          this.connectionError = frame.error;
        } else {
          this.inFlight.reject(frame.correlationId, frame.error);
        }
        return;
      case 'response':
      case 'push':
        // Applying it may throw (a subscription handler, the window): treated like an unreadable frame.
        try {
          if (frame.kind === 'response') this.inFlight.resolve(frame.correlationId, frame.op, frame.body);
          else this.onPush(frame.push);
        } catch (err: unknown) {
          this.protocolFailure(BrookError.from(err));
        }
        return;
    }
  }

  private onPush(push: IncomingPush): void {
    switch (push.op) {
      case 'deliver':
        this.subscriptions.deliver(push.body);
        return;
      case 'grant':
        this.window.release(push.body.bytes);
        return;
      case 'subscriptionEnd':
        this.subscriptions.end(push.body);
        return;
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
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
