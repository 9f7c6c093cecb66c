/**
 * This broker as a member of a multi-broker cluster: the peer transport, the Raft host driving every group,
 * the metadata group (controller), and the replication of each partition with more than one replica.
 */
import type { Registry } from 'prom-client';
import type { Runtime, TimerHandle } from '../clock.js';
import type { BrokerConfig } from '../config.js';
import { ClusterMetrics } from '../metrics/cluster-metrics.js';
import type { Logger } from '../logger.js';
import type { ReplicaSpec } from '../partitions/partition-registry.js';
import type { PartitionRegistry } from '../partitions/partition-registry.js';
import type { PartitionReplication, StartReplication } from '../partitions/replication.js';
import type { BrokerEndpoint } from './control-messages.js';
import { MetadataGroup } from './metadata-group.js';
import { PartitionReplica } from './partition-replica.js';
import { PeerTransport, type PeerAddress, type PeerTransportOptions } from './peer-transport.js';
import { RaftHost } from './raft-host.js';
import { isInternalTopic } from '../topics/topic-config.js';
import { partitionsWithoutLiveHost } from '../topics/topic-registry.js';
import type { TopicSpec } from '../topics/topic-config.js';
import type { TopicStore } from './topic-store.js';
import { readClusterSecret } from './peer-secret.js';
import { readPeerTls } from './peer-tls.js';

/** Longest a stopping broker waits for its partitions' leadership to move to other brokers. */
const HAND_OFF_TIMEOUT_MS = 3_000;

/** How often partitions led by a broker other than their preferred replica move back to it (when it is caught up). */
const LEADER_BALANCE_INTERVAL_MS = 5_000;

/**
 * How often moving partitions take their next membership step, the controller adds missing metadata voters, and a
 * joining broker asks to be added. Each step waits for the previous one to commit, so this paces a move.
 */
const MEMBERSHIP_INTERVAL_MS = 200;

/** What the cluster node needs of the peer transport (tests put a fake in its place). */
export type ClusterTransport = Pick<PeerTransport, 'start' | 'send' | 'flush' | 'setPeers' | 'close'>;

/** What tests replace in a cluster node. */
export interface ClusterNodeTesting {
  /** The peer transport (default: TCP). */
  readonly createTransport?: (options: PeerTransportOptions) => ClusterTransport;
  /** Whether Raft groups store Readies without waiting (default true; false for tests on manual time). */
  readonly asyncWrites?: boolean;
}

export class ClusterNode {
  readonly host: RaftHost;
  private readonly transport: ClusterTransport;
  private readonly replicas = new Set<PartitionReplica>();
  private readonly metrics: ClusterMetrics;
  private timers: TimerHandle[] = [];
  /** Brokers whose addBroker this controller is proposing. */
  private readonly pendingJoins = new Set<number>();
  private metadata: MetadataGroup | null = null;
  private listeningPort = 0;

