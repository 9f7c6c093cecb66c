/** A row of {@link ErrorCodes}. */
export interface ErrorSpec {
  /** The number on the wire. */
  readonly code: number;
  /** Whether repeating the same request may succeed. */
  readonly retriable: boolean;
  /** The default message. */
  readonly message: string;
  /** The partition's leader may have moved: refresh metadata before retrying. */
  readonly refreshMetadata?: true;
  /** The group's coordinator may have moved: find it again before retrying. */
  readonly findCoordinator?: true;
}

/**
 * The one table of error codes shared by broker and client. The wire carries the numeric code; both sides
 * rebuild a {@link BrookError} from it, and retry logic asks the error (`retriable`, `refreshMetadata`,
 * `findCoordinator`), never the message text or a list of codes of its own.
 */
export const ErrorCodes = {
  UNKNOWN: { code: 1, retriable: false, message: 'unexpected broker error' },
  INVALID_REQUEST: { code: 2, retriable: false, message: 'malformed frame or request' },
  UNSUPPORTED_VERSION: { code: 3, retriable: false, message: 'unsupported protocol version' },
  UNKNOWN_TOPIC: { code: 4, retriable: false, message: 'topic does not exist', refreshMetadata: true },
  UNKNOWN_PARTITION: { code: 5, retriable: false, message: 'partition does not exist', refreshMetadata: true },
  TOPIC_EXISTS: { code: 6, retriable: false, message: 'topic already exists' },
  INVALID_TOPIC: { code: 7, retriable: false, message: 'invalid topic name, partition count or config' },
  OFFSET_OUT_OF_RANGE: { code: 8, retriable: false, message: 'offset is outside the log' },
  MESSAGE_TOO_LARGE: { code: 9, retriable: false, message: 'record batch larger than maxMessageBytes' },
  FRAME_TOO_LARGE: { code: 10, retriable: false, message: 'frame larger than maxFrameBytes' },
  CORRUPT_BATCH: { code: 11, retriable: true, message: 'record batch checksum mismatch' },
  NOT_LEADER: {
    code: 12,
    retriable: true,
    message: 'this broker does not lead the partition',
    refreshMetadata: true,
    findCoordinator: true,
  },
  NOT_ENOUGH_REPLICAS: { code: 13, retriable: true, message: 'not enough in-sync replicas' },
  THROTTLED: { code: 14, retriable: true, message: 'produce window exceeded' },
  UNAUTHORIZED: { code: 15, retriable: false, message: 'authentication failed' },
  REQUEST_TIMED_OUT: {
    code: 16,
    retriable: true,
    message: 'request timed out',
    refreshMetadata: true,
    findCoordinator: true,
  },
  STORAGE_ERROR: { code: 17, retriable: true, message: 'storage failed (disk full or I/O error)' },
  SHUTTING_DOWN: { code: 18, retriable: true, message: 'broker is shutting down', findCoordinator: true },
  HANDSHAKE_REQUIRED: { code: 19, retriable: false, message: 'hello must be the first request' },
  UNKNOWN_SUBSCRIPTION: { code: 20, retriable: false, message: 'no such subscription on this connection' },
  TOO_MANY_CONNECTIONS: { code: 21, retriable: true, message: 'broker connection limit reached' },
  HANDSHAKE_TIMEOUT: { code: 22, retriable: true, message: 'no hello within the handshake deadline' },
  IDLE_TIMEOUT: { code: 23, retriable: true, message: 'connection idle for too long' },
  // Not retriable as such: a producer resends a batch refused with it only while an earlier batch of the same
  // partition is still unacknowledged (that batch's failure made the gap), as Kafka's producer does.
  OUT_OF_ORDER_SEQUENCE: { code: 24, retriable: false, message: 'batch sequence does not follow the last appended' },
  INVALID_PRODUCER_EPOCH: { code: 25, retriable: false, message: 'producer epoch is older than the current one' },
  NOT_COORDINATOR: {
    code: 26,
    retriable: true,
    message: 'this broker does not coordinate the group',
    findCoordinator: true,
  },
  COORDINATOR_LOAD_IN_PROGRESS: {
    code: 27,
    retriable: true,
    message: 'the coordinator is still loading the group',
    findCoordinator: true,
  },
  UNKNOWN_MEMBER_ID: { code: 28, retriable: false, message: 'the group has no such member: rejoin' },
  FENCED_MEMBER_EPOCH: { code: 29, retriable: false, message: 'the member epoch is not current: rejoin' },
  GROUP_NOT_EMPTY: { code: 30, retriable: false, message: 'the group has members' },
  UNKNOWN_GROUP: { code: 31, retriable: false, message: 'the group does not exist' },
  UNRELEASED_INSTANCE_ID: { code: 32, retriable: false, message: 'the static instance id is in use by a live member' },
  INVALID_REPLICA_ASSIGNMENT: {
    code: 33,
    retriable: false,
    message: 'replicas must be distinct brokers of the cluster',
  },
  INVALID_RECORD: { code: 34, retriable: false, message: "a batch's records do not match its count" },
  UNKNOWN_USER: { code: 35, retriable: false, message: 'the user does not exist' },
  // Kafka's THROTTLING_QUOTA_EXCEEDED: the same request succeeds after the wait the message names.
  QUOTA_EXCEEDED: { code: 36, retriable: true, message: 'a quota is exceeded: retry after the throttle time' },
  LIMIT_EXCEEDED: { code: 37, retriable: false, message: 'a broker limit is reached' },
  /** Kafka's name: more replicas asked for than there are (live) brokers to hold them. */
  INVALID_REPLICATION_FACTOR: {
    code: 38,
    retriable: false,
    message: 'the replication factor exceeds the brokers available',
  },
  UNKNOWN_BROKER: { code: 60, retriable: false, message: 'the cluster has no such broker' },
  /** Its replicas must be moved off first (`brook partition reassign`), or the removal forced. */
  BROKER_HAS_REPLICAS: { code: 61, retriable: false, message: 'the broker still hosts partition replicas' },
  /** The change would leave the metadata voters without a live majority (or without any voter). */
  WOULD_LOSE_QUORUM: { code: 62, retriable: false, message: 'the metadata voters would lose their quorum' },
  UNKNOWN_QUOTA: { code: 63, retriable: false, message: 'no quota is set for the entity' },
  NETWORK_ERROR: {
    code: 100,
    retriable: true,
    message: 'connection lost',
    refreshMetadata: true,
    findCoordinator: true,
  },
  CLOSED: { code: 101, retriable: false, message: 'client was closed' },
} as const satisfies Record<string, ErrorSpec>;

