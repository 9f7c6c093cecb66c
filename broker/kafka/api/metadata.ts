/**
 * Metadata: brokers (their Kafka listeners), the controller, and topics with partition leaders and replicas, from
 * the native metadata op (so leadership and liveness are decided in one place) and the topic records (topic ids).
 * Topics asked for by name that do not exist are created when `--auto-create-topics` and the client allow it.
 */
import type { ResponseOf } from '../../../protocol/index.js';
import { isInternalTopic } from '../../topics/topic-config.js';
import { KAFKA_ERRORS, kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { MetadataRequest } from '../messages/metadata-request.js';
import type { MetadataResponse, MetadataResponseMetadataResponseTopic } from '../messages/metadata-response.js';
import { ZERO_UUID } from '../../../protocol/kafka-uuid.js';
import { kafkaTopicId } from '../topic-id.js';
import { createTopicsAs } from './create-topics.js';

/** Kafka's "not requested" value of the authorized-operations bitfields. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** Brook does not report Raft terms as leader epochs (yet): -1 tells clients to skip epoch fencing. */
const UNKNOWN_LEADER_EPOCH = -1;

/** Partitions and replication of topics Metadata creates, as Kafka's defaults (num.partitions, default.replication.factor). */
const AUTO_CREATED = { partitions: 1, replicationFactor: 1 } as const;

type NativeTopic = ResponseOf<'metadata'>['topics'][number];

export async function metadata(
  ctx: KafkaContext,
  scope: RequestScope,
  request: MetadataRequest,
  version: number,
): Promise<MetadataResponse> {
  // v0 asks for every topic with an empty list; v1+ with null (an empty list asks for none).
  const all = request.topics === null || (version === 0 && request.topics.length === 0);
  const names = all ? undefined : requestedNames(ctx, request);
  const allowAutoCreate = version < 4 || request.allowAutoTopicCreation;
  if (names !== undefined && ctx.autoCreateTopics && allowAutoCreate) await autoCreate(ctx, scope, names);
  const native = ctx.core.access.visible(
    scope.principal,
    'metadata',
    await ctx.core.handlers.metadata(names === undefined ? {} : { topics: names.filter((n) => n !== null) }),
  );
  const visible = new Map(native.topics.map((t) => [t.name, t]));
  const topics =
    names === undefined
      ? native.topics.map((t) => describeTopic(ctx, t))
      : names.map((name) => {
          if (name === null) return unknownTopicId();
          const topic = visible.get(name);
          return topic === undefined ? refusedTopic(name) : describeTopic(ctx, topic);
        });
  return {
    throttleTimeMs: 0,
    brokers: ctx.brokers().map((b) => ({ ...b, rack: null })),
    clusterId: native.clusterId,
    controllerId: native.controllerId,
    topics,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/** The names asked for; a topic asked for by an id no topic has is null (v10+ ask by id). */
function requestedNames(ctx: KafkaContext, request: MetadataRequest): (string | null)[] {
  const byId = new Map(ctx.topics.list().map((t) => [kafkaTopicId(t), t.name]));
  return [...new Set((request.topics ?? []).map((t) => t.name ?? byId.get(t.topicId) ?? null))];
}

/** Creates the named topics that do not exist (those the principal may create; the rest are answered as unknown). */
async function autoCreate(ctx: KafkaContext, scope: RequestScope, names: readonly (string | null)[]): Promise<void> {
  const missing = names.filter((n): n is string => n !== null && ctx.topics.get(n) === undefined);
  if (missing.length === 0) return;
  await createTopicsAs(
    ctx,
    scope,
    missing.map((name) => ({ name, ...AUTO_CREATED, config: {} })),
  );
}

function describeTopic(ctx: KafkaContext, topic: NativeTopic): MetadataResponseMetadataResponseTopic {
  const record = ctx.topics.get(topic.name);
  return {
    errorCode: kafkaError(topic.error, 'topic').errorCode,
    name: topic.name,
    topicId: record === undefined ? ZERO_UUID : kafkaTopicId(record),
    isInternal: isInternalTopic(topic.name),
    partitions: topic.partitions.map((p) => ({
      errorCode: p.leader < 0 ? KAFKA_ERRORS.LEADER_NOT_AVAILABLE : KAFKA_ERRORS.NONE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: UNKNOWN_LEADER_EPOCH,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: p.replicas.filter((id) => !p.isr.includes(id)),
    })),
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/** A topic the principal may not describe: Kafka answers TOPIC_AUTHORIZATION_FAILED, whether or not it exists. */
function refusedTopic(name: string): MetadataResponseMetadataResponseTopic {
  return { ...emptyTopic(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED), name };
}

function unknownTopicId(): MetadataResponseMetadataResponseTopic {
  return { ...emptyTopic(KAFKA_ERRORS.UNKNOWN_TOPIC_ID), name: null };
}

function emptyTopic(errorCode: number): MetadataResponseMetadataResponseTopic {
  return {
    errorCode,
    name: null,
    topicId: ZERO_UUID,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}
