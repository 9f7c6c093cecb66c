/** Topic administration: create, delete, list and describe topics, and look up offsets. */
import { BrookError, type WireError } from '../protocol/index.js';
import {
  GroupAdmin,
  type GroupDescription,
  type GroupListing,
  type OffsetResetTarget,
  type ResetOffsetsOptions,
} from './admin-groups.js';
import type { AclBinding, AclFilter, QuotaEntity, QuotaOverride } from '../protocol/index.js';
import { AclAdmin } from './admin-acls.js';
import { BrokerAdmin, type RemovalMove, type RemoveBrokerOptions } from './admin-brokers.js';
import { QuotaAdmin, type QuotaRates } from './admin-quotas.js';
import { UserAdmin, type UserListing } from './admin-users.js';
import { Cluster, type BrokerInfo, type PartitionMetadata } from './cluster.js';
import { resolveClientOptions, type ClientOptions, type Platform } from './options.js';

/** Longest describeTopics waits for a partition leader's own view before using the first answer. */
const LEADER_VIEW_TIMEOUT_MS = 1_000;

/** Options of {@link AdminCore.createTopic}. */
export interface NewTopicOptions {
  /** Partition count. Default 1. */
  readonly partitions?: number;
  /** Copies of each partition. Default 1. */
  readonly replicationFactor?: number;
  /** Topic config: `retention.ms`, `retention.bytes`, `cleanup.policy` (see the protocol). Default none. */
  readonly config?: Readonly<Record<string, string>>;
}

/** Options of {@link AdminCore.createTopic}. */
export interface CreateTopicOptions extends NewTopicOptions {
  /** Resolve, instead of rejecting with TOPIC_EXISTS, when the topic exists already. Default false. */
  readonly ifNotExists?: boolean;
}

/** A topic to create. */
export interface NewTopic extends NewTopicOptions {
  readonly name: string;
}

/** The outcome for one topic of createTopics / deleteTopics. */
export interface TopicResult {
  readonly name: string;
  /** Set when the operation failed for this topic. */
  readonly error?: BrookError;
}

/** A change of a topic's config, as {@link AdminCore.alterTopicConfig} takes it. */
export interface TopicConfigChange {
  /** Keys to set (`retention.ms`, `retention.bytes`, `cleanup.policy`), checked as at creation. Default none. */
  readonly set?: Readonly<Record<string, string>>;
  /** Keys to take back to the broker's default. Default none. */
  readonly delete?: readonly string[];
}

/** A topic with its partitions and config. */
export interface TopicDescription {
  readonly name: string;
  readonly partitions: readonly PartitionMetadata[];
  readonly config: Readonly<Record<string, string>>;
}

/** Where to look up an offset: the first, the next, or the first batch reaching a timestamp (ms). */
export type OffsetQuery = 'earliest' | 'latest' | { readonly timestamp: number };

/** An offset found by {@link AdminCore.listOffsets}. */
export interface PartitionOffset {
  readonly partition: number;
  readonly offset: number;
  /** For timestamp queries, the max timestamp of the batch found; otherwise null. */
  readonly timestamp: number | null;
}

/** What {@link AdminCore.describeCluster} tells. */
export interface ClusterDescription {
  readonly clusterId: string;
  /** The controller's broker id, -1 while there is none. */
  readonly controllerId: number;
  readonly brokers: readonly BrokerInfo[];
}

/** A partition and the replicas it moves (or moved) to, preferred leader first. */
export interface PartitionReassignment {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

/** The shared core of the Node and browser `Admin` classes (which supply the transports). */
export class AdminCore {
  private readonly cluster: Cluster;
  private readonly groups: GroupAdmin;
  private readonly users: UserAdmin;
  private readonly acls: AclAdmin;
  private readonly brokers: BrokerAdmin;
  private readonly quotas: QuotaAdmin;

  constructor(options: ClientOptions, platform: Platform) {
    this.cluster = new Cluster(resolveClientOptions(options, platform));
    this.groups = new GroupAdmin(this.cluster, (topic, at, partitions) => this.listOffsets(topic, at, partitions));
    this.users = new UserAdmin((send) => this.controllerRequest(send));
    this.acls = new AclAdmin((send) => this.controllerRequest(send));
    this.brokers = new BrokerAdmin((send) => this.controllerRequest(send));
    this.quotas = new QuotaAdmin((send) => this.controllerRequest(send));
  }

