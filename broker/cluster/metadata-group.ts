/**
 * The metadata Raft group: every broker of the cluster is a voter, its log (a partition log in
 * `<dataDir>/__metadata`) holds topic commands, and its leader is the controller. A create or delete is proposed
 * by the controller and applied by every broker, in log order, to its own topic store and partition replicas.
 */
import path from 'node:path';
import type { Runtime } from '../clock.js';
import type { Logger } from '../logger.js';
import { PartitionLog } from '../log/partition-log.js';
import { RaftLogStorage } from '../log/raft-log-storage.js';
import type { PartitionRegistry } from '../partitions/partition-registry.js';
import { BrookError, partitionKey } from '../../protocol/index.js';
import { ConfigChangeType, type Entry } from '../raft/index.js';
import { applySecurityChange, type SecurityChange } from '../auth/security-changes.js';
import { ignoreTopicExists, type Controller, type PartitionMove } from './controller.js';
import type { PeerAddress } from './peer-link.js';
import { assignLiveReplicas, majorityOf } from './placement.js';
import { planBrokerRemoval } from './broker-removal.js';
import { newClusterId, UNKNOWN_CLUSTER_ID } from './cluster-id.js';
import { decodeCommandEntry, encodeCommandEntry, type MetadataCommand } from './metadata-commands.js';
import { RaftGroup } from './raft-group.js';
import type { RaftHost } from './raft-host.js';
import {
  alteredConfig,
  checkPartitionGrowth,
  isInternalTopic,
  type TopicConfigChange,
  type TopicSpec,
} from '../topics/topic-config.js';
import type { TopicRecord } from '../topics/topic-registry.js';
import type { TopicStore } from './topic-store.js';

/** The metadata group's id in peer envelopes. */
export const METADATA_GROUP = '__metadata';

/** How long topic creation waits for enough brokers to be heard from before refusing. */
const LIVE_WAIT_MS = 3_000;
/** How long a broker removal waits for the voter change to commit: 100 polls of 100 ms. */
const VOTER_WAIT_POLLS = 100;
const VOTER_POLL_MS = 100;

export interface MetadataGroupOptions {
  readonly selfId: number;
  /** The founding brokers of the cluster; empty for a broker that joins an existing cluster (it learns them). */
  readonly voters: readonly number[];
  readonly dataDir: string;
  readonly host: RaftHost;
  readonly topics: TopicStore;
  readonly partitions: PartitionRegistry;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly logger: Logger;
  /** The wall clock (the timestamps of metadata batches) and the random source of the group's election jitter. */
  readonly runtime: Runtime;
  /** A broker joined (every broker dials it from now on). */
  readonly brokerAdded: (broker: PeerAddress) => void;
  /** A broker was removed (nobody dials it from now on). */
  readonly brokerRemoved: (id: number) => void;
  /** Asks the controller (another broker) to create an internal topic. */
  readonly askController: (controllerId: number, spec: TopicSpec) => void;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: BrookError };

export class MetadataGroup implements Controller {
  private readonly group: RaftGroup;
  /** Applies run one after another: hosting a topic's replicas is asynchronous. */
  private applying: Promise<void> = Promise.resolve();
  /** Proposals of this controller waiting to be applied here, by index. */
  private readonly waiting = new Map<number, (outcome: Outcome) => void>();
  /** Partitions whose completeMove is being proposed. */
  private readonly completing = new Set<string>();
  /** Whether this controller is proposing the cluster id. */
  private announcing = false;

  private constructor(
    private readonly options: MetadataGroupOptions,
    private readonly log: PartitionLog,
  ) {
    const storage = new RaftLogStorage(log, options.voters);
    this.group = new RaftGroup({
      id: METADATA_GROUP,
      selfId: options.selfId,
      storage,
      electionTicks: options.electionTicks,
      heartbeatTicks: options.heartbeatTicks,
      random: options.runtime.rng,
      applied: Math.min(options.topics.appliedIndex, storage.lastIndex()),
      asyncWrites: options.host.asyncWrites,
      events: {
        committed: () => undefined,
        leaderChanged: (leader, term) => {
          options.logger.info({ controller: leader, term }, 'controller changed');
        },
        apply: (entries) => {
          this.apply(entries);
        },
      },
    });
    options.host.add(this.group);
  }