  constructor(
    private readonly config: Readonly<BrokerConfig>,
    private readonly topics: TopicStore,
    private readonly logger: Logger,
    endpoint: () => BrokerEndpoint,
    private readonly runtime: Runtime,
    testing: ClusterNodeTesting = {},
  ) {
    const createTransport = testing.createTransport ?? ((options) => new PeerTransport(options));
    const others = (): number[] => topics.brokerIds.filter((id) => id !== config.brokerId);
    this.transport = createTransport({
      selfId: config.brokerId,
      clusterId: () => topics.clusterId,
      peers: this.peerAddresses(),
      listenHost: config.peerHost ?? config.host,
      tls: readPeerTls(config),
      secret: readClusterSecret(config.clusterSecretFile),
      listenPort: config.peerPort,
      acceptUnknownPeers: true,
      onEnvelopes: (from, envelopes) => {
        this.host.receive(from, envelopes);
      },
      onUnreachable: (peer) => {
        this.host.unreachable(peer);
      },
      runtime,
      logger,
    });
    this.metrics = new ClusterMetrics({
      replicas: () => this.replicas,
      livePeers: () => others().filter((id) => this.host.isLive(id)).length,
      unhostedOfflinePartitions: () =>
        this.metadata?.isLeader === true
          ? partitionsWithoutLiveHost(topics.list(), (id) => id === config.brokerId || this.host.isLive(id))
          : 0,
    });
    this.host = new RaftHost({
      selfId: config.brokerId,
      peers: others,
      link: {
        send: (to, envelope) => {
          this.transport.send(to, envelope);
        },
        flush: () => {
          this.transport.flush();
        },
      },
      endpoint,
      tickMs: config.raftTickMs,
      electionTicks: config.raftElectionTicks,
      logger,
      runtime,
      asyncWrites: testing.asyncWrites ?? true,
      onClusterMessage: (from, message) => {
        if (message.kind === 'join') this.joinRequested({ id: from, host: message.host, port: message.port });
        else if (message.kind === 'moved') this.metadata?.completeMove(message);
        else this.internalTopicRequested(from, message.spec);
      },
    });
  }

  /** Replication of partitions with several replicas, for the partition registry. */
  readonly replicate = (spec: ReplicaSpec): StartReplication => {
    return (events): PartitionReplication => {
      const replica = new PartitionReplica({
        host: this.host,
        selfId: this.config.brokerId,
        topic: spec.topic,
        partition: spec.partition,
        log: spec.log,
        replicas: spec.replicas,
        joining: spec.joining,
        electionTicks: this.config.raftElectionTicks,
        heartbeatTicks: this.config.raftHeartbeatTicks,
        committed: (endOffset) => {
          events.committed(endOffset);
        },
        leadershipChanged: (isLeader) => {
          events.leadershipChanged(isLeader);
        },
        metrics: this.metrics,
        runtime: this.runtime,
      });
      this.replicas.add(replica);
      return {
        get leaderId() {
          return replica.leaderId;
        },
        get isLeader() {
          return replica.isLeader;
        },
        get isr() {
          return replica.isr;
        },
        append: (batch, acks, timeoutMs, onPersisted) => replica.append(batch, acks, timeoutMs, onPersisted),
        retarget: (replicas, moving) => {
          replica.retarget(replicas, moving);
        },
        close: () => {
          this.replicas.delete(replica);
          replica.close();
        },
      };
    };
  };

  /** Registers the replication metrics in the broker's registry. */
  registerMetrics(registry: Registry): void {
    this.metrics.registerIn(registry);
  }

  /** Joins the metadata group, starts the peer listener and the tick timer. */
  async start(partitions: PartitionRegistry): Promise<void> {
    this.metadata = MetadataGroup.open({
      selfId: this.config.brokerId,
      voters: this.config.join ? [] : this.config.peers.map((p) => p.id),
      dataDir: this.config.dataDir,
      host: this.host,
      topics: this.topics,
      partitions,
      electionTicks: this.config.raftElectionTicks,
      heartbeatTicks: this.config.raftHeartbeatTicks,
      logger: this.logger,
      runtime: this.runtime,
      brokerAdded: () => {
        this.transport.setPeers(this.peerAddresses());
      },
      brokerRemoved: () => {
        this.transport.setPeers(this.peerAddresses());
      },
      askController: (controllerId, spec) => {
        this.host.sendClusterMessage(controllerId, { kind: 'createTopic', spec });
      },
    });
    this.listeningPort = await this.transport.start();
    this.host.start();
    this.every(LEADER_BALANCE_INTERVAL_MS, () => {
      for (const replica of this.replicas) replica.balanceLeadership();
    });
    this.every(MEMBERSHIP_INTERVAL_MS, () => {
      this.membershipPass();
    });
  }

  /** The controller (metadata group); throws before start. */
  get controller(): MetadataGroup {
    if (this.metadata === null) throw new Error('cluster node not started');
    return this.metadata;
  }

