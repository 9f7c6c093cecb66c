/**
 * The driver of the group coordinators on one broker. Decides nothing about groups (coordinator.ts does) and leaves
 * each `__offsets` partition's queue and persistence to its shard (offsets-shard.ts); it
 *
 * - has the controller create `__offsets` on the first group request (a broker that is not the controller asks it over the peer link);
 * - keeps one {@link GroupCoordinator} per `__offsets` partition this broker leads: on becoming leader it waits
 *   until the partition's high watermark reaches its log end, replays the partition (COORDINATOR_LOAD_IN_PROGRESS
 *   until done) and writes a checkpoint; on losing leadership it drops the groups (NOT_COORDINATOR);
 * - runs each partition's operations one at a time and appends what an operation changed (acks=all, through the
 *   partition's replicated append) before answering, so an acknowledged commit survives a coordinator failover;
 * - ticks the coordinators (session and rebalance timeouts), tells them about topic changes, and checkpoints.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Controller } from '../cluster/controller.js';
import type { TopicSpec } from '../topics/topic-config.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import type { Partition } from '../partitions/partition.js';
import type { PartitionRegistry } from '../partitions/partition-registry.js';
import { BrookError, type RequestOf, type ResponseOf } from '../../protocol/index.js';
import { GroupCoordinator } from './coordinator.js';
import { isInternalTopic } from '../topics/topic-config.js';
import type { Group } from './group-state.js';
import { deleteEntry, offsetsEntry } from './offsets-records.js';
import { OffsetsShard } from './offsets-shard.js';
import { OFFSETS_TOPIC, offsetsPartitionFor, offsetsTopicSpec } from './offsets-topic.js';

/** What the service reports to metrics. */
export interface GroupMetricsSink {
  rebalanced(groupId: string): void;
  committed(groupId: string, offsets: number): void;
}

export interface GroupServiceOptions {
  readonly brokerId: number;
  readonly topics: TopicRegistry;
  readonly partitions: PartitionRegistry;
  readonly controller: () => Controller;
  /** Brokers in the cluster (the replication factor of `__offsets` is min(3, this)). */
  readonly brokerCount: number;
  /** Partitions of `__offsets` when this broker creates it. */
  readonly offsetsPartitions: number;
  readonly heartbeatIntervalMs: number;
  readonly sessionTimeoutMs: number;
  /** How often each coordinator rewrites every group as a snapshot, in ms. */
  readonly checkpointIntervalMs: number;
  /** Longest an append to `__offsets` may wait for replication, in ms. */
  readonly appendTimeoutMs: number;
  readonly nowMs: () => number;
  readonly logger: Logger;
  readonly metrics?: GroupMetricsSink;
  /** A fresh member id; default random UUIDs. */
  readonly nextMemberId?: () => string;
}

type DescribedGroup = ResponseOf<'describeGroups'>['groups'][number];

export class GroupService {
  private readonly shards = new Map<number, OffsetsShard>();
  private creating = false;
  private timer: NodeJS.Timeout | null = null;
  private topicsKey = '';
  private topicMap: ReadonlyMap<string, number> = new Map();

  constructor(private readonly options: GroupServiceOptions) {}

