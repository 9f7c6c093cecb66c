/**
 * Partitions as the group core handles them: one string key per partition (protocol's {@link partitionKey}), so
 * sets and maps of partitions are plain `Set<string>` / `Map<string, ...>`; their order and wire grouping. Pure.
 */
import { partitionKey, splitPartitionKey, type PartitionKey, type TopicPartitions } from '../../protocol/index.js';

/** Keys in a stable order: by topic, then partition number. */
export function compareKeys(a: PartitionKey, b: PartitionKey): number {
  const x = splitPartitionKey(a);
  const y = splitPartitionKey(b);
  if (x.topic !== y.topic) return x.topic < y.topic ? -1 : 1;
  return x.partition - y.partition;
}

/** Keys grouped by topic, as the wire carries them (topics and partitions sorted). */
export function toTopicPartitions(keys: Iterable<PartitionKey>): TopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const key of keys) {
    const { topic, partition } = splitPartitionKey(key);
    let list = byTopic.get(topic);
    if (list === undefined) {
      list = [];
      byTopic.set(topic, list);
    }
    list.push(partition);
  }
  return [...byTopic.keys()].sort().map((topic) => ({
    topic,
    partitions: (byTopic.get(topic) ?? []).sort((a, b) => a - b),
  }));
}

/** The keys of wire topic-partition lists. */
export function fromTopicPartitions(list: readonly TopicPartitions[]): Set<PartitionKey> {
  const keys = new Set<PartitionKey>();
  for (const { topic, partitions } of list) for (const p of partitions) keys.add(partitionKey(topic, p));
  return keys;
}