  /** Opens the metadata log and joins the group. Metadata is never subject to retention. */
  static open(options: MetadataGroupOptions): MetadataGroup {
    const log = PartitionLog.openAlone(path.join(options.dataDir, METADATA_GROUP), {
      flush: 'always',
      retentionMs: -1,
      retentionBytes: -1,
    });
    return new MetadataGroup(options, log);
  }

  /** Whether this broker is the controller now. */
  get isLeader(): boolean {
    return this.group.isLeader;
  }

  /** The metadata group's voters, as this broker's log has them. */
  get voters(): readonly number[] {
    return this.group.voters;
  }

  controllerId(): number {
    const leader = this.group.leader;
    return leader === 0 ? -1 : leader;
  }

  /**
   * Async so that a spec refused by the store (TOPIC_EXISTS, invalid) rejects: ensureInternalTopic catches that.
   * Replicas go on live brokers only; INVALID_REPLICATION_FACTOR when fewer are live than the replication factor after waiting up
   * to 3 s for them to be heard from. An internal
   * topic (`__offsets`) needs only a live majority of its replicas, the rest going on brokers that are down: consumer
   * groups must work while one broker of three is down, and the topic keeps its replication factor for their return.
   */
  async createTopic(spec: TopicSpec, nowMs: number): Promise<TopicRecord> {
    const planned = this.options.topics.plan(spec, nowMs);
    const replicas = await this.placeLive(spec.name, spec.partitions, spec.replicationFactor);
    const record: TopicRecord = Object.freeze({
      ...planned,
      replicas: Object.freeze(replicas.map((r) => Object.freeze(r))),
    });
    await this.propose({ type: 'createTopic', record });
    return record;
  }

  /** Proposes the checked config; resolves once applied here. */
  async alterTopicConfig(name: string, change: TopicConfigChange): Promise<TopicRecord> {
    const { topics } = this.options;
    const config = alteredConfig(topics.existingTopic(name).config, change, isInternalTopic(name));
    await this.propose({ type: 'alterTopicConfig', name, config });
    return topics.existingTopic(name);
  }

  /** Places the new partitions on live brokers as {@link createTopic} does; resolves once applied here. */
  async createPartitions(name: string, count: number): Promise<TopicRecord> {
    const { topics } = this.options;
    const record = topics.existingTopic(name);
    checkPartitionGrowth(name, record.partitions, count);
    const placed = await this.placeLive(name, count, record.replicationFactor);
    await this.propose({
      type: 'createPartitions',
      name,
      from: record.partitions,
      replicas: placed.slice(record.partitions),
    });
    return topics.existingTopic(name);
  }

  /**
   * Replicas for partitions 0 to `partitions - 1` of `topic` on live brokers only (INVALID_REPLICATION_FACTOR when fewer are live
   * than the replication factor after waiting up to 3 s for them to be heard from). An internal topic needs only a
   * live majority of its replicas (see {@link createTopic}).
   */
  private async placeLive(topic: string, partitions: number, rf: number): Promise<number[][]> {
    const { topics, host } = this.options;
    const minLive = isInternalTopic(topic) ? majorityOf(rf) : rf;
    const live = (id: number): boolean => host.mayBeLive(id);
    // A broker that just started may not have been heard from yet (its peers marked it dead while it was down): give
    // the brokers a moment to be heard before refusing, so a topic created as a cluster starts is placed.
    await host.untilLive(() => topics.brokerIds.filter(live).length >= minLive, LIVE_WAIT_MS);
    return assignLiveReplicas(topic, partitions, rf, topics.brokerIds, live, minLive);
  }

  async ensureInternalTopic(spec: TopicSpec, nowMs: number): Promise<void> {
    if (this.group.isLeader) {
      await this.createTopic(spec, nowMs).catch(ignoreTopicExists);
      return;
    }
    const controller = this.controllerId();
    if (controller < 0) throw this.group.notLeader();
    this.options.askController(controller, spec);
  }

  async deleteTopic(name: string): Promise<void> {
    if (this.options.topics.get(name) === undefined) {
      throw new BrookError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
    }
    await this.propose({ type: 'deleteTopic', name });
  }

  /** Controller only: creates, changes or deletes a user; resolves once applied here. */
  async changeSecurity(change: SecurityChange): Promise<void> {
    await this.propose({ type: 'security', change });
  }