  /**
   * Sets produce and fetch byte rates for `entity`: `{ user }`, `{ clientId }`, both, or `{}` (the default of every
   * user). The most specific quota set holds a client (see {@link QuotaAdmin}).
   */
  setQuota(entity: QuotaEntity, rates: QuotaRates): Promise<void> {
    return this.quotas.setQuota(entity, rates);
  }

  /** Every quota override of the cluster. */
  listQuotas(): Promise<QuotaOverride[]> {
    return this.quotas.listQuotas();
  }

  /** Removes the quota override of `entity` (UNKNOWN_QUOTA when there is none). */
  removeQuota(entity: QuotaEntity): Promise<void> {
    return this.quotas.removeQuota(entity);
  }

  /**
   * Removes broker `id` from the cluster (metadata voters and replica placement), so that a bad join can be undone;
   * see {@link BrokerAdmin.removeBroker}.
   */
  async removeBroker(id: number, options: RemoveBrokerOptions = {}): Promise<RemovalMove[]> {
    const moves = await this.brokers.removeBroker(id, options);
    for (const m of moves) this.cluster.invalidate(m.topic);
    return moves;
  }

  /** Adds ACL bindings (with `--authorizer acl`, what no binding allows is denied; deny wins). */
  createAcls(acls: readonly AclBinding[]): Promise<void> {
    return this.acls.createAcls(acls);
  }

  /** The ACL bindings matching every field `filter` gives (all for `{}`). */
  listAcls(filter: AclFilter = {}): Promise<AclBinding[]> {
    return this.acls.listAcls(filter);
  }

  /** Deletes the ACL bindings `filter` matches; resolves with them. */
  deleteAcls(filter: AclFilter): Promise<AclBinding[]> {
    return this.acls.deleteAcls(filter);
  }

  /**
   * Creates a SCRAM-SHA-256 user or replaces its password (the credential is derived here: the password never
   * reaches a broker). The cluster's first user turns authentication on for every connection.
   */
  createUser(name: string, password: string): Promise<void> {
    return this.users.createUser(name, password);
  }

  /** Deletes a user; rejects with UNKNOWN_USER if there is none. */
  deleteUser(name: string): Promise<void> {
    return this.users.deleteUser(name);
  }

  /** The cluster's users (name, mechanism, iterations), sorted by name. */
  listUsers(): Promise<UserListing[]> {
    return this.users.listUsers();
  }

  /** Every consumer group of the cluster with its state, member count and coordinator, sorted by id. */
  listGroups(): Promise<GroupListing[]> {
    return this.groups.listGroups();
  }

  /** A group's members, assignment and per-partition committed offset, log end and lag; rejects with UNKNOWN_GROUP. */
  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.groups.describeGroup(groupId);
  }

