/**
 * Replica placement by rendezvous (highest random weight) hashing: each partition ranks every broker by a hash
 * of (topic, partition, broker) and takes the top `replicationFactor`. Adding a broker moves only the partitions
 * it now wins. The first replica is the preferred leader. Pure.
 */
import { BrookError } from '../../protocol/index.js';

/** Replica broker ids for each partition of `topic`, preferred leader first. */
export function assignReplicas(
  topic: string,
  partitions: number,
  replicationFactor: number,
  brokerIds: readonly number[],
): number[][] {
  if (replicationFactor > brokerIds.length) {
    throw new RangeError(`replication factor ${String(replicationFactor)} exceeds ${String(brokerIds.length)} brokers`);
  }
  const assignment: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const key = `${topic}\u0000${String(p)}\u0000`;
    const ranked = brokerIds
      .map((id) => ({ id, weight: fnv1a(key + String(id)) }))
      .sort((a, b) => b.weight - a.weight || a.id - b.id);
    assignment.push(ranked.slice(0, replicationFactor).map((r) => r.id));
  }
  return assignment;
}

/**
 * {@link assignReplicas} over the brokers `isLive` accepts: a new partition is never placed on a broker that is down
 * (its replica would be offline from the start). Leaving dead brokers out of the ranking keeps the rendezvous order
 * of the others, so each partition gets the live brokers it ranks highest. Throws INVALID_TOPIC (Kafka's
 * INVALID_REPLICATION_FACTOR) when fewer than `replicationFactor` brokers are live, naming the ones that are not.
 */
export function assignLiveReplicas(
  topic: string,
  partitions: number,
  replicationFactor: number,
  brokerIds: readonly number[],
  isLive: (id: number) => boolean,
): number[][] {
  const live = brokerIds.filter(isLive);
  if (live.length < replicationFactor) {
    const down = brokerIds.filter((id) => !isLive(id));
    throw new BrookError(
      'INVALID_TOPIC',
      `replication factor ${String(replicationFactor)} of '${topic}' needs ${String(replicationFactor)} live brokers, ` +
        `but only ${String(live.length)} of ${String(brokerIds.length)} are live ` +
        `(live: [${live.join(',')}], not reachable: [${down.join(',')}])`,
    );
  }
  return assignReplicas(topic, partitions, replicationFactor, live);
}

/** 32-bit FNV-1a over the UTF-16 code units, with a final avalanche so close keys spread. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
