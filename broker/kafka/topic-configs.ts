/**
 * Brook's topic configs as Kafka's DescribeConfigs shows them. Brook's keys are Kafka's own names (`retention.ms`,
 * `retention.bytes`, `cleanup.policy`), so the mapping is one row per key: its Kafka type and documentation. The
 * mapped type makes a new Brook key without a row a compile error.
 */
import { TOPIC_CONFIG_KEYS, type TopicConfigKey } from '../topics/topic-config.js';

/** Kafka's DescribeConfigs config types. */
export const CONFIG_TYPE = { STRING: 2, LONG: 5, LIST: 7 } as const;

/** Kafka's DescribeConfigs config sources. */
export const CONFIG_SOURCE = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

/** Kafka's ConfigResource types. */
export const RESOURCE_TYPE = { TOPIC: 2, BROKER: 4 } as const;

interface KafkaTopicConfig {
  readonly type: number;
  readonly doc: string;
}

export const KAFKA_TOPIC_CONFIGS: { readonly [K in TopicConfigKey]: KafkaTopicConfig } = {
  'retention.ms': { type: CONFIG_TYPE.LONG, doc: 'How long records are kept, in ms; -1 keeps them forever.' },
  'retention.bytes': { type: CONFIG_TYPE.LONG, doc: 'Most bytes a partition keeps; -1 is unlimited.' },
  'cleanup.policy': { type: CONFIG_TYPE.LIST, doc: '`delete` (retention) or `compact` (latest record per key).' },
};

/** Whether `name` is a topic config Brook knows (under Kafka's name). */
export function isTopicConfigKey(name: string): name is TopicConfigKey {
  return (TOPIC_CONFIG_KEYS as readonly string[]).includes(name);
}
