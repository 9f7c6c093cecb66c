/**
 * The composition root of one broker: config, topic registry, partitions, request handlers, metrics and the
 * network servers, with one flush timer and one retention timer for the whole broker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Registry } from 'prom-client';
import { AclAccessControl, NO_ACCESS_CONTROL } from './auth/access-control.js';
import { ProducerOwners, withProducerOwnership } from './auth/producer-owners.js';
import { ScramAuthenticator } from './auth/scram-authenticator.js';
import { applySecurityChange, type SecurityChange } from './auth/security-changes.js';
import { createMissingUsers, readUsersFile } from './auth/users-file.js';
import { systemRuntime, type Runtime, type TimerHandle } from './clock.js';
import { ClusterNode } from './cluster/cluster-node.js';
import { LocalController, type Controller } from './cluster/controller.js';
import { ProducerIdAllocator } from './cluster/producer-ids.js';
import { TopicStore } from './cluster/topic-store.js';
import { isClustered, resolveConfig, sessionLimits, type BrokerConfig, type BrokerConfigInput } from './config.js';
import { createHandlers, type BrokerInfo, type HandlerContext } from './handlers/index.js';
import { createLogger, type Logger } from './logger.js';
import { GroupService } from './groups/group-service.js';
import type { KafkaBrokerEndpoint } from './kafka/kafka-context.js';
import { KafkaListener } from './kafka/kafka-listener.js';
import { KafkaMetrics } from './metrics/kafka-metrics.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { ClusterMetrics } from './metrics/cluster-metrics.js';
import { GroupMetrics } from './metrics/group-metrics.js';
import type { BrokerCore } from './net/broker-api.js';
import { startServers } from './net/servers.js';
import { ANONYMOUS } from './net/session.js';
import { QuotaMetrics } from './metrics/quota-metrics.js';
import { ClientQuotas } from './quota/client-quotas.js';
import type { QuotaOverrides } from './quota/quota-resolution.js';
import { loadConsoleFiles } from './net/console-files.js';
import { readMetricsToken } from './net/metrics-token.js';
import { serverTlsFiles } from './net/tls-files.js';
import { PartitionRegistry } from './partitions/partition-registry.js';

/** What a broker takes besides its config (tests and embedders inject these). */
export interface BrokerDeps {
  /** Logger to use; default a pino logger on stdout at `config.logLevel`. */
  readonly logger?: Logger;
  /**
   * Time, timers and randomness (topic creation times, retention, replication's clocks and election jitter); default
   * the real clocks and timers and a randomly seeded source.
   */
  readonly runtime?: Runtime;
}

type Servers = Awaited<ReturnType<typeof startServers>>;

/** How often a controller looks for users of --users-file the cluster lacks, in ms. */
const FILE_USERS_CHECK_INTERVAL_MS = 500;

export class Broker {
  /** The resolved, frozen config. */
  readonly config: Readonly<BrokerConfig>;
  /** This broker's metrics. */
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  /** What the network layer calls. */
  readonly core: BrokerCore;

  private readonly topics: TopicStore;
  private readonly partitions: PartitionRegistry;
  /** Membership of a multi-broker cluster; null for a one-broker cluster. */
  private readonly cluster: ClusterNode | null;
  private readonly localController: LocalController;
  /** The consumer-group coordinators hosted here. */
  private readonly groups: GroupService;
  private servers: Servers | null = null;
  private kafka: KafkaListener | null = null;
  private readonly timers: TimerHandle[] = [];
  private started = false;
  private stopping = false;
  private closing: Promise<void> | null = null;
  /** Users of --users-file that the cluster may still lack (the controller creates them); empty without a file. */
  private readonly fileUsers: ReadonlyMap<string, string>;
  /** Whether the controller is creating missing file users now. */
  private creatingUsers = false;

