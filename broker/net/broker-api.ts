/**
 * What the network layer needs from the rest of the broker. Sessions speak the protocol (handshake, limits,
 * produce window, subscriptions and credit); everything about topics and logs is behind {@link BrokerCore}.
 */
import type { BrookError, ErrorName, RequestOf, RequestOp, ResponseOf, ScramServer } from '../../protocol/index.js';
import type { StoredBatch } from '../log/batch.js';
import type { ClientQuotas } from '../quota/client-quotas.js';

/** Ops a session answers by calling the core; the handshake, ping, subscribe, unsubscribe and credit are the session's. */
export type CoreOp = Exclude<RequestOp, SessionOp>;

/** Ops the session answers itself. */
type SessionOp = 'hello' | 'authenticate' | 'ping' | 'subscribe' | 'unsubscribe';

/**
 * The core's request handlers. They throw {@link BrookError} for request-level failures. `produce` resolves when the
 * request's acks are satisfied (for acks=0, when the appends are done); the session then re-grants the window.
 */
export type CoreHandlers = { readonly [K in CoreOp]: (request: RequestOf<K>) => Promise<ResponseOf<K>> };

/** A readable view of one partition, for push delivery to subscribers. */
export interface PartitionFeed {
  readonly topic: string;
  readonly partition: number;
  /** First offset still in the log. */
  readonly logStartOffset: number;
  /** End of what consumers may read (exclusive). */
  readonly highWatermark: number;
  /**
   * Whole batches from the one containing `offset`, all below the high watermark, stopping before `maxBytes` of
   * records bytes are exceeded but always at least one batch when `offset` < high watermark; [] when `offset` equals
   * it. Throws BrookError OFFSET_OUT_OF_RANGE when `offset` is below the log start or above the high watermark.
   */
  read(offset: number, maxBytes: number): StoredBatch[];
  /**
   * Calls `listener('data')` after the high watermark advances and `listener('closed')` once if the partition is
   * deleted. Returns a function that removes the listener. Listeners are called outside of `read`.
   */
  watch(listener: (event: 'data' | 'closed') => void): () => void;
}

/** Counters and timings the network layer reports. */
export interface NetMetrics {
  connectionOpened(transport: Transport): void;
  connectionClosed(transport: Transport): void;
  /** One request answered (or failed), with its duration. */
  requestDone(op: string, seconds: number): void;
  /** Push delivery paused for lack of credit, or because the socket's buffer is full. */
  deliveryStalled(reason: 'credit' | 'socket'): void;
  /** Records and bytes pushed to subscribers (counted with fetched records). */
  delivered(topic: string, records: number, bytes: number): void;
  /** A request or connection refused with this error. */
  errorSent(code: ErrorName): void;
  /** A produce request refused because it exceeded the connection's window. */
  produceThrottled(): void;
}

export type Transport = 'tcp' | 'ws';

/** Limits every session enforces. All sizes in bytes, durations in milliseconds. */
export interface SessionLimits {
  /** Largest frame accepted or sent. */
  readonly maxFrameBytes: number;
  /** Largest record batch (its records bytes) accepted in a produce. */
  readonly maxMessageBytes: number;
  /** Produce bytes (sum of batches' records bytes) a connection may have in flight. */
  readonly produceWindowBytes: number;
  /** A connection that has not completed hello by then is closed. */
  readonly handshakeTimeoutMs: number;
  /** A connection that sends nothing for this long is closed (clients ping at a third of it). */
  readonly idleTimeoutMs: number;
  /** Connections past the handshake beyond this: new connections are refused with TOO_MANY_CONNECTIONS. */
  readonly maxConnections: number;
  /**
   * Connections still in their handshake (hello, login) beyond this, in all or from one source address: new ones are
   * refused with TOO_MANY_CONNECTIONS. They do not take the places of `maxConnections`, so strangers that connect and
   * say nothing cannot lock users out.
   */
  readonly maxUnauthenticatedConnections: number;
  readonly maxUnauthenticatedConnectionsPerIp: number;
  /** Push delivery pauses while the socket holds more than this unsent, and resumes on drain. */
  readonly socketBufferBytes: number;
  /** Most records bytes in one deliver frame. */
  readonly deliverMaxBytes: number;
  /** Live subscriptions one connection may hold: a subscribe beyond it is refused with LIMIT_EXCEEDED. */
  readonly maxSubscriptionsPerConnection: number;
}

/** The broker as sessions see it. */
export interface BrokerCore {
  readonly brokerId: number;
  readonly clusterId: string;
  readonly handlers: CoreHandlers;
  readonly metrics: NetMetrics;
  /** The feed of an existing partition; throws BrookError UNKNOWN_TOPIC or UNKNOWN_PARTITION. */
  feed(topic: string, partition: number): PartitionFeed;
  readonly authenticator: Authenticator;
  /** What each principal may do (the ACLs), or everything with `--authorizer none`. */
  readonly access: AccessControl;
  /** Per-client rates: produce and fetch bytes (answers are held back), partition creations (refused). */
  readonly quotas: Pick<ClientQuotas, 'record' | 'check'>;
}

/** Authorization as sessions see it (broker/auth/access-control.ts). */
export interface AccessControl {
  /** Throws BrookError UNAUTHORIZED naming the operation and resource `principal` may not use for this request. */
  check<K extends RequestOp>(principal: string, op: K, request: RequestOf<K>): void;
  /** The answer cut down to what `principal` may describe (metadata's topics, listGroups' groups). */
  visible<K extends RequestOp>(principal: string, op: K, response: ResponseOf<K>): ResponseOf<K>;
}

/** Logins (SCRAM-SHA-256, docs/protocol.md section 4.1) as sessions see them. */
export interface Authenticator {
  /** Whether a connection must authenticate: true once the cluster has a user. */
  readonly required: boolean;
  /** Starts an exchange from the client-first message; throws ProtocolError when it is malformed. */
  start(clientFirst: string): ScramServer;
  /**
   * A login failed: counts it, logs it (peer address and username, never a secret), waits the constant failure delay
   * and resolves with the error to answer.
   */
  refuse(remoteAddress: string, username: string | undefined, reason: string): Promise<BrookError>;
}
