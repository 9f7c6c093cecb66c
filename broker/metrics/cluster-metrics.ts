/**
 * Replication metrics of a broker in a cluster, registered in the broker's registry. Gauges are read from the
 * Raft groups at scrape time; elections and commit latency are counted as they happen.
 */
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';
import { REQUEST_DURATION_BUCKETS_SECONDS } from './broker-metrics.js';

/** One replicated partition as the gauges read it. */
export interface ReplicaGaugeSource {
  readonly topic: string;
  readonly partition: number;
  readonly isLeader: boolean;
  /** The leader's broker id, -1 while none is known. */
  readonly leaderId: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Leader only: how many entries each follower is behind the leader's log. */
  followerLag(): readonly { readonly id: number; readonly lagEntries: number }[];
}

export interface ClusterMetricsSource {
  /** The replicated partitions hosted here. */
  replicas(): Iterable<ReplicaGaugeSource>;
  /** Peer brokers this broker currently hears from. */
  livePeers(): number;
  /**
   * Partitions no live broker hosts (every replica is down, so no replica is left to count itself offline): counted by
   * the controller only, from the metadata and liveness, so each is counted once in the cluster. 0 elsewhere.
   */
  unhostedOfflinePartitions(): number;
}

/**
 * Created with the cluster membership (before the broker's registry exists: replicas open first), then
 * {@link registerIn} the broker's registry.
 */
export class ClusterMetrics {
  private readonly elections: Counter;
  private readonly leaderChanges: Counter;
  private readonly commitLatency: Histogram;
  private readonly all: Metric[];

  constructor(source: ClusterMetricsSource) {
    const registers: Registry[] = [];
    const leaderCount = new Gauge({
      name: 'brook_partition_leader_count',
      help: 'Replicated partitions this broker leads.',
      registers,
      collect() {
        let count = 0;
        for (const r of source.replicas()) if (r.isLeader) count++;
        this.set(count);
      },
    });
    const underReplicated = new Gauge({
      name: 'brook_under_replicated_partitions',
      help: 'Partitions led here with fewer in-sync replicas than replicas.',
      registers,
      collect() {
        let count = 0;
        for (const r of source.replicas()) if (r.isLeader && r.isr.length < r.replicas.length) count++;
        this.set(count);
      },
    });
    const offline = new Gauge({
      name: 'brook_offline_partitions',
      help:
        'Partitions hosted here whose replica knows no leader (none elected: a majority of replicas is down), plus, ' +
        'on the controller, partitions whose replicas are all down.',
      registers,
      collect() {
        let count = source.unhostedOfflinePartitions();
        for (const r of source.replicas()) if (r.leaderId < 0) count++;
        this.set(count);
      },
    });
    const lag = new Gauge({
      name: 'brook_replication_lag_entries',
      help: 'Log entries a follower is behind its leader (reported by the leader).',
      labelNames: ['topic', 'partition', 'follower'],
      registers,
      collect() {
        this.reset();
        for (const r of source.replicas()) {
          for (const f of r.followerLag()) {
            this.set({ topic: r.topic, partition: String(r.partition), follower: String(f.id) }, f.lagEntries);
          }
        }
      },
    });
    // Per partition, from its leader only, so that each partition has one series in the whole cluster.
    const ledPartitionGauge = (name: string, help: string, read: (r: ReplicaGaugeSource) => number): Gauge =>
      new Gauge({
        name,
        help,
        labelNames: ['topic', 'partition'],
        registers,
        collect() {
          this.reset();
          for (const r of source.replicas()) {
            if (r.isLeader) this.set({ topic: r.topic, partition: String(r.partition) }, read(r));
          }
        },
      });
    const replicaCount = ledPartitionGauge(
      'brook_partition_replicas',
      'Replicas assigned to each partition led here.',
      (r) => r.replicas.length,
    );
    const inSyncCount = ledPartitionGauge(
      'brook_partition_in_sync_replicas',
      'In-sync replicas (ISR) of each partition led here, the leader included.',
      (r) => r.isr.length,
    );
    const livePeers = new Gauge({
      name: 'brook_peer_brokers_live',
      help: 'Peer brokers heard from within an election timeout.',
      registers,
      collect() {
        this.set(source.livePeers());
      },
    });
    this.elections = new Counter({
      name: 'brook_raft_elections_won_total',
      help: 'Times this broker became leader of a Raft group (partition or metadata).',
      registers,
    });
    this.leaderChanges = new Counter({
      name: 'brook_raft_leader_changes_total',
      help: 'Leader or term changes seen by the Raft groups on this broker.',
      registers,
    });
    this.commitLatency = new Histogram({
      name: 'brook_raft_commit_latency_seconds',
      help: 'Time from proposing a batch on the leader to its commit (acks=all produces).',
      buckets: [...REQUEST_DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.all = [
      leaderCount,
      underReplicated,
      offline,
      replicaCount,
      inSyncCount,
      lag,
      livePeers,
      this.elections,
      this.leaderChanges,
      this.commitLatency,
    ];
  }

  registerIn(registry: Registry): void {
    for (const metric of this.all) registry.registerMetric(metric);
  }

  leaderChanged(becameLeader: boolean): void {
    this.leaderChanges.inc();
    if (becameLeader) this.elections.inc();
  }

  committed(seconds: number): void {
    this.commitLatency.observe(seconds);
  }
}
