/** createTopics and deleteTopics: the registry first, then the partition replicas on this broker. */
import type { RequestOf, ResponseOf } from '../protocol/index.js';
import type { HandlerContext } from './context.js';
import { refuseWhenStopping, reportedError } from './errors.js';

type TopicResult = ResponseOf<'createTopics'>['results'][number];

export function createTopicsHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'createTopics'>): Promise<ResponseOf<'createTopics'>> => {
    refuseWhenStopping(ctx);
    const results: TopicResult[] = [];
    for (const spec of request.topics) {
      try {
        const record = ctx.topics.create(spec, ctx.nowMs());
        try {
          await ctx.partitions.createTopic(record);
        } catch (err) {
          // Without its replicas the topic would be unusable: take it back out of the registry.
          ctx.topics.delete(record.name);
          throw err;
        }
        ctx.logger.info({ topic: record.name, partitions: record.partitions, config: record.config }, 'topic created');
        results.push({ name: spec.name });
      } catch (err) {
        results.push({ name: spec.name, error: reportedError(ctx, err, 'createTopics') });
      }
    }
    return { results };
  };
}

export function deleteTopicsHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'deleteTopics'>): Promise<ResponseOf<'deleteTopics'>> => {
    refuseWhenStopping(ctx);
    const results: TopicResult[] = [];
    for (const name of request.names) {
      try {
        ctx.topics.delete(name);
        await ctx.partitions.deleteTopic(name);
        ctx.metrics.topicDeleted(name);
        ctx.logger.info({ topic: name }, 'topic deleted');
        results.push({ name });
      } catch (err) {
        results.push({ name, error: reportedError(ctx, err, 'deleteTopics') });
      }
    }
    return { results };
  };
}