  /** Deletes groups that have no members, with their committed offsets; a result per group. */
  deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; error?: BrookError }[]> {
    return this.groups.deleteGroups(groupIds);
  }

  /** A group's committed offsets (every partition with a commit). */
  committedOffsets(groupId: string): Promise<{ topic: string; partition: number; offset: number; metadata: string }[]> {
    return this.groups.committedOffsets(groupId);
  }

  /**
   * Moves a group's committed offsets on every partition of `topic` to the log start, the log end, the first record
   * at a timestamp, or a given offset. The group must have no members (GROUP_NOT_EMPTY otherwise). With
   * `{ dryRun: true }`, resolves with the offsets it would commit and changes nothing.
   */
  resetOffsets(
    groupId: string,
    topic: string,
    to: OffsetResetTarget,
    options: ResetOffsetsOptions = {},
  ): Promise<{ partition: number; offset: number }[]> {
    return this.groups.resetOffsets(groupId, topic, to, options);
  }

  /**
   * Creates topics; resolves with a result per topic (never rejects for per-topic errors such as TOPIC_EXISTS), once each
   * created topic is in the metadata this client reads (or its metadata wait has passed).
   */
  async createTopics(topics: readonly NewTopic[]): Promise<TopicResult[]> {
    const response = await this.controllerRequest((c) =>
      c.request('createTopics', {
        topics: topics.map((t) => ({
          name: t.name,
          partitions: t.partitions ?? 1,
          replicationFactor: t.replicationFactor ?? 1,
          config: { ...(t.config ?? {}) },
        })),
      }),
    );
    for (const t of topics) this.cluster.invalidate(t.name);
    // The controller answers once the topic is committed; the broker this client reads metadata from may apply it a
    // moment later. Wait for it there (as kafkajs waits for leaders), so that what follows finds the topic. Best effort:
    // the creation succeeded whatever this wait sees, and a broker that stays behind is the next request's error.
    const created = response.results.filter((r) => r.error === undefined).map((r) => r.name);
    await Promise.all(created.map((name) => this.cluster.topic(name).catch(() => undefined)));
    return response.results.map((r) =>
      r.error === undefined ? { name: r.name } : { name: r.name, error: BrookError.fromWire(r.error) },
    );
  }

  /**
   * Creates one topic; rejects with its error (TOPIC_EXISTS, INVALID_TOPIC, ...). With `ifNotExists`, a topic of that
   * name that exists already is not an error (whatever its partitions and config).
   */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<void> {
    const { ifNotExists, ...topic } = options;
    const [result] = await this.createTopics([{ ...topic, name }]);
    if (result?.error === undefined || (ifNotExists === true && result.error.code === 'TOPIC_EXISTS')) return;
    throw result.error;
  }

  /** Deletes topics; resolves with a result per topic. */
  async deleteTopics(names: readonly string[]): Promise<TopicResult[]> {
    const response = await this.controllerRequest((c) => c.request('deleteTopics', { names: [...names] }));
    for (const name of names) this.cluster.invalidate(name);
    return response.results.map((r) =>
      r.error === undefined ? { name: r.name } : { name: r.name, error: BrookError.fromWire(r.error) },
    );
  }

  /** Deletes one topic; rejects with its error (UNKNOWN_TOPIC, ...). */
  async deleteTopic(name: string): Promise<void> {
    const [result] = await this.deleteTopics([name]);
    if (result?.error !== undefined) throw result.error;
  }

  /**
   * Changes an existing topic's config through the controller (every replica applies it: a shorter `retention.ms`
   * deletes old records at the next retention pass). Rejects with UNKNOWN_TOPIC, or INVALID_TOPIC for an unknown key
   * or a bad value (the same checks as createTopic's config).
   */
  async alterTopicConfig(name: string, change: TopicConfigChange): Promise<void> {
    const asked = { name, set: { ...(change.set ?? {}) }, delete: [...(change.delete ?? [])] };
    const response = await this.controllerRequest((c) => c.request('alterTopicConfigs', { topics: [asked] }));
    this.cluster.invalidate(name);
    throwTopicError(response.results);
  }

  /**
   * Grows a topic to `newTotal` partitions (as Kafka's createPartitions: the total, not the number added). The new
   * partitions are placed on live brokers as createTopic places them; the existing ones keep their records and
   * replicas. Producers and group consumers use the new partitions once their metadata is refreshed. Rejects with
   * UNKNOWN_TOPIC, or INVALID_TOPIC when `newTotal` is not more than the topic has.
   */
  async createPartitions(name: string, newTotal: number): Promise<void> {
    const response = await this.controllerRequest((c) =>
      c.request('createPartitions', { topics: [{ name, count: newTotal }] }),
    );
    this.cluster.invalidate(name);
    throwTopicError(response.results);
  }

  /** The cluster's id, its controller, and the brokers heard from (with their client ports), as Kafka's describeCluster. */
  async describeCluster(): Promise<ClusterDescription> {
    const response = await this.cluster.refresh([]);
    return {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers: [...response.brokers].sort((a, b) => a.id - b.id),
    };
  }

  /** Names of all topics, sorted. */
  async listTopics(): Promise<string[]> {
    const response = await this.cluster.refresh();
    return response.topics
      .filter((t) => t.error === undefined)
      .map((t) => t.name)
      .sort();
  }

  /**
   * Partitions (leader, replicas, isr, log start, high watermark) and config of topics; all topics when omitted.
   * In a cluster only a partition's leader knows its in-sync replicas and high watermark, so each leader is asked
   * about the partitions it leads (a leader that cannot be reached leaves the first answer in place).
   */
  async describeTopics(names?: readonly string[]): Promise<TopicDescription[]> {
    const response = await this.cluster.refresh(names);
    const topics = response.topics.map((t) => {
      if (t.error !== undefined) throw BrookError.fromWire(t.error);
      return {
        name: t.name,
        partitions: [...t.partitions].sort((a, b) => a.partition - b.partition),
        config: t.config,
      };
    });
    const leaders = new Set(topics.flatMap((t) => t.partitions.map((p) => p.leader)).filter((id) => id >= 0));
    const asked = response.brokers.length > 1 ? [...leaders] : [];
    const views = await Promise.all(
      asked.map((id) =>
        Promise.race([
          this.cluster
            .connectionFor(id)
            .request('metadata', { topics: topics.map((t) => t.name) })
            .catch(() => null),
          // A leader that just died would hold the answer until the request timeout.
          this.cluster.sleep(LEADER_VIEW_TIMEOUT_MS).then(
            () => null,
            () => null,
          ),
        ]),
      ),
    );
    return topics.map((t) => ({
      ...t,
      partitions: t.partitions.map((p) => {
        const view = views[asked.indexOf(p.leader)];
        const fromLeader = view?.topics
          .find((v) => v.name === t.name)
          ?.partitions.find((v) => v.partition === p.partition);
        return fromLeader?.leader === p.leader ? fromLeader : p;
      }),
    }));
  }

  /** Offsets of a topic's partitions (all of them unless `partitions` is given), asked of each partition's leader. */
  async listOffsets(
    topic: string,
    at: OffsetQuery = 'latest',
    partitions?: readonly number[],
  ): Promise<PartitionOffset[]> {
    const meta = await this.cluster.topic(topic);
    const wanted = partitions ?? meta.partitions.map((p) => p.partition);
    const position = typeof at === 'string' ? at : at.timestamp;
    return Promise.all(
      wanted.map(async (partition) => {
        const deadlineMs = this.cluster.options.clock.nowMs() + this.cluster.options.requestTimeoutMs;
        const found = await this.cluster.retry(
          async () => {
            const connection = await this.cluster.leaderConnection(topic, partition);
            return connection.request('listOffsets', { topic, partition, at: position });
          },
          { deadlineMs, topic },
        );
        return { partition, offset: found.offset, timestamp: found.timestamp };
      }),
    );
  }

  /**
   * Starts moving partitions to new replicas, online: each partition's leader adds the new replicas, which copy
   * the log, then removes the old ones, one at a time. Resolves once the moves are recorded by the controller (see
   * {@link describeTopics} for progress: a moved partition's isr equals its replicas). Rejects with UNKNOWN_TOPIC,
   * UNKNOWN_PARTITION or INVALID_REPLICA_ASSIGNMENT (not distinct brokers of the cluster).
   */
  async reassignPartitions(moves: readonly PartitionReassignment[]): Promise<PartitionReassignment[]> {
    const partitions = moves.map((m) => ({ topic: m.topic, partition: m.partition, replicas: [...m.replicas] }));
    const response = await this.controllerRequest((c) => c.request('reassignPartitions', { partitions }));
    for (const m of moves) this.cluster.invalidate(m.topic);
    return response.partitions;
  }

  /**
   * Places every partition of every topic anew over the brokers the cluster has now (rendezvous hashing: after a
   * broker joins, it gets its share and few partitions move) and starts the moves. Resolves with them.
   */
  async rebalancePartitions(): Promise<PartitionReassignment[]> {
    const response = await this.controllerRequest((c) =>
      c.request('reassignPartitions', { partitions: [], rebalance: true }),
    );
    for (const m of response.partitions) this.cluster.invalidate(m.topic);
    return response.partitions;
  }

  /** Closes the connections. */
  close(): Promise<void> {
    return this.cluster.close();
  }

  /** Sends an admin request to the controller when metadata names one, else to any broker; retries retriable errors. */
  private controllerRequest<R>(send: (connection: ReturnType<Cluster['anyConnection']>) => Promise<R>): Promise<R> {
    const deadlineMs = this.cluster.options.clock.nowMs() + this.cluster.options.requestTimeoutMs;
    let attempts = 0;
    return this.cluster.retry(
      async () => {
        // A retry follows a refused or failed attempt: the controller may have moved (or been elected meanwhile).
        if (attempts++ > 0) await this.cluster.refresh([]);
        const controller = this.cluster.controller;
        const connection = controller >= 0 ? this.cluster.connectionFor(controller) : this.cluster.anyConnection();
        return send(connection);
      },
      { deadlineMs },
    );
  }
}

/** Throws the error of the first topic that failed, if one did. */
function throwTopicError(results: readonly { readonly error?: WireError | undefined }[]): void {
  const failed = results.find((r) => r.error !== undefined)?.error;
  if (failed !== undefined) throw BrookError.fromWire(failed);
}