  /** Controller only: records a broker that asked to join (its peer address). */
  async addBroker(broker: PeerAddress): Promise<void> {
    await this.propose({ type: 'addBroker', broker });
  }

  /**
   * Moves partitions to new replica sets, or (`rebalance`) places every partition of every topic anew by rendezvous
   * hashing, live brokers first, so that a broker that joined gets its share and few others move (and partitions on
   * a dead broker move off it where enough brokers are live).
   * Returns the target of each partition asked for (or changed by the rebalance).
   */
  async reassign(moves: readonly PartitionMove[], rebalance: boolean): Promise<PartitionMove[]> {
    const { topics } = this.options;
    const live = (id: number): boolean => this.options.host.mayBeLive(id);
    const planned = rebalance ? rebalancedPlacement(topics.list(), topics.brokerIds, live) : [];
    for (const move of moves) checkMove(move, topics);
    const all = [...planned, ...moves];
    await Promise.all(all.map((m) => this.propose({ type: 'reassignPartition', ...m })));
    return all;
  }

  /** Controller only: a partition's leader reports its group reached the target; its old replicas may go. */
  completeMove(move: PartitionMove): void {
    const key = partitionKey(move.topic, move.partition);
    const record = this.options.topics.get(move.topic);
    if (record?.moving?.[move.partition] === undefined || this.completing.has(key)) return;
    if (!sameMembers(record.replicas[move.partition] ?? [], move.replicas)) return;
    this.completing.add(key);
    this.propose({ type: 'completeMove', ...move })
      .catch((err: unknown) => {
        this.options.logger.warn({ err, ...move }, 'partition move not completed');
      })
      .finally(() => this.completing.delete(key));
  }

  async removeBroker(id: number, force: boolean): Promise<PartitionMove[]> {
    if (!this.group.isLeader) throw this.group.notLeader();
    const { topics, selfId } = this.options;
    const moves = planBrokerRemoval({
      id,
      force,
      brokerIds: topics.brokerIds,
      voters: this.group.voters,
      removed: topics.isRemoved(id),
      isLive: (b) => this.isLive(b),
      topics: topics.list(),
    });
    // The controller cannot vote itself out and keep leading: it hands over, and the client asks the next one.
    if (id === selfId) throw this.handOver();
    await Promise.all(moves.map((m) => this.propose({ type: 'reassignPartition', ...m })));
    if (!topics.isRemoved(id)) await this.propose({ type: 'removeBroker', id });
    this.reconcileVoters();
    for (let poll = 0; this.group.voters.includes(id) || !this.group.configCommitted; poll++) {
      if (poll >= VOTER_WAIT_POLLS) {
        throw new BrookError('REQUEST_TIMED_OUT', `broker ${String(id)} is removed, but still a metadata voter`);
      }
      // Leadership may have moved while waiting (a getter TypeScript would take as still narrowed by the check above).
      if (this.controllerId() !== selfId) throw this.group.notLeader();
      await new Promise<void>((resolve) => this.options.runtime.timers.setTimeout(resolve, VOTER_POLL_MS));
    }
    return moves;
  }

  /**
   * Controller only: puts the cluster id in the metadata log if it is not there yet, once. A new cluster's first
   * controller makes it (random); a cluster made before keeps the id its brokers hold, and joiners learn it.
   */
  announceClusterId(): void {
    const { topics, logger } = this.options;
    if (!this.group.isLeader || this.announcing || topics.clusterIdLogged) return;
    this.announcing = true;
    const id = topics.clusterId === UNKNOWN_CLUSTER_ID ? newClusterId() : topics.clusterId;
    this.propose({ type: 'clusterId', id })
      .catch((err: unknown) => {
        logger.warn({ err }, 'cluster id not recorded (the next controller tries again)');
      })
      .finally(() => {
        this.announcing = false;
      });
  }

