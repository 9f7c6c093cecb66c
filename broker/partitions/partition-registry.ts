/**
 * The partition replicas this broker hosts, by topic. Opens them on start for every topic in the registry,
 * creates and deletes them (with their directories `<dataDir>/<topic>-<partition>`), and drives the broker-wide
 * flush and retention passes.
 */
import { LogManager, parseLogName } from '../log/log-manager.js';
import type { FlushPolicy } from '../log/log-options.js';
import { BrookError } from '../../protocol/index.js';
import { hostsOf, type TopicRecord } from '../topics/topic-registry.js';
import { topicRetention, type TopicRetention } from '../topics/topic-config.js';
import { Partition } from './partition.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { StartReplication } from './replication.js';
import type { SetTimer } from './hw-waiters.js';

/** A problem the registry handled but someone should hear about. */
export type Warn = (fields: Record<string, unknown>, message: string) => void;

export interface PartitionRegistryOptions {
  readonly dataDir: string;
  readonly brokerId: number;
  readonly flush: FlushPolicy;
  /** Retention of topics that do not set their own. */
  readonly retentionDefaults: TopicRetention;
  readonly maxMessageBytes: number;
  /** Storage shards new partition logs are spread over (see LogManager). Default 1. */
  readonly storageShards?: number;
  readonly setTimer?: SetTimer;
  readonly warn?: Warn;
  /** Replication of every partition through Raft (a cluster); without it every replica leads alone. */
  readonly replicate?: (replica: ReplicaSpec) => StartReplication;
}

/** A partition replica about to be hosted here. */
export interface ReplicaSpec {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  /** Replica broker ids, preferred leader first (the target while the partition moves). */
  readonly replicas: readonly number[];
  /** The replica is moving here: its fresh log joins the group instead of bootstrapping it. */
  readonly joining: boolean;
}

interface HostedTopic {
  readonly record: TopicRecord;
  /** The replicas hosted here, by partition number. */
  readonly partitions: Map<number, Partition>;
}

export class PartitionRegistry {
  private readonly topics = new Map<string, HostedTopic>();
  /** Partitions appended to since the last flush. */
  private readonly appended = new Set<Partition>();
  /** Topics whose partitions are still closing after a delete; a new topic of that name waits for it. */
  private readonly deleting = new Map<string, Promise<void>>();
  private readonly logs: LogManager;
  private readonly warn: Warn;

  constructor(private readonly options: PartitionRegistryOptions) {
    this.warn = options.warn ?? (() => undefined);
    this.logs = new LogManager({
      dataDir: options.dataDir,
      flush: options.flush,
      warn: this.warn,
      ...(options.storageShards === undefined ? {} : { shards: options.storageShards }),
    });
  }

  /**
   * Opens the replicas of every topic (their logs recover as they open) and removes partition directories left
   * by a delete that a crash interrupted. On failure, closes what it opened and throws.
   */
  async openAll(topics: readonly TopicRecord[]): Promise<void> {
    try {
      for (const record of topics) this.host(record, false);
    } catch (err) {
      await this.closeAll();
      throw err;
    }
    this.removeOrphans();
  }

  /** Opens fresh, empty replicas for a just-created topic (any stale directory of the same name is removed). */
  async createTopic(record: TopicRecord): Promise<void> {
    await this.deleting.get(record.name);
    if (this.topics.has(record.name)) throw new BrookError('TOPIC_EXISTS', `topic '${record.name}' already exists`);
    try {
      this.host(record, true);
    } catch (err) {
      await this.dropTopic(record.name);
      throw err;
    }
  }

  /**
   * Closes the topic's replicas (watchers hear 'closed', waiters fail with UNKNOWN_TOPIC) and deletes their
   * directories. The topic is unknown to {@link partition} from the moment this is called.
   */
  deleteTopic(name: string): Promise<void> {
    const done = this.dropTopic(name).finally(() => {
      this.deleting.delete(name);
    });
    this.deleting.set(name, done);
    return done;
  }

  /** The topic's hosted replicas, if it is known. */
  topic(name: string): ReadonlyMap<number, Partition> | undefined {
    return this.topics.get(name)?.partitions;
  }

