/**
 * This broker as a member of a multi-broker cluster: the peer transport, the Raft host driving every group,
 * the metadata group (controller), and the replication of each partition with more than one replica.
 */
import type { Registry } from 'prom-client';
import type { BrokerConfig } from '../config.js';
import { ClusterMetrics } from '../metrics/cluster-metrics.js';
import type { Logger } from '../logger.js';
import type { ReplicaSpec } from '../partitions/partition-registry.js';
import type { PartitionRegistry } from '../partitions/partition-registry.js';
import type { PartitionReplication, StartReplication } from '../partitions/replication.js';
import type { BrokerEndpoint } from './control-messages.js';
import { MetadataGroup } from './metadata-group.js';
import { PartitionReplica } from './partition-replica.js';
import { PeerTransport } from './peer-transport.js';
import { RaftHost } from './raft-host.js';
import type { TopicStore } from './topic-store.js';

/** Longest a stopping broker waits for its partitions' leadership to move to other brokers. */
const HAND_OFF_TIMEOUT_MS = 3_000;

/** How often partitions led by a broker other than their preferred replica move back to it (when it is caught up). */
const LEADER_BALANCE_INTERVAL_MS = 5_000;

/** The default cluster id of brokers started without --cluster-id: the same on every broker of one peer list. */
export function defaultClusterId(config: Readonly<BrokerConfig>): string {
  return `brook-${config.peers
    .map((p) => p.id)
    .sort((a, b) => a - b)
    .join('-')}`;
}

export class ClusterNode {
  readonly host: RaftHost;
  private readonly transport: PeerTransport;
  private readonly replicas = new Set<PartitionReplica>();
  private readonly metrics: ClusterMetrics;
  private balancer: NodeJS.Timeout | null = null;
  private metadata: MetadataGroup | null = null;
  private listeningPort = 0;

  constructor(
    private readonly config: Readonly<BrokerConfig>,
    clusterId: string,
    private readonly logger: Logger,
    endpoint: () => BrokerEndpoint,
  ) {
    const others = config.peers.map((p) => p.id).filter((id) => id !== config.brokerId);
    this.transport = new PeerTransport({
      selfId: config.brokerId,
      clusterId,
      peers: config.peers,
      listenHost: config.host,
      listenPort: config.peerPort,
      onEnvelopes: (from, envelopes) => {
        this.host.receive(from, envelopes);
      },
      onUnreachable: (peer) => {
        this.host.unreachable(peer);
      },
      logger,
    });
    this.metrics = new ClusterMetrics({
      replicas: () => this.replicas,
      livePeers: () => others.filter((id) => this.host.isLive(id)).length,
    });
    this.host = new RaftHost({
      selfId: config.brokerId,
      peers: () => others,
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
        electionTicks: this.config.raftElectionTicks,
        heartbeatTicks: this.config.raftHeartbeatTicks,
        committed: (endOffset) => {
          events.committed(endOffset);
        },
        leadershipChanged: (isLeader) => {
          events.leadershipChanged(isLeader);
        },
        metrics: this.metrics,
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
  async start(topics: TopicStore, partitions: PartitionRegistry): Promise<void> {
    this.metadata = MetadataGroup.open({
      selfId: this.config.brokerId,
      voters: this.config.peers.map((p) => p.id),
      dataDir: this.config.dataDir,
      host: this.host,
      topics,
      partitions,
      electionTicks: this.config.raftElectionTicks,
      heartbeatTicks: this.config.raftHeartbeatTicks,
      logger: this.logger,
    });
    this.listeningPort = await this.transport.start();
    this.host.start();
    this.balancer = setInterval(() => {
      for (const replica of this.replicas) replica.balanceLeadership();
    }, LEADER_BALANCE_INTERVAL_MS);
    this.balancer.unref();
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
    if (this.balancer !== null) clearInterval(this.balancer);
    await this.host.handOffLeadership(HAND_OFF_TIMEOUT_MS);
    this.host.close();
    await this.metadata?.close();
    await this.transport.close();
  }
}
