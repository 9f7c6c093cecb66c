/**
 * DescribeConfigs of topics: the effective config the native metadata op reports (overrides over the broker's
 * defaults), each key's source (the topic's own, or the default) as Kafka reports it. Describing a topic's config
 * needs what the native protocol needs to read it: describe on the topic. Broker resources answer no configs.
 */
import { KAFKA_ERRORS, kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
} from '../messages/describe-configs-request.js';
import type {
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../messages/describe-configs-response.js';
import { TOPIC_CONFIG_KEYS } from '../../topics/topic-config.js';
import { CONFIG_SOURCE, KAFKA_TOPIC_CONFIGS, RESOURCE_TYPE } from '../topic-configs.js';

type Result = DescribeConfigsResponseDescribeConfigsResult;

export async function describeConfigs(
  ctx: KafkaContext,
  scope: RequestScope,
  request: DescribeConfigsRequest,
  version: number,
): Promise<DescribeConfigsResponse> {
  const results: Result[] = [];
  for (const resource of request.resources) results.push(await describeOne(ctx, scope, resource, request, version));
  return { throttleTimeMs: 0, results };
}

async function describeOne(
  ctx: KafkaContext,
  scope: RequestScope,
  resource: DescribeConfigsRequestDescribeConfigsResource,
  request: DescribeConfigsRequest,
  version: number,
): Promise<Result> {
  const { resourceType, resourceName } = resource;
  const base = { resourceType, resourceName, errorCode: KAFKA_ERRORS.NONE, errorMessage: null, configs: [] };
  if (resourceType === RESOURCE_TYPE.BROKER) return base;
  if (resourceType !== RESOURCE_TYPE.TOPIC) {
    return { ...base, errorCode: KAFKA_ERRORS.INVALID_REQUEST, errorMessage: 'Brook describes topic configs only' };
  }
  try {
    const native = ctx.core.access.visible(
      scope.principal,
      'metadata',
      await ctx.core.handlers.metadata({ topics: [resourceName] }),
    );
    const topic = native.topics[0];
    if (topic === undefined) {
      return { ...base, errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'not authorized' };
    }
    if (topic.error !== undefined) return { ...base, ...kafkaError(topic.error, 'topic') };
    const overrides = ctx.topics.get(resourceName)?.config ?? {};
    const keys = resource.configurationKeys;
    const configs = TOPIC_CONFIG_KEYS.filter((name) => keys === null || keys.includes(name)).flatMap((name) => {
      const value = topic.config[name];
      if (value === undefined) return [];
      const source = name in overrides ? CONFIG_SOURCE.TOPIC_CONFIG : CONFIG_SOURCE.DEFAULT_CONFIG;
      return [
        {
          name,
          value,
          readOnly: false,
          // v0 says whether the value is a default; v1+ say where it comes from instead.
          isDefault: version === 0 && source === CONFIG_SOURCE.DEFAULT_CONFIG,
          configSource: source,
          isSensitive: false,
          synonyms: request.includeSynonyms ? [{ name, value, source }] : [],
          configType: KAFKA_TOPIC_CONFIGS[name].type,
          documentation: request.includeDocumentation ? KAFKA_TOPIC_CONFIGS[name].doc : null,
        },
      ];
    });
    return { ...base, configs };
  } catch (err: unknown) {
    return { ...base, ...kafkaError(err, 'topic') };
  }
}
