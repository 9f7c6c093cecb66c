/**
 * CreateTopics onto the native createTopics op, one topic at a time so that each gets its own answer (Kafka
 * authorizes and fails topics one by one). `validateOnly` runs the same checks the controller runs, without creating.
 */
import { BrookError, type RequestOf } from '../../../protocol/index.js';
import { chargePartitionCreations } from '../../net/session-quotas.js';
import { checkTopicConfig, checkTopicSpec, type TopicSpec } from '../../topics/topic-config.js';
import { KAFKA_ERRORS, NO_ERROR, kafkaError, type KafkaErrorFields } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { CreateTopicsRequest, CreateTopicsRequestCreatableTopic } from '../messages/create-topics-request.js';
import type { CreateTopicsResponse } from '../messages/create-topics-response.js';
import { ZERO_UUID } from '../../../protocol/kafka-uuid.js';
import { kafkaTopicId } from '../topic-id.js';

/** What -1 (the broker's default) means for partitions and replication factor: Kafka's own defaults. */
const DEFAULT_PARTITIONS = 1;
const DEFAULT_REPLICATION_FACTOR = 1;

export async function createTopics(
  ctx: KafkaContext,
  scope: RequestScope,
  request: CreateTopicsRequest,
): Promise<CreateTopicsResponse> {
  const topics: CreateTopicsResponse['topics'] = [];
  for (const asked of request.topics) {
    const outcome = await createOne(ctx, scope, asked, request.validateOnly);
    const record = ctx.topics.get(asked.name);
    const created = outcome.errorCode === KAFKA_ERRORS.NONE;
    topics.push({
      name: asked.name,
      topicId: created && record !== undefined ? kafkaTopicId(record) : ZERO_UUID,
      ...outcome,
      topicConfigErrorCode: KAFKA_ERRORS.NONE,
      numPartitions: created ? (record?.partitions ?? asked.numPartitions) : -1,
      replicationFactor: created ? (record?.replicationFactor ?? asked.replicationFactor) : -1,
      configs: null,
    });
  }
  return { throttleTimeMs: 0, topics };
}

/**
 * Creates topics as the principal may, charging the partition-creation quota as the native session does; the
 * error fields of each, in order. Metadata's auto-creation goes through here too.
 */
export async function createTopicsAs(
  ctx: KafkaContext,
  scope: RequestScope,
  specs: readonly TopicSpec[],
): Promise<KafkaErrorFields[]> {
  const results: KafkaErrorFields[] = [];
  for (const spec of specs) {
    try {
      const request: RequestOf<'createTopics'> = { topics: [spec] };
      ctx.core.access.check(scope.principal, 'createTopics', request);
      chargePartitionCreations({ core: ctx.core, clock: ctx.clock, quotaEntity: () => scope }, request);
      const answer = await ctx.core.handlers.createTopics(request);
      results.push(kafkaError(answer.results[0]?.error, 'topic'));
    } catch (err: unknown) {
      results.push(kafkaError(err, 'topic'));
    }
  }
  return results;
}

async function createOne(
  ctx: KafkaContext,
  scope: RequestScope,
  asked: CreateTopicsRequestCreatableTopic,
  validateOnly: boolean,
): Promise<KafkaErrorFields> {
  if (asked.assignments.length > 0) {
    return {
      errorCode: KAFKA_ERRORS.INVALID_REPLICA_ASSIGNMENT,
      errorMessage: 'Brook places replicas itself: create without assignments, then move them with a reassignment',
    };
  }
  const config: Record<string, string> = {};
  for (const c of asked.configs) if (c.value !== null) config[c.name] = c.value;
  try {
    checkTopicConfig(config);
  } catch (err: unknown) {
    return { errorCode: KAFKA_ERRORS.INVALID_CONFIG, errorMessage: kafkaError(err, 'topic').errorMessage };
  }
  const spec: TopicSpec = {
    name: asked.name,
    partitions: asked.numPartitions === -1 ? DEFAULT_PARTITIONS : asked.numPartitions,
    replicationFactor: asked.replicationFactor === -1 ? DEFAULT_REPLICATION_FACTOR : asked.replicationFactor,
    config,
  };
  if (!validateOnly) return (await createTopicsAs(ctx, scope, [spec]))[0] ?? NO_ERROR;
  try {
    ctx.core.access.check(scope.principal, 'createTopics', { topics: [spec] });
    checkTopicSpec(spec, ctx.topics.brokerIds.length);
    if (ctx.topics.get(spec.name) !== undefined) {
      throw new BrookError('TOPIC_EXISTS', `topic '${spec.name}' already exists`);
    }
    return NO_ERROR;
  } catch (err: unknown) {
    return kafkaError(err, 'topic');
  }
}