  /**
   * The replica of `topic`/`partition` hosted here. Throws UNKNOWN_TOPIC, UNKNOWN_PARTITION, or NOT_LEADER
   * (with the leader's id) when the partition exists but is not hosted on this broker.
   */
  partition(topic: string, partition: number): Partition {
    const hosted = this.topics.get(topic);
    if (hosted === undefined) throw new BrookError('UNKNOWN_TOPIC', `topic '${topic}' does not exist`);
    const replica = hosted.partitions.get(partition);
    if (replica !== undefined) return replica;
    if (partition < 0 || partition >= hosted.record.partitions) {
      throw new BrookError(
        'UNKNOWN_PARTITION',
        `topic '${topic}' has no partition ${String(partition)} (it has ${String(hosted.record.partitions)})`,
      );
    }
    const leaderId = hosted.record.replicas[partition]?.[0];
    const message = `partition ${topic}-${String(partition)} is not hosted on broker ${String(this.options.brokerId)}`;
    throw leaderId === undefined
      ? new BrookError('NOT_LEADER', message)
      : new BrookError('NOT_LEADER', message, { leaderId });
  }

  /** The replica of `topic`/`partition` if this broker leads it; else throws as {@link partition} or NOT_LEADER. */
  leader(topic: string, partition: number): Partition {
    const replica = this.partition(topic, partition);
    if (replica.leaderId !== this.options.brokerId) {
      const message = `broker ${String(this.options.brokerId)} does not lead ${topic}-${String(partition)}`;
      throw replica.leaderId < 0
        ? new BrookError('NOT_LEADER', `${message} (no leader right now)`)
        : new BrookError('NOT_LEADER', message, { leaderId: replica.leaderId });
    }
    return replica;
  }

  /** Every hosted replica. */
  *all(): IterableIterator<Partition> {
    for (const hosted of this.topics.values()) yield* hosted.partitions.values();
  }

  /** Syncs every partition appended to since the last call; returns how many. Failures are warned about. */
  syncAppended(): number {
    const partitions = [...this.appended];
    this.appended.clear();
    for (const p of partitions) {
      try {
        p.sync();
      } catch (err) {
        this.warn({ err, topic: p.topic, partition: p.partition }, 'flush failed');
      }
    }
    return partitions.length;
  }

  /** Applies retention to every replica; returns the batches deleted. Failures are warned about. */
  retentionPass(nowMs: number): number {
    let deleted = 0;
    for (const p of this.all()) {
      try {
        const removed = p.applyRetention(nowMs);
        // The moved log start offset must reach the disk like an append does, or offsets could go back after a
        // power loss.
        if (removed > 0) this.appended.add(p);
        deleted += removed;
      } catch (err) {
        this.warn({ err, topic: p.topic, partition: p.partition }, 'retention failed');
      }
    }
    return deleted;
  }

  /** Releases every waiting fetch and produce (the broker is stopping). */
  wakeWaiters(): void {
    for (const p of this.all()) p.wakeWaiters();
  }