  /** Starts the upkeep timer (leadership changes, loads, expiry, topic changes, checkpoints). */
  start(intervalMs = 200): void {
    this.timer = setInterval(() => {
      this.poll();
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer; groups are dropped (a successor loads them from `__offsets`). */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const shard of this.shards.values()) shard.state = 'dropped';
    this.shards.clear();
  }

  /** One round of upkeep; the timer calls it, tests may too. */
  poll(): void {
    const topic = this.options.topics.get(OFFSETS_TOPIC);
    if (topic === undefined) return;
    this.refreshTopics();
    for (let p = 0; p < topic.partitions; p++) {
      const replica = this.replica(p);
      const leads = replica !== undefined && replica.leaderId === this.options.brokerId && replica.closeReason === null;
      const shard = this.shards.get(p);
      if (!leads) {
        if (shard !== undefined) this.drop(shard, 'leadership moved');
        continue;
      }
      if (shard === undefined) {
        this.shards.set(p, this.newShard(p));
        continue;
      }
      shard.poll();
    }
  }

  /** The spec `__offsets` is created with (the createTopics handler uses it whatever a request asks). */
  internalTopicSpec(): TopicSpec {
    const o = this.options;
    return offsetsTopicSpec(o.offsetsPartitions, o.brokerCount);
  }

  /** The coordinator of a group: this broker's knowledge of the leader of its `__offsets` partition. */
  findCoordinator(groupId: string): ResponseOf<'findCoordinator'> {
    const topic = this.requireTopic();
    const partition = offsetsPartitionFor(groupId, topic.partitions);
    const leader = this.replica(partition)?.leaderId ?? topic.replicas[partition]?.[0] ?? -1;
    if (leader < 0) {
      throw new BrookError('COORDINATOR_LOAD_IN_PROGRESS', `${OFFSETS_TOPIC}-${String(partition)} has no leader yet`);
    }
    return { coordinatorId: leader, offsetsPartition: partition };
  }

  heartbeat(request: RequestOf<'groupHeartbeat'>): Promise<ResponseOf<'groupHeartbeat'>> {
    return this.run(
      request.groupId,
      async (shard) => {
        const response = shard.core.heartbeat(request, this.options.nowMs());
        await shard.persistGroups([request.groupId]);
        return response;
      },
      request.memberEpoch === 0 || request.subscribedTopics !== undefined || request.subscribedPattern !== undefined,
    );
  }

  commitOffsets(request: RequestOf<'commitOffsets'>): Promise<ResponseOf<'commitOffsets'>> {
    return this.run(
      request.groupId,
      async (shard) => {
        const check = shard.core.checkCommit(request);
        if (check.accepted.length > 0) {
          await shard.append([offsetsEntry(request.groupId, check.accepted)]);
          shard.core.applyCommit(request.groupId, check.accepted);
          this.options.metrics?.committed(request.groupId, check.accepted.length);
        }
        return { results: check.results };
      },
      true,
    );
  }

  fetchOffsets(request: RequestOf<'fetchOffsets'>): Promise<ResponseOf<'fetchOffsets'>> {
    return this.run(request.groupId, (shard) => Promise.resolve(shard.core.fetchOffsets(request)));
  }

  /** The groups of every loaded coordinator here. */
  listGroups(): ResponseOf<'listGroups'> {
    const groups: ResponseOf<'listGroups'>['groups'] = [];
    for (const shard of this.shards.values()) if (shard.state === 'active') groups.push(...shard.core.list());
    return { groups: groups.sort((a, b) => (a.groupId < b.groupId ? -1 : 1)) };
  }

  async describeGroups(request: RequestOf<'describeGroups'>): Promise<ResponseOf<'describeGroups'>> {
    const groups = await Promise.all(
      request.groupIds.map(async (groupId): Promise<DescribedGroup> => {
        try {
          return await this.run(groupId, (shard) => Promise.resolve(this.describeOne(shard, groupId)));
        } catch (err) {
          return deadGroup(groupId, BrookError.from(err));
        }
      }),
    );
    return { groups };
  }

  async deleteGroups(request: RequestOf<'deleteGroups'>): Promise<ResponseOf<'deleteGroups'>> {
    const results = await Promise.all(
      request.groupIds.map(async (groupId) => {
        try {
          await this.run(groupId, async (shard) => {
            const group = shard.core.group(groupId);
            if (group === null) throw new BrookError('UNKNOWN_GROUP', `group '${groupId}' does not exist`);
            if (group.members.size > 0) {
              throw new BrookError('GROUP_NOT_EMPTY', `group '${groupId}' has ${String(group.members.size)} members`);
            }
            await shard.append([deleteEntry(groupId)]);
            shard.core.deleteGroup(groupId);
            shard.forgetPersisted(groupId);
          });
          return { groupId };
        } catch (err) {
          return { groupId, error: BrookError.from(err).toWire() };
        }
      }),
    );
    return { results };
  }

  /** Every loaded group here with its member count and per-partition lag (for metrics). */
  *loadedGroups(): IterableIterator<{ group: Group; lag: { topic: string; partition: number; lag: number }[] }> {
    for (const shard of this.shards.values()) {
      if (shard.state !== 'active') continue;
      for (const groupId of shard.core.groupIds()) {
        const group = shard.core.group(groupId);
        const described = this.describeOne(shard, groupId);
        if (group === null) continue;
        yield {
          group,
          lag: described.offsets.filter((o) => o.lag >= 0).map((o) => ({ ...o })),
        };
      }
    }
  }

  private describeOne(shard: OffsetsShard, groupId: string): DescribedGroup {
    const described = shard.core.describe(groupId);
    if (described === null) {
      return deadGroup(groupId, new BrookError('UNKNOWN_GROUP', `group '${groupId}' does not exist`));
    }
    return {
      ...described,
      offsets: described.offsets.map((o) => {
        // The log end is known for partitions hosted here (led or followed); elsewhere it is -1 and so is the lag
        // (the admin client asks the partition's leader instead).
        const hosted = this.options.partitions.topic(o.topic)?.get(o.partition);
        const logEndOffset = hosted?.highWatermark ?? -1;
        const lag = logEndOffset < 0 ? -1 : Math.max(0, logEndOffset - Math.max(0, o.committed));
        return { ...o, logEndOffset, lag };
      }),
    };
  }

  /** Runs `op` on the group's shard; `freshTopics`: look at the topic registry first (joins and commits). */
  private run<T>(groupId: string, op: (shard: OffsetsShard) => Promise<T>, freshTopics = false): Promise<T> {
    let shard: OffsetsShard;
    try {
      const topic = this.requireTopic();
      const partition = offsetsPartitionFor(groupId, topic.partitions);
      const found = this.shards.get(partition);
      if (found === undefined) throw this.notCoordinator(partition);
      if (found.state === 'loading') throw found.loadingError();
      shard = found;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return shard.run(
      () => this.notCoordinator(shard.partition),
      async () => {
        try {
          return await op(shard);
        } catch (err) {
          // An append refused for leadership: the group moved with the partition.
          if (err instanceof BrookError && err.code === 'NOT_LEADER') throw this.notCoordinator(shard.partition);
          throw err;
        }
      },
      () => {
        if (freshTopics) this.refreshTopics();
      },
    );
  }

  private notCoordinator(partition: number): BrookError {
    const leaderId = this.replica(partition)?.leaderId ?? -1;
    const message = `broker ${String(this.options.brokerId)} does not coordinate groups of ${OFFSETS_TOPIC}-${String(partition)}`;
    return leaderId >= 0 && leaderId !== this.options.brokerId
      ? new BrookError('NOT_COORDINATOR', message, { leaderId })
      : new BrookError('NOT_COORDINATOR', message);
  }

  private requireTopic(): NonNullable<ReturnType<TopicRegistry['get']>> {
    const topic = this.options.topics.get(OFFSETS_TOPIC);
    if (topic !== undefined) return topic;
    this.createTopic();
    throw new BrookError('COORDINATOR_LOAD_IN_PROGRESS', `the ${OFFSETS_TOPIC} topic is being created`);
  }

  /** Has the controller create `__offsets` (once at a time; a later request tries again if this one failed). */
  private createTopic(): void {
    if (this.creating) return;
    const o = this.options;
    const spec = this.internalTopicSpec();
    this.creating = true;
    o.controller()
      .ensureInternalTopic(spec, o.nowMs())
      .then(() => {
        o.logger.info({ topic: OFFSETS_TOPIC, partitions: spec.partitions }, 'offsets topic asked for');
      })
      .catch((err: unknown) => {
        o.logger.warn({ err }, 'could not create the offsets topic');
      })
      .finally(() => {
        this.creating = false;
      });
  }

  private replica(partition: number): Partition | undefined {
    return this.options.partitions.topic(OFFSETS_TOPIC)?.get(partition);
  }

  private newShard(partition: number): OffsetsShard {
    return new OffsetsShard(partition, {
      replica: () => this.replica(partition),
      newCore: () => this.newCore(),
      topics: () => this.topicMap,
      nowMs: this.options.nowMs,
      logger: this.options.logger,
      appendTimeoutMs: this.options.appendTimeoutMs,
      checkpointIntervalMs: this.options.checkpointIntervalMs,
      brokerId: this.options.brokerId,
    });
  }

  private newCore(): GroupCoordinator {
    const metrics = this.options.metrics;
    return new GroupCoordinator({
      nextMemberId: this.options.nextMemberId ?? randomUUID,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      defaultSessionTimeoutMs: this.options.sessionTimeoutMs,
      ...(metrics === undefined
        ? {}
        : {
            onRebalance: (groupId: string) => {
              metrics.rebalanced(groupId);
            },
          }),
    });
  }

  private drop(shard: OffsetsShard, why: string): void {
    shard.state = 'dropped';
    this.shards.delete(shard.partition);
    this.options.logger.info({ partition: shard.partition, why }, 'groups of an offsets partition dropped');
  }

  private refreshTopics(): void {
    const records = this.options.topics.list().filter((t) => !isInternalTopic(t.name));
    const key = records.map((t) => `${t.name}=${String(t.partitions)}`).join(',');
    if (key === this.topicsKey) return;
    this.topicsKey = key;
    this.topicMap = new Map(records.map((t) => [t.name, t.partitions]));
  }
}

function deadGroup(groupId: string, error: BrookError): DescribedGroup {
  return { groupId, error: error.toWire(), state: 'dead', groupEpoch: -1, assignor: '', members: [], offsets: [] };
}
