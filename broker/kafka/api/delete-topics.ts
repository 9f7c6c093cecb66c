/** DeleteTopics onto the native deleteTopics op, topic by topic (v6 names topics by name or by id). */
import { KAFKA_ERRORS, kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { DeleteTopicsRequest } from '../messages/delete-topics-request.js';
import type { DeleteTopicsResponse } from '../messages/delete-topics-response.js';
import { ZERO_UUID } from '../../../protocol/kafka-uuid.js';
import { kafkaTopicId } from '../topic-id.js';

export async function deleteTopics(
  ctx: KafkaContext,
  scope: RequestScope,
  request: DeleteTopicsRequest,
  version: number,
): Promise<DeleteTopicsResponse> {
  const byId = new Map(ctx.topics.list().map((t) => [kafkaTopicId(t), t.name]));
  const asked =
    version >= 6
      ? request.topics.map((t) => ({ name: t.name ?? byId.get(t.topicId) ?? null, topicId: t.topicId }))
      : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  const responses: DeleteTopicsResponse['responses'] = [];
  for (const { name, topicId } of asked) {
    if (name === null) {
      responses.push({ name, topicId, errorCode: KAFKA_ERRORS.UNKNOWN_TOPIC_ID, errorMessage: 'no topic has this id' });
      continue;
    }
    const record = ctx.topics.get(name);
    const id = record === undefined ? topicId : kafkaTopicId(record);
    try {
      const request = { names: [name] };
      ctx.core.access.check(scope.principal, 'deleteTopics', request);
      const answer = await ctx.core.handlers.deleteTopics(request);
      responses.push({ name, topicId: id, ...kafkaError(answer.results[0]?.error, 'topic') });
    } catch (err: unknown) {
      responses.push({ name, topicId: id, ...kafkaError(err, 'topic') });
    }
  }
  return { throttleTimeMs: 0, responses };
}
