/** createTopics, deleteTopics, alterTopicConfigs, createPartitions and reassignPartitions, through the controller (this broker alone, or the cluster's metadata group). */
import type { Controller } from '../cluster/controller.js';
import type { TopicSpec } from '../topics/topic-config.js';
import { isInternalTopic } from '../topics/topic-config.js';
import { OFFSETS_TOPIC } from '../groups/offsets-topic.js';
import { BrookError, type RequestOf, type RequestOp, type ResponseOf } from '../../protocol/index.js';
import type { HandlerContext } from './context.js';
import { refuseWhenStopping, reportedError } from './errors.js';

type TopicResult = ResponseOf<'createTopics'>['results'][number];

/**
 * Topic changes are made by the controller only: anywhere else the whole request is refused with NOT_LEADER naming
 * the controller, which clients retry there (as Kafka's NOT_CONTROLLER).
 */
export function requireController(ctx: HandlerContext): Controller {
  const controller = ctx.controller();
  const id = controller.controllerId();
  if (id === ctx.brokerId) return controller;
  const message = `broker ${String(ctx.brokerId)} is not the controller`;
  throw id < 0
    ? new BrookError('NOT_LEADER', `${message} (none elected yet)`)
    : new BrookError('NOT_LEADER', message, { leaderId: id });
}

export function createTopicsHandler(ctx: HandlerContext) {
  // Partitions of creations under way: concurrent requests must not both take the last places under the limit.
  let creatingPartitions = 0;
  return async (request: RequestOf<'createTopics'>): Promise<ResponseOf<'createTopics'>> => {
    refuseWhenStopping(ctx);
    const controller = requireController(ctx);
    const results: TopicResult[] = [];
    for (const asked of request.topics) {
      try {
        const spec = internalSpec(ctx, asked);
        if (!isInternalTopic(spec.name)) checkPartitionLimit(ctx, spec.partitions + creatingPartitions);
        creatingPartitions += spec.partitions;
        const record = await controller.createTopic(spec, ctx.nowMs()).finally(() => {
          creatingPartitions -= spec.partitions;
        });
        ctx.logger.info({ topic: record.name, partitions: record.partitions, config: record.config }, 'topic created');
        results.push({ name: asked.name });
      } catch (err) {
        results.push({ name: asked.name, error: reportedError(ctx, err, 'createTopics') });
      }
    }
    return { results };
  };
}

export function deleteTopicsHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'deleteTopics'>): Promise<ResponseOf<'deleteTopics'>> => ({
    results: await eachTopic(ctx, 'deleteTopics', request.names, async (controller, name) => {
      refuseInternal(name);
      await controller.deleteTopic(name);
      ctx.metrics.topicDeleted(name);
      ctx.logger.info({ topic: name }, 'topic deleted');
    }),
  });
}

/** Internal topics keep the config and partition count the broker gives them (`__offsets`' count places groups). */
export function alterTopicConfigsHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'alterTopicConfigs'>): Promise<ResponseOf<'alterTopicConfigs'>> => ({
    results: await eachTopic(ctx, 'alterTopicConfigs', request.topics, async (controller, asked) => {
      refuseInternal(asked.name);
      const record = await controller.alterTopicConfig(asked.name, asked);
      ctx.logger.info({ topic: asked.name, config: record.config }, 'topic config changed');
    }),
  });
}

export function createPartitionsHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'createPartitions'>): Promise<ResponseOf<'createPartitions'>> => ({
    results: await eachTopic(ctx, 'createPartitions', request.topics, async (controller, asked) => {
      refuseInternal(asked.name);
      const record = await controller.createPartitions(asked.name, asked.count);
      ctx.logger.info({ topic: record.name, partitions: record.partitions }, 'partitions added');
    }),
  });
}

export function reassignPartitionsHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'reassignPartitions'>): Promise<ResponseOf<'reassignPartitions'>> => {
    refuseWhenStopping(ctx);
    const moves = await requireController(ctx).reassign(request.partitions, request.rebalance === true);
    for (const move of moves) ctx.logger.info(move, 'partition reassignment started');
    return { partitions: moves.map((m) => ({ topic: m.topic, partition: m.partition, replicas: [...m.replicas] })) };
  };
}

/**
 * Throws LIMIT_EXCEEDED if the cluster cannot take `more` partitions under `--max-partitions`. Internal topics are
 * not checked (groups need `__offsets` whatever users made) but count like any other.
 */
export function checkPartitionLimit(ctx: HandlerContext, more: number): void {
  let held = 0;
  for (const topic of ctx.topics.list()) held += topic.partitions;
  if (held + more > ctx.maxPartitions) {
    throw new BrookError(
      'LIMIT_EXCEEDED',
      `the cluster holds ${String(held)} partitions: ${String(more)} more would pass --max-partitions ${String(ctx.maxPartitions)}`,
    );
  }
}

/**
 * `__offsets` is created only with the broker's own spec (a broker that is not the controller asks for it on the
 * first group request); other `__` names are reserved for internal topics.
 */
function internalSpec(ctx: HandlerContext, spec: TopicSpec): TopicSpec {
  if (spec.name === OFFSETS_TOPIC) return ctx.groups.internalTopicSpec();
  if (isInternalTopic(spec.name)) {
    throw new BrookError('INVALID_TOPIC', `topic names starting with '__' are reserved for internal topics`);
  }
  return spec;
}

/**
 * Runs `change` for each topic of a request, one after another, at the controller (the whole request is refused with
 * NOT_LEADER elsewhere): a result per topic, with the error of those that failed.
 */
async function eachTopic<T extends string | { readonly name: string }>(
  ctx: HandlerContext,
  op: RequestOp,
  topics: readonly T[],
  change: (controller: Controller, asked: T) => Promise<void>,
): Promise<TopicResult[]> {
  refuseWhenStopping(ctx);
  const controller = requireController(ctx);
  const results: TopicResult[] = [];
  for (const asked of topics) {
    const name = typeof asked === 'string' ? asked : asked.name;
    try {
      await change(controller, asked);
      results.push({ name });
    } catch (err) {
      results.push({ name, error: reportedError(ctx, err, op) });
    }
  }
  return results;
}

function refuseInternal(name: string): void {
  if (isInternalTopic(name)) throw new BrookError('INVALID_TOPIC', `'${name}' is an internal topic`);
}
