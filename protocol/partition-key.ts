/**
 * The one string key of a partition, `<topic>/<partition>`, used by broker and client alike: map and set keys,
 * and a partition's Raft group id in peer envelopes. Topic names cannot hold '/' (TOPIC_NAME), so the last '/'
 * splits a key back. It reads as the partition is written in messages (`orders/3`).
 */

/** A partition's key, `<topic>/<partition>`. */
export type PartitionKey = string;

/** The key of `topic`'s `partition`. */
export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}/${String(partition)}`;
}

/** The topic and partition of a key made by {@link partitionKey}. */
export function splitPartitionKey(key: PartitionKey): { topic: string; partition: number } {
  const at = key.lastIndexOf('/');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}