  get peerPort(): number {
    return this.listeningPort;
  }

  /** Hands off leadership, stops ticking, leaves the metadata group and closes every peer connection. */
  async close(): Promise<void> {
    for (const timer of this.timers) this.runtime.timers.clear(timer);
    this.timers = [];
    await this.host.handOffLeadership(HAND_OFF_TIMEOUT_MS);
    this.host.close();
    await this.metadata?.close();
    await this.transport.close();
  }

  /** Peer addresses of every broker: the founding ones from --peers, and those that joined later, less removed ones. */
  private peerAddresses(): PeerAddress[] {
    const byId = new Map<number, PeerAddress>(this.config.peers.map((p) => [p.id, p]));
    for (const broker of this.topics.joinedBrokers()) byId.set(broker.id, broker);
    return [...byId.values()].filter((p) => !this.topics.isRemoved(p.id));
  }

  /**
   * One membership pass: leaders sample which followers are in sync, moving partitions led here take their next
   * step (and report a finished move to the controller), the controller makes joined brokers metadata voters, and a joining broker asks to be added.
   */
  private membershipPass(): void {
    const metadata = this.metadata;
    if (metadata === null) return;
    const nowMs = this.runtime.monotonic.nowMs();
    for (const replica of this.replicas) {
      replica.sampleInSync(nowMs);
      if (!replica.isMoving || !replica.reconcileMembership()) continue;
      const moved = { topic: replica.topic, partition: replica.partition, replicas: [...replica.replicas] };
      if (metadata.isLeader) metadata.completeMove(moved);
      else if (metadata.controllerId() > 0) {
        this.host.sendClusterMessage(metadata.controllerId(), { kind: 'moved', ...moved });
      }
    }
    metadata.reconcileVoters();
    metadata.announceClusterId();
    const self = this.config.brokerId;
    // A removed broker does not ask again: it would be refused.
    if (this.config.join && !metadata.voters.includes(self) && !this.topics.isRemoved(self)) {
      const address = this.config.peers.find((p) => p.id === self);
      for (const peer of this.config.peers) {
        if (peer.id !== self && address !== undefined) {
          this.host.sendClusterMessage(peer.id, { kind: 'join', host: address.host, port: this.listeningPort });
        }
      }
    }
  }

  /** A broker asked to join; the controller records it (once: its own log tells it when it is known). */
  private joinRequested(broker: PeerAddress): void {
    const metadata = this.metadata;
    if (metadata?.isLeader !== true || this.pendingJoins.has(broker.id)) return;
    const known = this.topics.joinedBrokers().find((b) => b.id === broker.id);
    const founding = this.config.peers.some((p) => p.id === broker.id);
    // A removed id stays out (the undone bad join would otherwise come straight back): a replacement takes a new id.
    if (this.topics.isRemoved(broker.id) || founding || (known?.host === broker.host && known.port === broker.port))
      return;
    this.pendingJoins.add(broker.id);
    this.logger.info({ broker }, 'broker asks to join');
    metadata
      .addBroker(broker)
      .catch((err: unknown) => {
        this.logger.warn({ err, broker }, 'broker not added');
      })
      .finally(() => this.pendingJoins.delete(broker.id));
  }

  /** Another broker asks this controller for an internal topic (only `__`-prefixed names are taken this way). */
  private internalTopicRequested(from: number, spec: TopicSpec): void {
    const metadata = this.metadata;
    if (metadata?.isLeader !== true || !isInternalTopic(spec.name)) return;
    metadata.ensureInternalTopic(spec, this.runtime.wall.nowMs()).catch((err: unknown) => {
      this.logger.warn({ err, from, topic: spec.name }, 'internal topic not created');
    });
  }

  private every(intervalMs: number, run: () => void): void {
    this.timers.push(this.runtime.timers.setInterval(run, intervalMs));
  }
}
