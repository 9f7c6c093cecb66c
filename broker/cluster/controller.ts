/**
 * Topic creation and deletion as the request handlers see them. A single broker changes its own store
 * ({@link LocalController}); a cluster goes through the metadata Raft group (metadata-group.ts), whose leader is
 * the controller.
 */
import type { PartitionRegistry } from '../partitions/partition-registry.js';
import { BrookError } from '../../protocol/index.js';
import {
  alteredConfig,
  checkPartitionGrowth,
  isInternalTopic,
  type TopicConfigChange,
  type TopicSpec,
} from '../topics/topic-config.js';
import { planBrokerRemoval } from './broker-removal.js';
import { assignReplicas } from './placement.js';
import type { TopicRecord } from '../topics/topic-registry.js';
import type { TopicStore } from './topic-store.js';

export interface Controller {
  /** Broker id of the controller (metadata leader), or -1 while there is none. */
  controllerId(): number;
  /**
   * Creates a topic and its replicas; throws TOPIC_EXISTS, INVALID_TOPIC, INVALID_REPLICATION_FACTOR, NOT_LEADER (not the
   * controller).
   */
  createTopic(spec: TopicSpec, nowMs: number): Promise<TopicRecord>;
  /** Deletes a topic and its replicas; throws UNKNOWN_TOPIC, NOT_LEADER. */
  deleteTopic(name: string): Promise<void>;
  /**
   * Creates an internal topic (`__offsets`) unless it exists. A broker that is not the controller asks the
   * controller over the peer link and resolves once asked: the topic shows up in its metadata when created.
   * Throws NOT_LEADER while there is no controller.
   */
  ensureInternalTopic(spec: TopicSpec, nowMs: number): Promise<void>;
  /**
   * Starts moving partitions to new replicas (or every misplaced one, with `rebalance`); resolves once the moves
   * are recorded, not when they finish. Throws UNKNOWN_TOPIC, UNKNOWN_PARTITION, INVALID_REPLICA_ASSIGNMENT.
   */
  reassign(moves: readonly PartitionMove[], rebalance: boolean): Promise<PartitionMove[]>;
  /**
   * Changes a topic's config, checked as a created topic's is; every replica applies it. Throws UNKNOWN_TOPIC,
   * INVALID_TOPIC, NOT_LEADER.
   */
  alterTopicConfig(name: string, change: TopicConfigChange): Promise<TopicRecord>;
  /**
   * Grows a topic to `count` partitions; the new ones are placed as a created topic's are, the existing ones are
   * untouched. Throws UNKNOWN_TOPIC, INVALID_TOPIC (not more than now), INVALID_REPLICATION_FACTOR, NOT_LEADER.
   */
  createPartitions(name: string, count: number): Promise<TopicRecord>;
  /**
   * Removes broker `id` from the cluster: from replica placement and from the metadata voters (resolves once the
   * voter change is committed). With `force`, first moves the replicas it hosts to other brokers; resolves with those
   * moves. Throws UNKNOWN_BROKER, BROKER_HAS_REPLICAS, WOULD_LOSE_QUORUM, NOT_LEADER.
   */
  removeBroker(id: number, force: boolean): Promise<PartitionMove[]>;
}

/** A partition and the replicas it moves to, preferred leader first. */
export interface PartitionMove {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

/** The controller of a one-broker cluster: the store and the replicas change right here. */
export class LocalController implements Controller {
  constructor(
    private readonly brokerId: number,
    private readonly topics: TopicStore,
    private readonly partitions: PartitionRegistry,
  ) {}

  controllerId(): number {
    return this.brokerId;
  }

  async createTopic(spec: TopicSpec, nowMs: number): Promise<TopicRecord> {
    const record = this.topics.create(spec, nowMs);
    try {
      await this.partitions.createTopic(record);
    } catch (err) {
      // Without its replicas the topic would be unusable: take it back out of the store.
      this.topics.delete(record.name);
      throw err;
    }
    return record;
  }

  async deleteTopic(name: string): Promise<void> {
    this.topics.delete(name);
    await this.partitions.deleteTopic(name);
  }

  async ensureInternalTopic(spec: TopicSpec, nowMs: number): Promise<void> {
    await this.createTopic(spec, nowMs).catch(ignoreTopicExists);
  }

  // The store's checks throw: inside a promise's executor they reject it, as the interface promises.
  alterTopicConfig(name: string, change: TopicConfigChange): Promise<TopicRecord> {
    return new Promise((resolve) => {
      const record = this.topics.existingTopic(name);
      const next = this.topics.alterConfig(name, alteredConfig(record.config, change, isInternalTopic(name)));
      this.partitions.configChanged(next);
      resolve(next);
    });
  }

  createPartitions(name: string, count: number): Promise<TopicRecord> {
    return new Promise((resolve) => {
      const record = this.topics.existingTopic(name);
      checkPartitionGrowth(name, record.partitions, count);
      const placed = assignReplicas(name, count, record.replicationFactor, this.topics.brokerIds);
      const next = this.topics.addPartitions(name, record.partitions, placed.slice(record.partitions));
      this.partitions.partitionsAdded(next);
      resolve(next);
    });
  }

  /** A broker alone can only be asked to remove itself, its cluster's last voter: refused. */
  removeBroker(id: number, force: boolean): Promise<PartitionMove[]> {
    return new Promise((resolve) => {
      const self = [this.brokerId];
      resolve(
        planBrokerRemoval({ id, force, brokerIds: self, voters: self, removed: false, isLive: () => true, topics: [] }),
      );
    });
  }

  /** A one-broker cluster has nowhere to move partitions: only its own id is a valid replica set. */
  reassign(moves: readonly PartitionMove[]): Promise<PartitionMove[]> {
    const elsewhere = moves.find((m) => m.replicas.length !== 1 || m.replicas[0] !== this.brokerId);
    if (elsewhere !== undefined) {
      return Promise.reject(
        new BrookError(
          'INVALID_REPLICA_ASSIGNMENT',
          `broker ${String(this.brokerId)} is the only broker: replicas [${elsewhere.replicas.join(',')}] cannot be placed`,
        ),
      );
    }
    return Promise.resolve([]);
  }
}

/** Swallows TOPIC_EXISTS (someone created it first: what was wanted), rethrows anything else. */
export function ignoreTopicExists(err: unknown): void {
  if (err instanceof BrookError && err.code === 'TOPIC_EXISTS') return;
  throw err;
}