/** The name of an error, e.g. `'NOT_LEADER'`. */
export type ErrorName = keyof typeof ErrorCodes;

const byCode = new Map<number, ErrorName>(
  (Object.keys(ErrorCodes) as ErrorName[]).map((name) => [ErrorCodes[name].code, name]),
);

/** The error body on the wire. */
export interface WireError {
  code: number;
  message: string;
  /** NOT_LEADER: the broker id that leads the partition, when known. */
  leaderId?: number;
}

/** Every error Brook raises on purpose, on either side of the wire. */
export class BrookError extends Error {
  /** Stable name of the error kind, e.g. `'UNKNOWN_TOPIC'`. */
  readonly code: ErrorName;
  /** Whether repeating the same request may succeed. */
  readonly retriable: boolean;
  /** NOT_LEADER: the leader's broker id, when known. */
  readonly leaderId: number | undefined;
  /** The partition's leader may have moved: refresh metadata before retrying. */
  readonly refreshMetadata: boolean;
  /** The group's coordinator may have moved: find it again before retrying. */
  readonly findCoordinator: boolean;

  constructor(code: ErrorName, message?: string, opts: { leaderId?: number; cause?: unknown } = {}) {
    super(message ?? ErrorCodes[code].message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BrookError';
    this.code = code;
    const spec: ErrorSpec = ErrorCodes[code];
    this.retriable = spec.retriable;
    this.refreshMetadata = spec.refreshMetadata === true;
    this.findCoordinator = spec.findCoordinator === true;
    this.leaderId = opts.leaderId;
  }

  /** The wire form of this error. */
  toWire(): WireError {
    const wire: WireError = { code: ErrorCodes[this.code].code, message: this.message };
    if (this.leaderId !== undefined) wire.leaderId = this.leaderId;
    return wire;
  }

  /** `err` if it is a BrookError, else UNKNOWN carrying its message (and the original as `cause`). */
  static from(err: unknown): BrookError {
    if (err instanceof BrookError) return err;
    return new BrookError('UNKNOWN', err instanceof Error ? err.message : String(err), { cause: err });
  }

  /** Rebuilds the error a peer sent; an unknown code becomes UNKNOWN with the code in the message. */
  static fromWire(wire: WireError): BrookError {
    const name = byCode.get(wire.code);
    if (name === undefined) return new BrookError('UNKNOWN', `error code ${String(wire.code)}: ${wire.message}`);
    return wire.leaderId === undefined
      ? new BrookError(name, wire.message)
      : new BrookError(name, wire.message, { leaderId: wire.leaderId });
  }
}

/** A malformed frame or request body: the only error the frame decoder throws. */
export class ProtocolError extends BrookError {
  constructor(message: string) {
    super('INVALID_REQUEST', message);
    this.name = 'ProtocolError';
  }
}