  /** Closes every replica (each after its in-flight group commit). Idempotent. */
  async closeAll(): Promise<void> {
    const partitions = [...this.all()];
    this.topics.clear();
    this.appended.clear();
    await Promise.all([...this.deleting.values()]);
    const results = await Promise.allSettled(partitions.map((p) => p.close('shutdown')));
    await this.logs.closeAll();
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  private host(record: TopicRecord, fresh: boolean): void {
    const partitions = new Map<number, Partition>();
    this.topics.set(record.name, { record, partitions });
    for (let p = 0; p < record.partitions; p++) {
      if (!hostsOf(record, p).includes(this.options.brokerId)) continue;
      // A moving partition without a log here is arriving: it learns its membership from the leader.
      const arriving = record.moving?.[p] !== undefined && (fresh || !this.hasLog(record.name, p));
      partitions.set(p, this.openPartition(record, p, fresh, arriving));
    }
  }

  /**
   * Applies a move of `topic`/`partition` (the metadata's new record): a replica moving here opens with an empty
   * log and joins the group; one already here learns its new replica set; with the move complete, a replica left
   * out of it closes and deletes its copy.
   */
  async moved(record: TopicRecord, partition: number): Promise<void> {
    const hosted = this.topics.get(record.name);
    if (hosted === undefined) return;
    const replicas = hosted.partitions;
    this.topics.set(record.name, { record, partitions: replicas });
    const existing = replicas.get(partition);
    const hostedHere = hostsOf(record, partition).includes(this.options.brokerId);
    const moving = record.moving?.[partition] !== undefined;
    if (existing !== undefined && hostedHere) {
      existing.retarget(record.replicas[partition] ?? [], moving);
      return;
    }
    if (existing === undefined && hostedHere) {
      replicas.set(partition, this.openPartition(record, partition, true, true));
      return;
    }
    if (existing !== undefined) {
      replicas.delete(partition);
      this.appended.delete(existing);
      await existing.close('deleted');
      await this.logs.drop(record.name, partition);
    }
  }

  /** Applies a topic's changed config (the metadata's new record): each replica here runs with its new retention. */
  configChanged(record: TopicRecord): void {
    const hosted = this.topics.get(record.name);
    if (hosted === undefined) return;
    this.topics.set(record.name, { record, partitions: hosted.partitions });
    const retention = topicRetention(record.config, this.options.retentionDefaults);
    for (const replica of hosted.partitions.values()) replica.setRetention(retention);
  }

  /**
   * Applies partitions added to a topic (the metadata's new record): the new ones placed here open fresh, as a
   * created topic's do; the existing ones are untouched.
   */
  partitionsAdded(record: TopicRecord): void {
    const hosted = this.topics.get(record.name);
    if (hosted === undefined) return;
    const previous = hosted.record.partitions;
    this.topics.set(record.name, { record, partitions: hosted.partitions });
    for (let p = previous; p < record.partitions; p++) {
      if (hostsOf(record, p).includes(this.options.brokerId)) {
        hosted.partitions.set(p, this.openPartition(record, p, true, false));
      }
    }
  }

  private hasLog(topic: string, partition: number): boolean {
    return this.logs.has(topic, partition);
  }

  private openPartition(record: TopicRecord, p: number, fresh: boolean, joining: boolean): Partition {
    const replicas = record.replicas[p] ?? [];
    if (fresh) this.logs.discard(record.name, p);
    const retention = topicRetention(record.config, this.options.retentionDefaults);
    const log = this.logs.open(record.name, p, retention);
    const replicate = this.options.replicate;
    return new Partition({
      topic: record.name,
      partition: p,
      log,
      replicas,
      leaderId: replicas[0] ?? this.options.brokerId,
      maxMessageBytes: this.options.maxMessageBytes,
      soleReplica: replicate === undefined,
      ...(replicate === undefined
        ? {}
        : { replication: replicate({ topic: record.name, partition: p, log, replicas, joining }) }),
      onAppend: (partition) => this.appended.add(partition),
      onListenerError: (err) => {
        this.warn({ err, topic: record.name, partition: p }, 'partition watcher threw');
      },
      ...(this.options.setTimer === undefined ? {} : { setTimer: this.options.setTimer }),
    });
  }

  private async dropTopic(name: string): Promise<void> {
    const hosted = this.topics.get(name);
    if (hosted === undefined) return;
    this.topics.delete(name);
    for (const p of hosted.partitions.values()) this.appended.delete(p);
    await Promise.allSettled([...hosted.partitions.values()].map((p) => p.close('deleted')));
    for (let p = 0; p < hosted.record.partitions; p++) {
      try {
        await this.logs.drop(name, p);
      } catch (err) {
        this.warn({ err, topic: name, partition: p }, 'could not remove a deleted partition directory');
      }
    }
  }

  /** Removes the logs of replicas this broker does not host: of deleted topics, or of partitions moved away. */
  private removeOrphans(): void {
    for (const name of this.logs.storedNames()) {
      const parsed = parseLogName(name);
      if (parsed === null) continue;
      const hosted = this.topics.get(parsed.topic);
      if (hosted?.partitions.has(parsed.partition) === true) continue;
      this.warn(
        { log: name },
        hosted === undefined ? 'removing the log of a deleted topic' : 'removing the log of a partition moved away',
      );
      this.logs.discard(parsed.topic, parsed.partition);
    }
  }
}
