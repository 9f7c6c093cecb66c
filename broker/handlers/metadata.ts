/** metadata: the brokers, and each topic's partitions with their leader, replicas and offsets. */
import { topicRetention } from '../topics/topic-config.js';
import type { TopicRecord } from '../topics/topic-registry.js';
import { isInternalTopic } from '../topics/topic-config.js';
import { BrookError, type RequestOf, type ResponseOf } from '../../protocol/index.js';
import type { HandlerContext } from './context.js';

type TopicInfo = ResponseOf<'metadata'>['topics'][number];
type PartitionInfo = TopicInfo['partitions'][number];

export function metadataHandler(ctx: HandlerContext) {
  return (request: RequestOf<'metadata'>): Promise<ResponseOf<'metadata'>> => {
    const topics =
      request.topics === undefined
        ? ctx.topics
            .list()
            // Internal topics (`__offsets`) are listed only when asked for by name, as Kafka hides them by default.
            .filter((record) => !isInternalTopic(record.name))
            .map((record) => describeTopic(ctx, record))
        : [...new Set(request.topics)].map((name) => {
            const record = ctx.topics.get(name);
            return record === undefined ? unknownTopic(name) : describeTopic(ctx, record);
          });
    return Promise.resolve({
      clusterId: ctx.clusterId,
      controllerId: ctx.controller().controllerId(),
      brokers: [...ctx.brokers()],
      topics,
    });
  };
}

function describeTopic(ctx: HandlerContext, record: TopicRecord): TopicInfo {
  const hosted = ctx.partitions.topic(record.name);
  const partitions: PartitionInfo[] = [];
  for (let p = 0; p < record.partitions; p++) {
    const replicas = [...(record.replicas[p] ?? [])];
    const local = hosted?.get(p);
    // A partition hosted elsewhere: its preferred leader is the best guess while that broker is live (a wrong guess
    // answers NOT_LEADER naming the leader); with it dead, say so rather than send clients to it.
    const preferred = replicas[0];
    partitions.push({
      partition: p,
      leader: local?.leaderId ?? (preferred !== undefined && ctx.isLive(preferred) ? preferred : -1),
      replicas,
      isr: local === undefined ? replicas.filter((id) => ctx.isLive(id)) : [...local.isr],
      logStartOffset: local?.logStartOffset ?? 0,
      highWatermark: local?.highWatermark ?? 0,
      ...(local === undefined ? {} : { sizeBytes: local.sizeBytes }),
    });
  }
  const retention = topicRetention(record.config, ctx.retentionDefaults);
  return {
    name: record.name,
    partitions,
    // The effective config: the topic's overrides over the broker's defaults.
    config: {
      'cleanup.policy': 'delete',
      ...record.config,
      'retention.ms': String(retention.retentionMs),
      'retention.bytes': String(retention.retentionBytes),
    },
  };
}

function unknownTopic(name: string): TopicInfo {
  return {
    name,
    error: new BrookError('UNKNOWN_TOPIC', `topic '${name}' does not exist`).toWire(),
    partitions: [],
    config: {},
  };
}
