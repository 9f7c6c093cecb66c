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
  for (let p = 0; p < partitions; p++) assignment.push(rankBrokers(topic, p, brokerIds).slice(0, replicationFactor));
  return assignment;
}

/** Every broker of `brokerIds` in the rendezvous order of one partition, the preferred one first. */
function rankBrokers(topic: string, partition: number, brokerIds: readonly number[]): number[] {
  const key = `${topic}\u0000${String(partition)}\u0000`;
  return brokerIds
    .map((id) => ({ id, weight: fnv1a(key + String(id)) }))
    .sort((a, b) => b.weight - a.weight || a.id - b.id)
    .map((r) => r.id);
}

/**
 * A partition's replicas with broker `removed` replaced, in its place, by the live broker of `brokerIds` that the
 * partition's rendezvous order ranks highest among those not holding it yet; without such a broker the replica set
 * shrinks. Only the removed replica moves: the others keep their copies and their order (so the preferred leader
 * changes only when it was the removed broker).
 */
export function replaceReplica(
  topic: string,
  partition: number,
  replicas: readonly number[],
  removed: number,
  brokerIds: readonly number[],
  isLive: (id: number) => boolean,
): number[] {
  const replacement = rankBrokers(topic, partition, brokerIds).find(
    (id) => id !== removed && isLive(id) && !replicas.includes(id),
  );
  return replicas.flatMap((id) => (id !== removed ? [id] : replacement === undefined ? [] : [replacement]));
}

/**
 * {@link assignReplicas} preferring the brokers `isLive` accepts: each partition takes the live brokers it ranks
 * highest, so a new partition is not placed on a broker that is down (its replica would be offline from the start).
 * Leaving dead brokers out keeps the rendezvous order of the others. With fewer live brokers than the replication
 * factor, the remaining replicas go on dead brokers (in rank order) as long as at least `minLive` are live (default:
 * all of them); below that, throws INVALID_REPLICATION_FACTOR (Kafka's name) naming the brokers that are not.
 */
export function assignLiveReplicas(
  topic: string,
  partitions: number,
  replicationFactor: number,
  brokerIds: readonly number[],
  isLive: (id: number) => boolean,
  minLive = replicationFactor,
): number[][] {
  const live = brokerIds.filter(isLive);
  if (live.length < minLive) {
    const down = brokerIds.filter((id) => !isLive(id));
    throw new BrookError(
      'INVALID_REPLICATION_FACTOR',
      `replication factor ${String(replicationFactor)} of '${topic}' needs ${String(minLive)} live brokers, ` +
        `but only ${String(live.length)} of ${String(brokerIds.length)} are live ` +
        `(live: [${live.join(',')}], not reachable: [${down.join(',')}])`,
    );
  }
  return assignReplicas(topic, partitions, brokerIds.length, brokerIds).map((ranked) =>
    [...ranked.filter(isLive), ...ranked.filter((id) => !isLive(id))].slice(0, replicationFactor),
  );
}

/** The fewest replicas that make a majority of `replicationFactor`: enough live ones to elect a leader. */
export function majorityOf(replicationFactor: number): number {
  return Math.floor(replicationFactor / 2) + 1;
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