  /**
   * Controller only: makes one more broker a metadata voter if one is missing, or takes a removed broker out of the
   * voters (one change at a time).
   */
  reconcileVoters(): void {
    if (!this.group.isLeader || !this.group.configCommitted) return;
    const { topics, logger, selfId } = this.options;
    const removed = this.group.voters.find((id) => topics.isRemoved(id));
    if (removed === selfId) {
      this.handOver();
      return;
    }
    const missing = topics.brokerIds.find((id) => !this.group.voters.includes(id));
    const change =
      removed !== undefined
        ? { type: ConfigChangeType.RemoveVoter, nodeId: removed }
        : missing !== undefined
          ? { type: ConfigChangeType.AddVoter, nodeId: missing }
          : undefined;
    if (change === undefined || !this.group.changeMembership(change)) return;
    logger.info({ broker: change.nodeId }, `metadata: ${removed !== undefined ? 'removing' : 'adding'} a voter`);
    this.options.host.touch(this.group);
  }

  /** Leaves the group and closes the metadata log. */
  async close(): Promise<void> {
    this.options.host.remove(METADATA_GROUP);
    for (const resolve of this.waiting.values()) {
      resolve({ ok: false, error: new BrookError('SHUTTING_DOWN', 'broker is shutting down') });
    }
    this.waiting.clear();
    await this.applying;
    await this.log.close();
  }

  private isLive(id: number): boolean {
    return id === this.options.selfId || this.options.host.isLive(id);
  }

  /**
   * Hands the controller role to a live voter (Raft's leadership transfer) and returns the NOT_LEADER to answer:
   * the client asks again once metadata names the next controller.
   */
  private handOver(): BrookError {
    const { selfId } = this.options;
    const successor = this.group.voters.find((id) => id !== selfId && this.isLive(id));
    if (successor !== undefined && this.group.node.transferLeadership(successor)) this.options.host.touch(this.group);
    return new BrookError(
      'NOT_LEADER',
      `broker ${String(selfId)} is being removed and hands the controller role to broker ${String(successor ?? -1)}`,
    );
  }

  private propose(command: MetadataCommand): Promise<void> {
    // Rejected, never thrown: completeMove chains .finally on this promise to release its partition, and a peer's
    // `moved` may reach a broker that has just stopped being the controller.
    if (!this.group.isLeader) return Promise.reject(this.group.notLeader());
    const data = encodeCommandEntry(command, this.options.runtime.wall.nowMs());
    return new Promise((resolve, reject) => {
      const index = this.group.propose(
        data,
        null,
        () => undefined,
        (err) => {
          this.waiting.delete(index);
          reject(err);
        },
      );
      this.waiting.set(index, (outcome) => {
        if (outcome.ok) resolve();
        else reject(outcome.error);
      });
      this.options.host.touch(this.group);
    });
  }

  private apply(entries: readonly Entry[]): void {
    const { topics, logger } = this.options;
    for (const entry of entries) {
      const command = decodeCommandEntry(entry.data);
      const applied = applyToStore(topics, entry.index, command);
      this.applying = this.applying.then(async () => {
        let result = applied;
        if (result.ok) {
          try {
            await this.hostChange(command);
          } catch (err) {
            result = { ok: false, error: BrookError.from(err) };
          }
        }
        if (!result.ok) logger.warn({ err: result.error, index: entry.index }, 'metadata entry not applied');
        this.waiting.get(entry.index)?.(result);
        this.waiting.delete(entry.index);
      });
    }
  }

  private async hostChange(command: MetadataCommand): Promise<void> {
    const { partitions, topics, logger } = this.options;
    switch (command.type) {
      case 'createTopic':
        logger.info({ topic: command.record.name, replicas: command.record.replicas }, 'metadata: topic created');
        return partitions.createTopic(command.record);
      case 'deleteTopic':
        logger.info({ topic: command.name }, 'metadata: topic deleted');
        return partitions.deleteTopic(command.name);
      case 'addBroker':
        logger.info({ broker: command.broker }, 'metadata: broker added');
        this.options.brokerAdded(command.broker);
        return;
      case 'clusterId':
        if (topics.clusterId === command.id) logger.info({ clusterId: command.id }, 'metadata: cluster id');
        else
          logger.error({ clusterId: topics.clusterId, logged: command.id }, 'this broker belongs to another cluster');
        return;
      case 'removeBroker':
        logger.info({ broker: command.id }, 'metadata: broker removed');
        this.options.brokerRemoved(command.id);
        return;
      case 'alterTopicConfig': {
        logger.info({ topic: command.name, config: command.config }, 'metadata: topic config changed');
        const record = topics.get(command.name);
        if (record !== undefined) partitions.configChanged(record);
        return;
      }
      case 'createPartitions': {
        logger.info(
          { topic: command.name, from: command.from, replicas: command.replicas },
          'metadata: partitions added',
        );
        const record = topics.get(command.name);
        if (record !== undefined) partitions.partitionsAdded(record);
        return;
      }
      case 'reassignPartition':
      case 'completeMove': {
        const { topic, partition, replicas } = command;
        logger.info({ topic, partition, replicas }, `metadata: ${command.type}`);
        const record = topics.get(topic);
        if (record !== undefined) await partitions.moved(record, partition);
      }
    }
  }
}

