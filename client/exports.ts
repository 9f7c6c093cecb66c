/**
 * Everything the Node and browser entry points export alike (they differ only in the transports their Producer,
 * Consumer and Admin classes use).
 */
export {
  ACL_OPERATIONS,
  BrookError,
  CLUSTER_RESOURCE,
  ErrorCodes,
  PRINCIPAL,
  type AclBinding,
  type AclFilter,
  type AclOperation,
  type AssignorName,
  type ErrorName,
  type QuotaEntity,
  type QuotaOverride,
  type RecordHeader,
  type ResourceType,
} from '../protocol/index.js';
export type {
  AdminCore,
  ClusterDescription,
  CreateTopicOptions,
  NewTopic,
  NewTopicOptions,
  OffsetQuery,
  PartitionOffset,
  PartitionReassignment,
  TopicConfigChange,
  TopicDescription,
  TopicResult,
} from './admin.js';
export type {
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupPartitionDescription,
  OffsetResetTarget,
  ResetOffsetsOptions,
} from './admin-groups.js';
export type { RemovalMove, RemoveBrokerOptions } from './admin-brokers.js';
export type { QuotaRates } from './admin-quotas.js';
export type { UserListing } from './admin-users.js';
export type { BackoffOptions } from './backoff.js';
export { systemClock, systemRandom, type Clock, type Random, type TimerHandle } from './clock.js';
export type { PartitionMetadata, TopicMetadata } from './cluster.js';
export {
  codecs,
  jsonCodec,
  msgpackCodec,
  rawCodec,
  stringCodec,
  type Codec,
  type MsgpackCodecOptions,
} from './codecs.js';
export type { AssignOptions, BatchesOptions, CommitOptions, ConsumerCore } from './consumer/consumer.js';
export type { GroupOptions, RevokeInfo } from './consumer/group-options.js';
export { DecodeError } from './consumer/decode-error.js';
export type { ConsumerOptions, DecodeErrorPolicy, OffsetReset, StartPosition } from './consumer/options.js';
export type { ConsumerRecord, TopicPartition } from './consumer/partition-stream.js';
export {
  brokerEndpoint,
  endpointName,
  parseBootstrap,
  parseEndpoint,
  type Endpoint,
  type TcpEndpoint,
  type WebSocketEndpoint,
} from './endpoint.js';
export { murmur2, partitionForKey, toPositive } from '../protocol/murmur2.js';
export type { ClientOptions, Platform } from './options.js';
export type { ClientTlsOptions, Pem } from './tls-options.js';
export type { PartitionerFunction, PartitionerInput, PartitionerStrategy } from './partitioner.js';
export { NoLeaderError } from './producer/no-leader-error.js';
export type { ProducerOptions } from './producer/options.js';
export type { ProducerCore, ProducerHeaders, ProducerRecord } from './producer/producer.js';
export type { RecordMetadata } from './producer/sender.js';
export { memoryTransportFactory, type MemoryServerEnd } from './transport/memory.js';
export type { Transport, TransportFactory, TransportHandlers, TransportOptions } from './transport/transport.js';
export { webSocketTransport, type WebSocketConstructor, type WebSocketLike } from './transport/websocket.js';
