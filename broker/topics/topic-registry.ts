/**
 * The cluster's topic metadata as the rest of the broker sees it. Today one broker's SQLite file implements it
 * ({@link TopicStore}); a Raft-replicated metadata state machine replaces it later behind the same interface.
 */
import type { TopicSpec } from './topic-config.js';

/** A topic as the registry holds it. */
export interface TopicRecord {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Replica broker ids of each partition (index = partition), the preferred leader first. */
  readonly replicas: readonly (readonly number[])[];
  /** Topic config overrides as given at creation (keys of TOPIC_CONFIG_KEYS). */
  readonly config: Readonly<Record<string, string>>;
  /** Creation time, epoch milliseconds. */
  readonly createdMs: number;
  /**
   * Partitions being moved to new replicas (`replicas` holds the target): every broker that may still host each
   * one, old and new replicas alike. Left out when nothing moves.
   */
  readonly moving?: Readonly<Record<number, readonly number[]>>;
}

/** Brokers that may host partition `p` of `record` now: its replicas, plus the old ones while it moves. */
export function hostsOf(record: TopicRecord, p: number): readonly number[] {
  return record.moving?.[p] ?? record.replicas[p] ?? [];
}

/** How many partitions of `records` have no live broker among those that may host them (all replicas down). */
export function partitionsWithoutLiveHost(records: readonly TopicRecord[], isLive: (id: number) => boolean): number {
  let count = 0;
  for (const record of records) {
    for (let p = 0; p < record.partitions; p++) if (!hostsOf(record, p).some(isLive)) count++;
  }
  return count;
}

/** Topic metadata: create, delete, look up. */
export interface TopicRegistry {
  /** The id of the cluster this metadata belongs to. */
  readonly clusterId: string;
  /** Ids of the brokers replicas may be placed on. */
  readonly brokerIds: readonly number[];
  /**
   * Creates a topic and places its replicas. Throws BrookError TOPIC_EXISTS, INVALID_REPLICATION_FACTOR (more
   * than the brokers), or INVALID_TOPIC for a bad name, partition count, replication factor or config.
   */
  create(spec: TopicSpec, nowMs: number): TopicRecord;
  /** Deletes a topic's metadata; throws BrookError UNKNOWN_TOPIC. */
  delete(name: string): void;
  get(name: string): TopicRecord | undefined;
  /** Every topic, by name. */
  list(): TopicRecord[];
  close(): void;
}
