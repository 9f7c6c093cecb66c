/**
 * Topic creation and deletion as the request handlers see them. A single broker changes its own store
 * ({@link LocalController}); a cluster goes through the metadata Raft group (metadata-group.ts), whose leader is
 * the controller.
 */
import type { PartitionRegistry } from '../partitions/partition-registry.js';
import type { TopicSpec } from './topic-config.js';
import type { TopicRecord } from './topic-registry.js';
import type { TopicStore } from './topic-store.js';

export interface Controller {
  /** Broker id of the controller (metadata leader), or -1 while there is none. */
  controllerId(): number;
  /** Creates a topic and its replicas; throws TOPIC_EXISTS, INVALID_TOPIC, NOT_LEADER (not the controller). */
  createTopic(spec: TopicSpec, nowMs: number): Promise<TopicRecord>;
  /** Deletes a topic and its replicas; throws UNKNOWN_TOPIC, NOT_LEADER. */
  deleteTopic(name: string): Promise<void>;
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
}