  private constructor(
    config: Readonly<BrokerConfig>,
    logger: Logger,
    topics: TopicStore,
    partitions: PartitionRegistry,
    cluster: ClusterNode | null,
    private readonly runtime: Runtime,
    fileUsers: ReadonlyMap<string, string>,
  ) {
    this.fileUsers = fileUsers;
    const nowMs = (): number => runtime.wall.nowMs();
    this.config = config;
    this.logger = logger;
    this.topics = topics;
    this.partitions = partitions;
    this.cluster = cluster;
    this.localController = new LocalController(config.brokerId, topics, partitions);
    this.metrics = new BrokerMetrics({
      brokerId: config.brokerId,
      dataDir: config.dataDir,
      partitions: () => partitions.all(),
    });
    if (cluster === null) soleBrokerClusterMetrics(config.brokerId, partitions).registerIn(this.metrics.registry);
    else cluster.registerMetrics(this.metrics.registry);
    this.groups = new GroupService({
      brokerId: config.brokerId,
      topics,
      partitions,
      controller: () => this.controller(),
      brokerCount: Math.max(1, config.peers.length),
      offsetsPartitions: config.groupOffsetsPartitions,
      heartbeatIntervalMs: config.groupHeartbeatIntervalMs,
      sessionTimeoutMs: config.groupSessionTimeoutMs,
      checkpointIntervalMs: config.groupCheckpointIntervalMs,
      appendTimeoutMs: 10_000,
      nowMs,
      logger,
      metrics: new GroupMetrics(this.metrics.registry, () => this.groups.loadedGroups()),
    });
    const ctx: HandlerContext = {
      brokerId: config.brokerId,
      get clusterId() {
        return topics.clusterId;
      },
      topics,
      partitions,
      producerIds: ProducerIdAllocator.open(config.dataDir, config.brokerId),
      controller: () => this.controller(),
      users: topics.users,
      acls: topics.acls,
      quotas: topics.quotas,
      changeSecurity: (change) => this.changeSecurity(change),
      groups: this.groups,
      metrics: this.metrics,
      retentionDefaults: { retentionMs: config.retentionMs, retentionBytes: config.retentionBytes },
      logger,
      nowMs,
      brokers: () => this.brokers(),
      isLive: (id) => id === this.config.brokerId || (this.cluster?.host.isLive(id) ?? false),
      isShuttingDown: () => this.stopping,
      maxFetchBytes: config.deliverMaxBytes,
      maxPartitions: config.maxPartitions,
    };
    this.core = Object.freeze({
      brokerId: config.brokerId,
      get clusterId() {
        return topics.clusterId;
      },
      handlers: createHandlers(ctx),
      metrics: this.metrics,
      feed: (topic: string, partition: number) => partitions.leader(topic, partition),
      authenticator: new ScramAuthenticator({
        users: topics.users,
        requiredWithoutUsers: fileUsers.size > 0,
        timers: runtime.timers,
        logger,
        failed: () => {
          this.metrics.authFailed();
        },
      }),
      access: withProducerOwnership(
        config.authorizer === 'acl'
          ? new AclAccessControl(() => topics.acls.all(), config.superUsers)
          : NO_ACCESS_CONTROL,
        new ProducerOwners(),
      ),
      quotas: clientQuotas(config, topics.quotas, new QuotaMetrics(this.metrics.registry)),
    });
  }

  /**
   * Starts a broker: resolves the config, opens the data dir (recovering every partition log), and listens.
   * Rejects with a ConfigError for a bad config, or with the failure that stopped the start (everything opened
   * so far is closed again).
   */
  static async start(input: BrokerConfigInput = {}, deps: BrokerDeps = {}): Promise<Broker> {
    const config = resolveConfig(input);
    const logger = deps.logger ?? createLogger(config.logLevel, config.brokerId);
    const runtime = deps.runtime ?? systemRuntime();
    fs.mkdirSync(config.dataDir, { recursive: true });
    const clustered = isClustered(config);
    const topics = TopicStore.open(config.dataDir, {
      clusterId: config.clusterId,
      // The brokers of a new cluster learn its id from the metadata log (cluster/cluster-id.ts).
      learnClusterId: clustered,
      // A joining broker is no replica candidate until the cluster has added it (its metadata log says so).
      brokerIds: clustered
        ? config.peers.filter((p) => !config.join || p.id !== config.brokerId).map((p) => p.id)
        : [config.brokerId],
    });
    const endpoint: { host: string; port: number; wsPort: number; kafka?: { host: string; port: number } } = {
      host: config.advertisedHost,
      port: 0,
      wsPort: 0,
    };
    const cluster = clustered ? new ClusterNode(config, topics, logger, () => endpoint, runtime) : null;
    const partitions = new PartitionRegistry({
      dataDir: config.dataDir,
      brokerId: config.brokerId,
      flush: config.flush,
      storageShards: config.storageShards === 0 ? os.availableParallelism() : config.storageShards,
      retentionDefaults: { retentionMs: config.retentionMs, retentionBytes: config.retentionBytes },
      maxMessageBytes: config.maxMessageBytes,
      warn: (fields, message) => {
        logger.warn(fields, message);
      },
      ...(cluster === null ? {} : { replicate: cluster.replicate }),
    });
    let fileUsers: Map<string, string>;
    try {
      fileUsers = config.usersFile === undefined ? new Map<string, string>() : readUsersFile(config.usersFile);
      // Alone, the broker is its own controller: its first users exist before anyone can connect.
      if (cluster === null) {
        await createMissingUsers(fileUsers, topics.users, (change) => {
          applySecurityChange(topics, change);
          return Promise.resolve();
        });
      }
      await partitions.openAll(topics.list());
    } catch (err) {
      topics.close();
      throw err;
    }
    const broker = new Broker(config, logger, topics, partitions, cluster, runtime, fileUsers);
    try {
      await broker.listen();
      endpoint.port = broker.tcpPort;
      endpoint.wsPort = broker.wsPort;
      endpoint.kafka = { host: broker.kafkaAdvertisedHost, port: broker.kafkaPort };
      await cluster?.start(partitions);
      broker.logStarted();
    } catch (err) {
      await broker.close();
      throw err;
    }
    return broker;
  }

