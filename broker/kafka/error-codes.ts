/**
 * Kafka's error codes (org.apache.kafka.common.protocol.Errors) that the Kafka listener answers with, and the one
 * mapping from Brook's errors onto them.
 */
import { BrookError, type ErrorName, type WireError } from '../../protocol/index.js';

/** Kafka's error codes by Kafka's name (only those Brook answers with). */
export const KAFKA_ERRORS = {
  NONE: 0,
  UNKNOWN_SERVER_ERROR: -1,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  NOT_ENOUGH_REPLICAS: 19,
  UNKNOWN_MEMBER_ID: 25,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  KAFKA_STORAGE_ERROR: 56,
  SASL_AUTHENTICATION_FAILED: 58,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FENCED_INSTANCE_ID: 82,
  INVALID_RECORD: 87,
  THROTTLING_QUOTA_EXCEEDED: 89,
  UNKNOWN_TOPIC_ID: 100,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
} as const;

/** A Kafka error name. */
export type KafkaErrorName = keyof typeof KAFKA_ERRORS;

/**
 * Brook's error -> Kafka's. UNAUTHORIZED is left out: which *_AUTHORIZATION_FAILED it becomes depends on the resource
 * the API was refused on (see {@link kafkaErrorCode}).
 */
const FROM_BROOK: { readonly [K in Exclude<ErrorName, 'UNAUTHORIZED'>]: KafkaErrorName } = {
  UNKNOWN: 'UNKNOWN_SERVER_ERROR',
  INVALID_REQUEST: 'INVALID_REQUEST',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  UNKNOWN_TOPIC: 'UNKNOWN_TOPIC_OR_PARTITION',
  UNKNOWN_PARTITION: 'UNKNOWN_TOPIC_OR_PARTITION',
  TOPIC_EXISTS: 'TOPIC_ALREADY_EXISTS',
  INVALID_TOPIC: 'INVALID_TOPIC_EXCEPTION',
  OFFSET_OUT_OF_RANGE: 'OFFSET_OUT_OF_RANGE',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  FRAME_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  CORRUPT_BATCH: 'CORRUPT_MESSAGE',
  NOT_LEADER: 'NOT_LEADER_OR_FOLLOWER',
  NOT_ENOUGH_REPLICAS: 'NOT_ENOUGH_REPLICAS',
  THROTTLED: 'THROTTLING_QUOTA_EXCEEDED',
  REQUEST_TIMED_OUT: 'REQUEST_TIMED_OUT',
  STORAGE_ERROR: 'KAFKA_STORAGE_ERROR',
  SHUTTING_DOWN: 'LEADER_NOT_AVAILABLE',
  HANDSHAKE_REQUIRED: 'ILLEGAL_SASL_STATE',
  UNKNOWN_SUBSCRIPTION: 'INVALID_REQUEST',
  TOO_MANY_CONNECTIONS: 'NETWORK_EXCEPTION',
  HANDSHAKE_TIMEOUT: 'NETWORK_EXCEPTION',
  IDLE_TIMEOUT: 'NETWORK_EXCEPTION',
  OUT_OF_ORDER_SEQUENCE: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
  INVALID_PRODUCER_EPOCH: 'INVALID_PRODUCER_EPOCH',
  NOT_COORDINATOR: 'NOT_COORDINATOR',
  COORDINATOR_LOAD_IN_PROGRESS: 'COORDINATOR_LOAD_IN_PROGRESS',
  UNKNOWN_MEMBER_ID: 'UNKNOWN_MEMBER_ID',
  FENCED_MEMBER_EPOCH: 'FENCED_MEMBER_EPOCH',
  GROUP_NOT_EMPTY: 'NON_EMPTY_GROUP',
  UNKNOWN_GROUP: 'GROUP_ID_NOT_FOUND',
  UNRELEASED_INSTANCE_ID: 'UNRELEASED_INSTANCE_ID',
  INVALID_REPLICA_ASSIGNMENT: 'INVALID_REPLICA_ASSIGNMENT',
  INVALID_RECORD: 'INVALID_RECORD',
  UNKNOWN_USER: 'SASL_AUTHENTICATION_FAILED',
  QUOTA_EXCEEDED: 'THROTTLING_QUOTA_EXCEEDED',
  LIMIT_EXCEEDED: 'INVALID_REQUEST',
  INVALID_REPLICATION_FACTOR: 'INVALID_REPLICATION_FACTOR',
  NETWORK_ERROR: 'NETWORK_EXCEPTION',
  CLOSED: 'NETWORK_EXCEPTION',
  // Answers of Brook's own cluster and quota ops, which no Kafka API reaches; mapped for completeness.
  UNKNOWN_BROKER: 'INVALID_REQUEST',
  BROKER_HAS_REPLICAS: 'INVALID_REQUEST',
  WOULD_LOSE_QUORUM: 'INVALID_REQUEST',
  UNKNOWN_QUOTA: 'INVALID_REQUEST',
};

/** The *_AUTHORIZATION_FAILED code that refusals on this kind of resource get. */
export type RefusedOn = 'topic' | 'group' | 'cluster';

const AUTHORIZATION_FAILED: { readonly [K in RefusedOn]: KafkaErrorName } = {
  topic: 'TOPIC_AUTHORIZATION_FAILED',
  group: 'GROUP_AUTHORIZATION_FAILED',
  cluster: 'CLUSTER_AUTHORIZATION_FAILED',
};

/**
 * Kafka's code for what a handler threw: a BrookError by its name (UNAUTHORIZED as the authorization failure on
 * `refusedOn`), anything else UNKNOWN_SERVER_ERROR (the listener logs it as a bug).
 */
export function kafkaErrorCode(err: unknown, refusedOn: RefusedOn): number {
  if (!(err instanceof BrookError)) return KAFKA_ERRORS.UNKNOWN_SERVER_ERROR;
  const name = err.code === 'UNAUTHORIZED' ? AUTHORIZATION_FAILED[refusedOn] : FROM_BROOK[err.code];
  return KAFKA_ERRORS[name];
}

/** The message to send next to a code where the API has a field for it (null for success). */
export function kafkaErrorMessage(err: unknown): string {
  return err instanceof BrookError ? err.message : 'unexpected broker error';
}

/** A result's error fields: Kafka's code and the message, or none. */
export interface KafkaErrorFields {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** No error. */
export const NO_ERROR: KafkaErrorFields = Object.freeze({ errorCode: KAFKA_ERRORS.NONE, errorMessage: null });

/** The error fields of what was thrown (or of a native result's wire error); {@link NO_ERROR} for undefined. */
export function kafkaError(err: unknown, refusedOn: RefusedOn): KafkaErrorFields {
  if (err === undefined) return NO_ERROR;
  const error = isWireError(err) ? BrookError.fromWire(err) : err;
  return { errorCode: kafkaErrorCode(error, refusedOn), errorMessage: kafkaErrorMessage(error) };
}

function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Error) &&
    typeof (value as { code?: unknown }).code === 'number'
  );
}

/**
 * Brook answers INVALID_TOPIC for every bad topic shape, where Kafka names the part that is wrong: `as`
 * (INVALID_CONFIG for configs, INVALID_PARTITIONS for partition counts).
 */
export function invalidTopicAs(fields: KafkaErrorFields, as: KafkaErrorName): KafkaErrorFields {
  return fields.errorCode === KAFKA_ERRORS.INVALID_TOPIC_EXCEPTION
    ? { ...fields, errorCode: KAFKA_ERRORS[as] }
    : fields;
}