/**
 * Every partition whose rendezvous placement over `brokerIds`, live ones first, differs from its replicas now. A
 * replica stays on a dead broker only where too few are live for the replication factor; throws INVALID_REPLICATION_FACTOR when
 * not even a majority of a topic's replicas could be live.
 */
function rebalancedPlacement(
  records: readonly TopicRecord[],
  brokerIds: readonly number[],
  isLive: (id: number) => boolean,
): PartitionMove[] {
  const moves: PartitionMove[] = [];
  for (const record of records) {
    const rf = Math.min(record.replicationFactor, brokerIds.length);
    const placed = assignLiveReplicas(record.name, record.partitions, rf, brokerIds, isLive, majorityOf(rf));
    placed.forEach((replicas, partition) => {
      const current = record.replicas[partition] ?? [];
      if (replicas.some((id, i) => current[i] !== id) || replicas.length !== current.length) {
        moves.push({ topic: record.name, partition, replicas });
      }
    });
  }
  return moves;
}

/** Throws UNKNOWN_TOPIC, UNKNOWN_PARTITION or INVALID_REPLICA_ASSIGNMENT for a move that cannot be made. */
function checkMove(move: PartitionMove, topics: TopicStore): void {
  const record = topics.get(move.topic);
  if (record === undefined) throw new BrookError('UNKNOWN_TOPIC', `topic '${move.topic}' does not exist`);
  if (move.partition < 0 || move.partition >= record.partitions) {
    throw new BrookError('UNKNOWN_PARTITION', `topic '${move.topic}' has no partition ${String(move.partition)}`);
  }
  const known = new Set(topics.brokerIds);
  const unknown = move.replicas.filter((id) => !known.has(id));
  if (move.replicas.length === 0 || new Set(move.replicas).size !== move.replicas.length || unknown.length > 0) {
    throw new BrookError(
      'INVALID_REPLICA_ASSIGNMENT',
      `replicas [${move.replicas.join(',')}] of ${move.topic}-${String(move.partition)} must be distinct brokers of [${[...known].join(',')}]`,
    );
  }
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

/** Applies a command to the store. A failure is the command's outcome on every broker alike (two creates of one
 * name raced to the log: the later one fails everywhere). */
function applyToStore(topics: TopicStore, index: number, command: MetadataCommand): Outcome {
  const outcomes: Outcome[] = [];
  topics.applyEntry(index, () => {
    try {
      applyCommand(topics, command);
      outcomes.push({ ok: true });
    } catch (err) {
      outcomes.push({ ok: false, error: BrookError.from(err) });
    }
  });
  return outcomes[0] ?? { ok: true };
}

function applyCommand(topics: TopicStore, command: MetadataCommand): void {
  switch (command.type) {
    case 'createTopic':
      topics.insert(command.record);
      return;
    case 'deleteTopic':
      topics.delete(command.name);
      return;
    case 'addBroker':
      topics.addBroker(command.broker);
      return;
    case 'reassignPartition':
      topics.reassign(command.topic, command.partition, command.replicas);
      return;
    case 'completeMove': {
      // Only the move it reports on: a newer reassignment of the partition (another target) keeps it moving.
      const current = topics.get(command.topic)?.replicas[command.partition] ?? [];
      if (sameMembers(current, command.replicas)) topics.completeMove(command.topic, command.partition);
      return;
    }
    case 'alterTopicConfig':
      topics.alterConfig(command.name, command.config);
      return;
    case 'createPartitions':
      topics.addPartitions(command.name, command.from, command.replicas);
      return;
    case 'removeBroker':
      topics.removeBroker(command.id);
      return;
    case 'clusterId':
      topics.adoptClusterId(command.id);
      return;
    case 'security':
      applySecurityChange(topics, command.change);
  }
}