  /** This broker's Prometheus registry. */
  get registry(): Registry {
    return this.metrics.registry;
  }

  /** The bound TCP port (the real one when the config asked for port 0). */
  get tcpPort(): number {
    return this.servers?.tcpPort ?? 0;
  }

  /** The bound WebSocket and HTTP port. */
  get wsPort(): number {
    return this.servers?.wsPort ?? 0;
  }

  /**
   * The cluster id: configured, persisted in the data dir, or made on first start; empty while a broker of a new
   * cluster has not learned it from the metadata log yet (cluster/cluster-id.ts).
   */
  get clusterId(): string {
    return this.topics.clusterId;
  }

  /** The bound Kafka protocol port. */
  get kafkaPort(): number {
    return this.kafka?.port ?? 0;
  }

  /** The host Kafka clients are told to connect to. */
  private get kafkaAdvertisedHost(): string {
    return this.config.kafkaAdvertisedHost ?? this.config.advertisedHost;
  }

  /** The bound inter-broker port (0 for a one-broker cluster). */
  get peerPort(): number {
    return this.cluster?.peerPort ?? 0;
  }

  /**
   * Re-reads the TLS certificate, key and CA files (on SIGHUP) for new connections on the client TCP port; open
   * connections keep theirs. Throws when they cannot be read or used (the old ones stay) or the broker has no TLS.
   */
  reloadTls(): void {
    if (this.servers === null) throw new Error('the broker is not listening');
    this.servers.reloadTls();
    this.kafka?.reloadTls();
  }

  /** True from the end of start until close begins (what /readyz reports). */
  get ready(): boolean {
    return this.started && !this.stopping;
  }

  /**
   * Stops gracefully: stops accepting connections, answers waiting long polls, waits for in-flight requests
   * (appends included), closes the connections, then every partition (after its in-flight group commit) and the
   * topic store. Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async listen(): Promise<void> {
    const { config } = this;
    this.servers = await startServers({
      core: this.core,
      limits: sessionLimits(config),
      host: config.host,
      tcpPort: config.port,
      wsPort: config.wsPort,
      metricsText: () => this.metrics.metricsText(),
      isReady: () => this.ready,
      logger: this.logger,
      tls: serverTlsFiles(config),
      allowedOrigins: config.wsAllowedOrigins,
      metricsToken: readMetricsToken(config.metricsTokenFile),
      console: loadConsoleFiles(config.consoleDir),
      registry: this.metrics.registry,
      clock: this.runtime.monotonic,
      timers: this.runtime.timers,
    });
    this.kafka = await KafkaListener.listen({
      ctx: {
        core: this.core,
        topics: this.topics,
        brokers: () => this.kafkaBrokers(),
        autoCreateTopics: config.autoCreateTopics === 'on',
        clock: this.runtime.monotonic,
        logger: this.logger,
      },
      host: config.kafkaHost ?? config.host,
      port: config.kafkaPort,
      limits: sessionLimits(config),
      timers: this.runtime.timers,
      tls: serverTlsFiles(config),
      metrics: new KafkaMetrics(this.metrics.registry),
      logger: this.logger,
    });
    this.startTimers();
    this.groups.start();
    this.started = true;
  }

  private logStarted(): void {
    this.logger.info(
      {
        tcpPort: this.tcpPort,
        wsPort: this.wsPort,
        kafkaPort: this.kafkaPort,
        peerPort: this.peerPort,
        dataDir: path.resolve(this.config.dataDir),
        clusterId: this.clusterId,
      },
      'broker started',
    );
  }

  /** A user change: proposed to the metadata log in a cluster (controller only), applied in place when alone. */
  private async changeSecurity(change: SecurityChange): Promise<void> {
    if (this.cluster === null) applySecurityChange(this.topics, change);
    else await this.cluster.controller.changeSecurity(change);
  }

