/**
 * The driver of the group coordinators on one broker. Decides nothing about groups (coordinator.ts does); it
 *
 * - has the controller create `__offsets` on the first group request (forwarding it when it is not the controller);
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
import type { TopicSpec } from '../cluster/topic-config.js';
import type { TopicRegistry } from '../cluster/topic-registry.js';
import type { Partition } from '../partitions/partition.js';
import type { PartitionRegistry } from '../partitions/partition-registry.js';
import { BrookError, type RequestOf, type ResponseOf } from '../protocol/index.js';
import { GroupCoordinator } from './coordinator.js';
import { forwardCreateTopic } from './controller-forward.js';
import { isInternalTopic, type Group } from './group-state.js';
import {
  applyEntry,
  deleteEntry,
  groupEntry,
  groupFingerprint,
  offsetsEntry,
  snapshotEntry,
  type OffsetsEntry,
} from './offsets-records.js';
import { decodeBatch, encodeBatches, OFFSETS_TOPIC, offsetsPartitionFor, offsetsTopicSpec } from './offsets-topic.js';

/** What the service reports to metrics. */
export interface GroupMetricsSink {
  rebalanced(groupId: string): void;
  committed(groupId: string, offsets: number): void;
}

/** A broker's client endpoint, for forwarding to the controller. */
export interface BrokerEndpoint {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

export interface GroupServiceOptions {
  readonly brokerId: number;
  readonly topics: TopicRegistry;
  readonly partitions: PartitionRegistry;
  readonly controller: () => Controller;
  readonly brokers: () => readonly BrokerEndpoint[];
  /** Brokers in the cluster (the replication factor of `__offsets` is min(3, this)). */
  readonly brokerCount: number;
  /** Partitions of `__offsets` when this broker creates it. */
  readonly offsetsPartitions: number;
  /** `retention.ms` of `__offsets`; checkpoints are written well within it. */
  readonly offsetsRetentionMs: number;
  readonly heartbeatIntervalMs: number;
  readonly sessionTimeoutMs: number;
  /** How often each coordinator rewrites every group as a snapshot, in ms. */
  readonly checkpointIntervalMs: number;
  /** Longest an append to `__offsets` may wait for replication, in ms. */
  readonly appendTimeoutMs: number;
  /** Credentials for the controller, when the brokers require them. */
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly nowMs: () => number;
  readonly logger: Logger;
  readonly metrics?: GroupMetricsSink;
  /** A fresh member id; default random UUIDs. */
  readonly nextMemberId?: () => string;
}

/** One `__offsets` partition this broker leads. */
interface Shard {
  readonly partition: number;
  state: 'loading' | 'active' | 'dropped';
  core: GroupCoordinator;
  /** Operations run one after another. */
  queue: Promise<unknown>;
  busy: number;
  /** The log end after the last read or append: anything else in the log means another leader wrote. */
  expectedEnd: number;
  /** Fingerprint of each group's last persisted `group` entry. */
  persisted: Map<string, string>;
  /** Groups changed outside an operation of theirs (topic changes): persisted by the next upkeep. */
  dirty: Set<string>;
  lastCheckpointMs: number;
  /** An upkeep round is queued and not yet run (at most one at a time, however busy the shard is). */
  upkeepQueued: boolean;
}

type DescribedGroup = ResponseOf<'describeGroups'>['groups'][number];

const READ_BYTES = 1024 * 1024;

export class GroupService {
  private readonly shards = new Map<number, Shard>();
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
      if (shard.state === 'loading') this.tryLoad(shard, replica);
      else if (!shard.upkeepQueued) {
        // Queued behind whatever runs, so that expiry keeps its pace under a steady stream of heartbeats.
        shard.upkeepQueued = true;
        void this.enqueue(shard, () => {
          shard.upkeepQueued = false;
          return shard.state === 'active' ? this.upkeep(shard) : Promise.resolve();
        }).catch(() => undefined);
      }
    }
  }

  /** The spec `__offsets` is created with (the createTopics handler uses it whatever a request asks). */
  internalTopicSpec(): TopicSpec {
    const o = this.options;
    return offsetsTopicSpec(o.offsetsPartitions, o.brokerCount, o.offsetsRetentionMs);
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
    return this.run(request.groupId, async (shard) => {
      const response = shard.core.heartbeat(request, this.options.nowMs());
      await this.persistGroups(shard, [request.groupId]);
      return response;
    });
  }

  commitOffsets(request: RequestOf<'commitOffsets'>): Promise<ResponseOf<'commitOffsets'>> {
    return this.run(request.groupId, async (shard) => {
      const check = shard.core.checkCommit(request);
      if (check.accepted.length > 0) {
        await this.append(shard, [offsetsEntry(request.groupId, check.accepted)]);
        shard.core.applyCommit(request.groupId, check.accepted);
        this.options.metrics?.committed(request.groupId, check.accepted.length);
      }
      return { results: check.results };
    });
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
            await this.append(shard, [deleteEntry(groupId)]);
            shard.core.deleteGroup(groupId);
            shard.persisted.delete(groupId);
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

  private describeOne(shard: Shard, groupId: string): DescribedGroup {
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

  private run<T>(groupId: string, op: (shard: Shard) => Promise<T>): Promise<T> {
    let shard: Shard;
    try {
      const topic = this.requireTopic();
      const partition = offsetsPartitionFor(groupId, topic.partitions);
      shard = this.activeShard(partition);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.enqueue(shard, () => {
      this.checkUnchanged(shard);
      if (shard.state === 'loading') return Promise.reject(this.loading(shard.partition));
      if (shard.state !== 'active') return Promise.reject(this.notCoordinator(shard.partition));
      // A topic created a moment ago must be known to a commit or a join that names it.
      this.refreshTopics();
      for (const id of shard.core.setTopics(this.topicMap)) shard.dirty.add(id);
      return op(shard);
    });
  }

  private enqueue<T>(shard: Shard, op: () => Promise<T>): Promise<T> {
    shard.busy++;
    const result = shard.queue.then(op).finally(() => {
      shard.busy--;
    });
    shard.queue = result.catch(() => undefined);
    return result;
  }

  private activeShard(partition: number): Shard {
    const shard = this.shards.get(partition);
    if (shard === undefined) throw this.notCoordinator(partition);
    if (shard.state === 'loading') throw this.loading(partition);
    return shard;
  }

  private loading(partition: number): BrookError {
    return new BrookError(
      'COORDINATOR_LOAD_IN_PROGRESS',
      `broker ${String(this.options.brokerId)} is loading ${OFFSETS_TOPIC}-${String(partition)}`,
    );
  }

  /**
   * Every append to the partition goes through this shard's queue, so at the start of an operation the log must end
   * where the shard left it. If not, another leader wrote in between (leadership was lost and won back between two
   * polls): the groups here are stale and are loaded again.
   */
  private checkUnchanged(shard: Shard): void {
    if (shard.state !== 'active') return;
    const replica = this.replica(shard.partition);
    if (replica !== undefined && replica.logEndOffset !== shard.expectedEnd) {
      this.options.logger.info({ partition: shard.partition }, 'offsets partition changed under the coordinator');
      shard.state = 'loading';
    }
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
    const controller = o.controller();
    const controllerId = controller.controllerId();
    if (controllerId < 0) return;
    const spec = this.internalTopicSpec();
    let created: Promise<unknown>;
    if (controllerId === o.brokerId) {
      created = controller.createTopic(spec, o.nowMs());
    } else {
      const target = o.brokers().find((b) => b.id === controllerId);
      if (target === undefined) return;
      created = forwardCreateTopic({ host: target.host, port: target.port, ...(o.credentials ?? {}) }, spec, 10_000);
    }
    this.creating = true;
    created
      .then(() => {
        o.logger.info({ topic: OFFSETS_TOPIC, partitions: spec.partitions }, 'offsets topic created');
      })
      .catch((err: unknown) => {
        if (err instanceof BrookError && err.code === 'TOPIC_EXISTS') return;
        o.logger.warn({ err }, 'could not create the offsets topic');
      })
      .finally(() => {
        this.creating = false;
      });
  }

  private replica(partition: number): Partition | undefined {
    return this.options.partitions.topic(OFFSETS_TOPIC)?.get(partition);
  }

  private newShard(partition: number): Shard {
    return {
      partition,
      state: 'loading',
      core: this.newCore(),
      queue: Promise.resolve(),
      busy: 0,
      expectedEnd: 0,
      persisted: new Map(),
      dirty: new Set(),
      lastCheckpointMs: 0,
      upkeepQueued: false,
    };
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

  private drop(shard: Shard, why: string): void {
    shard.state = 'dropped';
    this.shards.delete(shard.partition);
    this.options.logger.info({ partition: shard.partition, why }, 'groups of an offsets partition dropped');
  }

  /** Replays the partition once everything in it is committed (a new leader's first entry commits the rest). */
  private tryLoad(shard: Shard, replica: Partition): void {
    if (shard.busy > 0 || replica.highWatermark < replica.logEndOffset) return;
    const groups = new Map<string, Group>();
    let offset = replica.logStartOffset;
    const end = replica.highWatermark;
    try {
      while (offset < end) {
        const batches = replica.read(offset, READ_BYTES);
        if (batches.length === 0) break;
        for (const batch of batches) {
          for (const entry of decodeBatch(batch, (at, err) => {
            this.options.logger.warn({ partition: shard.partition, offset: at, err }, 'skipped a bad offsets record');
          })) {
            applyEntry(groups, entry);
          }
          offset = batch.baseOffset + batch.count;
        }
      }
    } catch (err) {
      this.options.logger.warn({ partition: shard.partition, err }, 'loading an offsets partition failed; retrying');
      return;
    }
    const now = this.options.nowMs();
    const core = this.newCore();
    core.setTopics(this.topicMap);
    for (const group of groups.values()) core.restore(group, now);
    shard.core = core;
    shard.persisted = new Map([...groups.values()].map((g) => [g.groupId, groupFingerprint(g)]));
    shard.expectedEnd = replica.logEndOffset;
    shard.state = 'active';
    shard.lastCheckpointMs = now;
    this.options.logger.info({ partition: shard.partition, groups: groups.size, endOffset: end }, 'groups loaded');
    // A fresh checkpoint, so that retention can drop everything the previous leaders wrote.
    void this.enqueue(shard, async () => {
      core.setTopics(this.topicMap);
      await this.checkpoint(shard);
    }).catch(() => undefined);
  }

  /** Expiry, topic changes and the periodic checkpoint of one shard. */
  private async upkeep(shard: Shard): Promise<void> {
    this.checkUnchanged(shard);
    if (shard.state !== 'active') return;
    const now = this.options.nowMs();
    const changed = new Set([...shard.dirty, ...shard.core.setTopics(this.topicMap), ...shard.core.tick(now)]);
    shard.dirty.clear();
    if (now - shard.lastCheckpointMs >= this.options.checkpointIntervalMs) {
      await this.checkpoint(shard);
      return;
    }
    if (changed.size > 0) await this.persistGroups(shard, [...changed]);
  }

  private async checkpoint(shard: Shard): Promise<void> {
    const groups = shard.core.groupIds().flatMap((id) => {
      const group = shard.core.group(id);
      return group === null ? [] : [group];
    });
    shard.lastCheckpointMs = this.options.nowMs();
    if (groups.length === 0) return;
    await this.append(shard, groups.map(snapshotEntry));
    for (const g of groups) shard.persisted.set(g.groupId, groupFingerprint(g));
  }

  /** Appends a `group` entry for each of these groups whose members or target changed since last persisted. */
  private async persistGroups(shard: Shard, groupIds: readonly string[]): Promise<void> {
    const entries: OffsetsEntry[] = [];
    const prints = new Map<string, string>();
    for (const id of groupIds) {
      const group = shard.core.group(id);
      if (group === null) continue;
      const print = groupFingerprint(group);
      if (shard.persisted.get(id) === print) continue;
      entries.push(groupEntry(group));
      prints.set(id, print);
    }
    if (entries.length === 0) return;
    await this.append(shard, entries);
    for (const [id, print] of prints) shard.persisted.set(id, print);
  }

  /**
   * Appends entries with acks=all. On failure the in-memory groups may be ahead of the log: the shard reloads
   * (or is dropped when leadership moved) and the caller gets NOT_COORDINATOR or the append's retriable error.
   */
  private async append(shard: Shard, entries: readonly OffsetsEntry[]): Promise<void> {
    const replica = this.replica(shard.partition);
    if (replica === undefined) throw this.notCoordinator(shard.partition);
    try {
      for (const batch of encodeBatches(entries, this.options.nowMs())) {
        await replica.append(batch, -1, this.options.appendTimeoutMs);
      }
      shard.expectedEnd = replica.logEndOffset;
    } catch (err) {
      const error = BrookError.from(err);
      if (shard.state === 'active') shard.state = 'loading';
      if (error.code === 'NOT_LEADER') throw this.notCoordinator(shard.partition);
      throw error;
    }
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
