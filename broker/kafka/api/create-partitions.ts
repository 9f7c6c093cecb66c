/** CreatePartitions onto the native createPartitions op, topic by topic; `validateOnly` runs the growth check only. */
import { BrookError } from '../../../protocol/index.js';
import { checkPartitionGrowth } from '../../topics/topic-config.js';
import { KAFKA_ERRORS, NO_ERROR, kafkaError, invalidTopicAs, type KafkaErrorFields } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type {
  CreatePartitionsRequest,
  CreatePartitionsRequestCreatePartitionsTopic,
} from '../messages/create-partitions-request.js';
import type { CreatePartitionsResponse } from '../messages/create-partitions-response.js';

export async function createPartitions(
  ctx: KafkaContext,
  scope: RequestScope,
  request: CreatePartitionsRequest,
): Promise<CreatePartitionsResponse> {
  const results: CreatePartitionsResponse['results'] = [];
  for (const asked of request.topics) {
    results.push({ name: asked.name, ...(await growOne(ctx, scope, asked, request.validateOnly)) });
  }
  return { throttleTimeMs: 0, results };
}

async function growOne(
  ctx: KafkaContext,
  scope: RequestScope,
  asked: CreatePartitionsRequestCreatePartitionsTopic,
  validateOnly: boolean,
): Promise<KafkaErrorFields> {
  if (asked.assignments !== null) {
    return {
      errorCode: KAFKA_ERRORS.INVALID_REPLICA_ASSIGNMENT,
      errorMessage: 'Brook places new partitions itself: ask without assignments',
    };
  }
  try {
    const native = { topics: [{ name: asked.name, count: asked.count }] };
    ctx.core.access.check(scope.principal, 'createPartitions', native);
    if (validateOnly) {
      const record = ctx.topics.get(asked.name);
      if (record === undefined) throw new BrookError('UNKNOWN_TOPIC', `topic '${asked.name}' does not exist`);
      checkPartitionGrowth(asked.name, record.partitions, asked.count);
      return NO_ERROR;
    }
    const answer = await ctx.core.handlers.createPartitions(native);
    return invalidTopicAs(kafkaError(answer.results[0]?.error, 'topic'), 'INVALID_PARTITIONS');
  } catch (err: unknown) {
    return invalidTopicAs(kafkaError(err, 'topic'), 'INVALID_PARTITIONS');
  }
}