  /** Controller only: creates the users of --users-file that the cluster lacks (one pass at a time). */
  private createFileUsers(): void {
    if (this.cluster === null || this.creatingUsers || !this.cluster.controller.isLeader) return;
    if ([...this.fileUsers.keys()].every((name) => this.topics.users.get(name) !== undefined)) return;
    this.creatingUsers = true;
    createMissingUsers(this.fileUsers, this.topics.users, (change) => this.changeSecurity(change))
      .then(
        (created) => {
          this.logger.info({ users: created }, 'created the missing users of --users-file');
        },
        (err: unknown) => {
          this.logger.warn({ err }, 'users of --users-file not created yet');
        },
      )
      .finally(() => {
        this.creatingUsers = false;
      });
  }

  /** Who creates and deletes topics: the metadata group in a cluster, this broker alone otherwise. */
  private controller(): Controller {
    return this.cluster === null ? this.localController : this.cluster.controller;
  }

  private startTimers(): void {
    const { config, partitions, logger } = this;
    const every = (intervalMs: number, task: () => void): void => {
      this.timers.push(this.runtime.timers.setInterval(task, intervalMs));
    };
    if (config.flush === 'interval') {
      every(config.flushIntervalMs, () => {
        partitions.syncAppended();
      });
    }
    if (this.cluster !== null && this.fileUsers.size > 0) {
      every(FILE_USERS_CHECK_INTERVAL_MS, () => {
        this.createFileUsers();
      });
    }
    every(config.retentionCheckIntervalMs, () => {
      const deleted = partitions.retentionPass(this.runtime.wall.nowMs());
      if (deleted > 0) logger.debug({ batches: deleted }, 'retention deleted batches');
    });
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.logger.info('broker stopping');
    for (const timer of this.timers) this.runtime.timers.clear(timer);
    this.groups.close();
    const servers = this.servers;
    try {
      if (servers !== null) {
        servers.stopAccepting();
        this.kafka?.stopAccepting();
        // Long polls answer now with what they have, instead of holding the shutdown for up to maxWaitMs.
        this.partitions.wakeWaiters();
        // close() drains in-flight produce requests (new ones get SHUTTING_DOWN), then closes every connection.
        await servers.close();
        await this.kafka?.close();
      }
    } finally {
      try {
        await this.cluster?.close();
        await this.partitions.closeAll();
      } finally {
        this.topics.close();
        this.metrics.close();
        this.logger.info('broker stopped');
      }
    }
  }

  /** The live brokers' Kafka listeners (brokers of older versions, which have none, are left out). */
  private kafkaBrokers(): KafkaBrokerEndpoint[] {
    if (this.cluster === null) {
      return [{ nodeId: this.config.brokerId, host: this.kafkaAdvertisedHost, port: this.kafkaPort }];
    }
    return [...this.cluster.host.brokerEndpoints()]
      .flatMap(([id, e]) => (e.kafka === undefined ? [] : [{ nodeId: id, host: e.kafka.host, port: e.kafka.port }]))
      .sort((a, b) => a.nodeId - b.nodeId);
  }

  private brokers(): BrokerInfo[] {
    if (this.cluster === null) {
      return [{ id: this.config.brokerId, host: this.config.advertisedHost, port: this.tcpPort, wsPort: this.wsPort }];
    }
    return [...this.cluster.host.brokerEndpoints()]
      .map(([id, e]) => ({ id, host: e.host, port: e.port, wsPort: e.wsPort }))
      .sort((a, b) => a.id - b.id);
  }
}

/** The per-client quotas of the config (--quota-*) and of the overrides in the metadata log, reporting throttles to `metrics`. */
function clientQuotas(config: Readonly<BrokerConfig>, overrides: QuotaOverrides, metrics: QuotaMetrics): ClientQuotas {
  return new ClientQuotas(
    {
      limits: {
        produce: config.quotaProduceBytesPerSec,
        fetch: config.quotaFetchBytesPerSec,
        partitionCreation: config.quotaPartitionCreationsPerSec,
      },
      window: { samples: config.quotaWindowSamples, sampleMs: config.quotaSampleMs },
      overrides,
      throttled: (kind, principal, throttleMs) => {
        metrics.record(kind, principal, throttleMs);
      },
    },
    ANONYMOUS,
  );
}

/**
 * The replication gauges of a one-broker cluster (every partition led here, always in sync), so that dashboards and
 * alert rules read the same metrics whether or not the broker has peers.
 */
function soleBrokerClusterMetrics(brokerId: number, partitions: PartitionRegistry): ClusterMetrics {
  return new ClusterMetrics({
    replicas: () =>
      [...partitions.all()].map((p) => ({
        topic: p.topic,
        partition: p.partition,
        isLeader: true,
        leaderId: brokerId,
        replicas: p.replicas,
        isr: p.isr,
        followerLag: () => [],
      })),
    livePeers: () => 0,
    unhostedOfflinePartitions: () => 0,
  });
}
