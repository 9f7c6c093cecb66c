/**
 * AlterConfigs (the whole set of a topic's overrides) and IncrementalAlterConfigs (set or delete key by key) onto the
 * native alterTopicConfigs op, which authorizes alterConfigs on the topic. `validateOnly` runs the pure check the
 * controller runs. Broker configs cannot be changed at runtime: refused with INVALID_REQUEST.
 */
import { BrookError } from '../../../protocol/index.js';
import {
  alteredConfig,
  isInternalTopic,
  TOPIC_CONFIG_KEYS,
  type TopicConfigChange,
} from '../../topics/topic-config.js';
import { KAFKA_ERRORS, NO_ERROR, kafkaError, invalidTopicAs, type KafkaErrorFields } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { AlterConfigsRequest } from '../messages/alter-configs-request.js';
import type { AlterConfigsResponse } from '../messages/alter-configs-response.js';
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsRequestAlterableConfig,
} from '../messages/incremental-alter-configs-request.js';
import type { IncrementalAlterConfigsResponse } from '../messages/incremental-alter-configs-response.js';
import { RESOURCE_TYPE } from '../topic-configs.js';

/** IncrementalAlterConfigs' operations. */
const OP = { SET: 0, DELETE: 1 } as const;

/** AlterConfigs: a topic's overrides become exactly the given keys (null values are left out, as Kafka does). */
export async function alterConfigs(
  ctx: KafkaContext,
  scope: RequestScope,
  request: AlterConfigsRequest,
): Promise<AlterConfigsResponse> {
  const responses: AlterConfigsResponse['responses'] = [];
  for (const { resourceType, resourceName, configs } of request.resources) {
    const set: Record<string, string> = {};
    for (const c of configs) if (c.value !== null) set[c.name] = c.value;
    const change = { set, delete: TOPIC_CONFIG_KEYS.filter((key) => !(key in set)) };
    const outcome = await alterTopic(ctx, scope, resourceType, resourceName, change, request.validateOnly);
    responses.push({ resourceType, resourceName, ...outcome });
  }
  return { throttleTimeMs: 0, responses };
}

/** IncrementalAlterConfigs: SET and DELETE per key; APPEND and SUBTRACT (list configs) are refused. */
export async function incrementalAlterConfigs(
  ctx: KafkaContext,
  scope: RequestScope,
  request: IncrementalAlterConfigsRequest,
): Promise<IncrementalAlterConfigsResponse> {
  const responses: IncrementalAlterConfigsResponse['responses'] = [];
  for (const { resourceType, resourceName, configs } of request.resources) {
    const change = incrementalChange(configs);
    const outcome =
      change === undefined
        ? {
            errorCode: KAFKA_ERRORS.INVALID_REQUEST,
            errorMessage: 'Brook alters configs with SET and DELETE only (APPEND and SUBTRACT are not supported)',
          }
        : await alterTopic(ctx, scope, resourceType, resourceName, change, request.validateOnly);
    responses.push({ resourceType, resourceName, ...outcome });
  }
  return { throttleTimeMs: 0, responses };
}

/** The change the operations make, or undefined if one is neither SET nor DELETE. */
function incrementalChange(
  configs: readonly IncrementalAlterConfigsRequestAlterableConfig[],
): TopicConfigChange | undefined {
  const set: Record<string, string> = {};
  const deleted: string[] = [];
  for (const c of configs) {
    if (c.configOperation === OP.SET && c.value !== null) set[c.name] = c.value;
    else if (c.configOperation === OP.DELETE || (c.configOperation === OP.SET && c.value === null))
      deleted.push(c.name);
    else return undefined;
  }
  return { set, delete: deleted };
}

async function alterTopic(
  ctx: KafkaContext,
  scope: RequestScope,
  resourceType: number,
  name: string,
  change: TopicConfigChange,
  validateOnly: boolean,
): Promise<KafkaErrorFields> {
  if (resourceType !== RESOURCE_TYPE.TOPIC) {
    return { errorCode: KAFKA_ERRORS.INVALID_REQUEST, errorMessage: 'Brook alters topic configs only' };
  }
  try {
    const native = { topics: [{ name, set: change.set, delete: [...(change.delete ?? [])] }] };
    ctx.core.access.check(scope.principal, 'alterTopicConfigs', native);
    if (validateOnly) {
      const record = ctx.topics.get(name);
      if (record === undefined) throw new BrookError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
      alteredConfig(record.config, change, isInternalTopic(name));
      return NO_ERROR;
    }
    const answer = await ctx.core.handlers.alterTopicConfigs(native);
    return invalidTopicAs(kafkaError(answer.results[0]?.error, 'topic'), 'INVALID_CONFIG');
  } catch (err: unknown) {
    return invalidTopicAs(kafkaError(err, 'topic'), 'INVALID_CONFIG');
  }
}
