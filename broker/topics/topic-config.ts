/**
 * Topic names and topic config keys (protocol rule 11), checked before a topic is created. Pure.
 */
import { BrookError, TOPIC_NAME } from '../../protocol/index.js';

/** What a createTopics request asks for, one topic. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic config overrides; see {@link TOPIC_CONFIG_KEYS}. */
  readonly config: Readonly<Record<string, string>>;
}

/** The config keys a topic accepts. */
export const TOPIC_CONFIG_KEYS = ['retention.ms', 'retention.bytes', 'cleanup.policy'] as const;
export type TopicConfigKey = (typeof TOPIC_CONFIG_KEYS)[number];

/** Most partitions of one topic (each one is a SQLite database). */
export const MAX_PARTITIONS = 100_000;

/** The retention a partition log of the topic runs with. */
/**
 * The cleanup policy of internal topics whose writer checkpoints its state (`__offsets`): everything before the
 * latest complete checkpoint is deleted (broker/log/checkpoint.ts). Refused on other topics.
 */
export const CHECKPOINT_POLICY = 'checkpoint';

/** Whether a topic is internal (`__offsets`, ...): reserved for the broker, never matched by a pattern subscription. */
export function isInternalTopic(topic: string): boolean {
  return topic.startsWith('__');
}

export interface TopicRetention {
  /** -1 = keep forever. */
  readonly retentionMs: number;
  /** -1 = unlimited. */
  readonly retentionBytes: number;
  /** `cleanup.policy=checkpoint` (internal topics): keep from the latest complete checkpoint instead. */
  readonly checkpointCleanup?: boolean;
}

const INTEGER = /^-?\d{1,16}$/;

/** Throws INVALID_TOPIC when `name` is not a valid topic name. */
export function checkTopicName(name: string): void {
  if (!TOPIC_NAME.test(name)) {
    throw new BrookError(
      'INVALID_TOPIC',
      `invalid topic name ${JSON.stringify(name)}: must match ${String(TOPIC_NAME)}`,
    );
  }
  if (name === '.' || name === '..') throw new BrookError('INVALID_TOPIC', `topic name '${name}' is reserved`);
}

/**
 * Throws INVALID_TOPIC, with a message naming the problem, when `spec` cannot be created on a cluster of
 * `brokerCount` brokers: a bad name, partition count, replication factor or config; INVALID_REPLICATION_FACTOR when
 * the replication factor exceeds `brokerCount`.
 */
export function checkTopicSpec(spec: TopicSpec, brokerCount: number): void {
  checkTopicName(spec.name);
  if (!Number.isSafeInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > MAX_PARTITIONS) {
    throw new BrookError(
      'INVALID_TOPIC',
      `partitions must be an integer in [1, ${String(MAX_PARTITIONS)}], got ${String(spec.partitions)}`,
    );
  }
  if (!Number.isSafeInteger(spec.replicationFactor) || spec.replicationFactor < 1) {
    throw new BrookError(
      'INVALID_TOPIC',
      `replication factor must be an integer >= 1, got ${String(spec.replicationFactor)}`,
    );
  }
  if (spec.replicationFactor > brokerCount) {
    throw new BrookError(
      'INVALID_REPLICATION_FACTOR',
      `replication factor ${String(spec.replicationFactor)} exceeds the ${String(brokerCount)} available broker(s)`,
    );
  }
  checkTopicConfig(spec.config, isInternalTopic(spec.name));
}

/** Throws INVALID_TOPIC for an unknown key or a bad value (rule 11). */
export function checkTopicConfig(config: Readonly<Record<string, string>>, internal = false): void {
  for (const [key, value] of Object.entries(config)) {
    switch (key) {
      case 'retention.ms':
      case 'retention.bytes':
        parseLimit(key, value);
        break;
      case 'cleanup.policy':
        if (value === 'compact') {
          throw new BrookError('INVALID_TOPIC', "cleanup.policy 'compact' is not supported yet; use 'delete'");
        }
        if (value === CHECKPOINT_POLICY && internal) break;
        if (value !== 'delete') {
          throw new BrookError('INVALID_TOPIC', `cleanup.policy must be 'delete', got ${JSON.stringify(value)}`);
        }
        break;
      default:
        throw unknownConfigKey(key);
    }
  }
}

/** A change of a topic's config: keys to set, and keys to take back to the broker's default. */
export interface TopicConfigChange {
  readonly set: Readonly<Record<string, string>>;
  readonly delete?: readonly string[] | undefined;
}

/**
 * The config of a topic after `change`, checked as a created topic's config is (INVALID_TOPIC for an unknown key
 * or a bad value, also among the deleted keys). Pure.
 */
export function alteredConfig(
  current: Readonly<Record<string, string>>,
  change: TopicConfigChange,
  internal: boolean,
): Record<string, string> {
  const unknown = (change.delete ?? []).find((key) => !(TOPIC_CONFIG_KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) throw unknownConfigKey(unknown);
  const config = Object.fromEntries(
    Object.entries({ ...current, ...change.set }).filter(([key]) => change.delete?.includes(key) !== true),
  );
  checkTopicConfig(config, internal);
  return config;
}

/**
 * Throws INVALID_TOPIC unless `count` can be the new partition count of a topic that has `current`: more than now,
 * and at most {@link MAX_PARTITIONS} (partitions are never removed: their records would be lost). Pure.
 */
export function checkPartitionGrowth(topic: string, current: number, count: number): void {
  if (!Number.isSafeInteger(count) || count <= current || count > MAX_PARTITIONS) {
    throw new BrookError(
      'INVALID_TOPIC',
      `topic '${topic}' has ${String(current)} partitions: the new count must be an integer from ` +
        `${String(current + 1)} to ${String(MAX_PARTITIONS)}, got ${String(count)}`,
    );
  }
}

/** The topic's retention: its `retention.*` config where set, else the broker's defaults. */
export function topicRetention(config: Readonly<Record<string, string>>, defaults: TopicRetention): TopicRetention {
  const ms = config['retention.ms'];
  const bytes = config['retention.bytes'];
  return {
    retentionMs: ms === undefined ? defaults.retentionMs : parseLimit('retention.ms', ms),
    retentionBytes: bytes === undefined ? defaults.retentionBytes : parseLimit('retention.bytes', bytes),
    ...(config['cleanup.policy'] === CHECKPOINT_POLICY ? { checkpointCleanup: true } : {}),
  };
}

function parseLimit(key: string, value: string): number {
  const n = INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < -1) {
    throw new BrookError(
      'INVALID_TOPIC',
      `${key} must be an integer >= 0 or -1 (unlimited), got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function unknownConfigKey(key: string): BrookError {
  return new BrookError(
    'INVALID_TOPIC',
    `unknown topic config key ${JSON.stringify(key)} (known: ${TOPIC_CONFIG_KEYS.join(', ')})`,
  );
}
