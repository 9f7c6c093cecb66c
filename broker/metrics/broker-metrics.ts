/**
 * The broker's Prometheus metrics, in a registry of its own (never prom-client's global one, so several brokers
 * can live in one process). Names follow `brook_<area>_<what>_<unit>`; counters end in `_total`.
 * Partition gauges are read from the partitions at scrape time, not kept up to date on every append.
 * Every series carries a `broker` label (the broker id), so series of brokers scraped through one address (a load
 * balancer, a relabelled target) stay apart and dashboards can name brokers by id rather than host:port.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { buildInfo } from './build-info.js';
import { registerDiskMetrics } from './disk-metrics.js';
import type { NetMetrics, Transport } from '../net/broker-api.js';
import type { ErrorName } from '../../protocol/index.js';

/** What the partition gauges read from one partition replica. */
export interface PartitionGaugeSource {
  readonly topic: string;
  readonly partition: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  readonly sizeBytes: number;
}

/** The metrics page as served over HTTP. */
export interface MetricsText {
  contentType: string;
  body: string;
}

/** Request duration buckets, in seconds: 0.1 ms to 10 s. */
export const REQUEST_DURATION_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

const TRANSPORTS: readonly Transport[] = ['tcp', 'ws'];

export interface BrokerMetricsOptions {
  /** The broker id: the `broker` label of every series. */
  readonly brokerId: number;
  /** The data directory, whose filesystem the disk gauges report. */
  readonly dataDir: string;
  /** The partitions whose gauges are reported, read at each scrape. */
  readonly partitions: () => Iterable<PartitionGaugeSource>;
  /** Also collect Node's default process metrics (event-loop lag, GC, heap, ...). Default true. */
  readonly processMetrics?: boolean;
}

export class BrokerMetrics implements NetMetrics {
  /** This broker's registry. */
  readonly registry = new Registry();

  private readonly producedRecords: Counter<'topic'>;
  private readonly producedBytes: Counter<'topic'>;
  private readonly fetchedRecords: Counter<'topic'>;
  private readonly fetchedBytes: Counter<'topic'>;
  private readonly requestDuration: Histogram<'op'>;
  private readonly connections: Gauge<'transport'>;
  private readonly connectionsOpened: Counter<'transport'>;
  private readonly deliveryStalls: Counter<'reason'>;
  private readonly produceThrottles: Counter;
  private readonly errorsSent: Counter<'code'>;
  private readonly authFailures: Counter;

  constructor(options: BrokerMetricsOptions) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ broker: String(options.brokerId) });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const build = new Gauge({
      name: 'brook_build_info',
      help: 'Always 1; the labels say which Brook runs: package version and git commit (unknown outside a checkout).',
      labelNames: ['version', 'commit'],
      registers,
    });
    build.set({ ...buildInfo() }, 1);
    registerDiskMetrics(this.registry, options.dataDir);

    const perTopic = (name: string, help: string): Counter<'topic'> =>
      new Counter({ name, help, labelNames: ['topic'], registers });
    this.producedRecords = perTopic('brook_produce_records_total', 'Records appended by produce requests.');
    this.producedBytes = perTopic('brook_produce_bytes_total', 'Record batch bytes appended by produce requests.');
    this.fetchedRecords = perTopic(
      'brook_fetch_records_total',
      'Records sent to consumers, by fetch and by push delivery.',
    );
    this.fetchedBytes = perTopic(
      'brook_fetch_bytes_total',
      'Record batch bytes sent to consumers, by fetch and by push delivery.',
    );
    this.requestDuration = new Histogram({
      name: 'brook_request_duration_seconds',
      help: 'Time from a request frame to its response, by op.',
      labelNames: ['op'],
      buckets: [...REQUEST_DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.connections = new Gauge({
      name: 'brook_connections',
      help: 'Open client connections.',
      labelNames: ['transport'],
      registers,
    });
    this.connectionsOpened = new Counter({
      name: 'brook_connections_opened_total',
      help: 'Client connections accepted.',
      labelNames: ['transport'],
      registers,
    });
    for (const transport of TRANSPORTS) {
      this.connections.set({ transport }, 0);
      this.connectionsOpened.inc({ transport }, 0);
    }
    this.deliveryStalls = new Counter({
      name: 'brook_delivery_stalls_total',
      help: 'Times push delivery paused, for lack of credit or because the socket buffer was full.',
      labelNames: ['reason'],
      registers,
    });
    this.produceThrottles = new Counter({
      name: 'brook_produce_throttled_total',
      help: 'Produce requests refused with THROTTLED for exceeding the connection window.',
      registers,
    });
    this.errorsSent = new Counter({
      name: 'brook_errors_sent_total',
      help: 'Errors sent to clients (request, connection and per-partition errors), by code.',
      labelNames: ['code'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'brook_auth_failures_total',
      help: 'Failed logins: wrong password, unknown user, or a malformed or out-of-order SCRAM exchange.',
      registers,
    });
    this.partitionGauges(options.partitions);
  }

  connectionOpened(transport: Transport): void {
    this.connections.inc({ transport });
    this.connectionsOpened.inc({ transport });
  }

  connectionClosed(transport: Transport): void {
    this.connections.dec({ transport });
  }

  requestDone(op: string, seconds: number): void {
    this.requestDuration.observe({ op }, seconds);
  }

  deliveryStalled(reason: 'credit' | 'socket'): void {
    this.deliveryStalls.inc({ reason });
  }

  delivered(topic: string, records: number, bytes: number): void {
    this.fetched(topic, records, bytes);
  }

  errorSent(code: ErrorName): void {
    this.errorsSent.inc({ code });
  }

  produceThrottled(): void {
    this.produceThrottles.inc();
  }

  /** One failed login. */
  authFailed(): void {
    this.authFailures.inc();
  }

  /** Records and bytes appended to `topic` by a produce. */
  produced(topic: string, records: number, bytes: number): void {
    this.producedRecords.inc({ topic }, records);
    this.producedBytes.inc({ topic }, bytes);
  }

  /** Records and bytes returned by a fetch. */
  fetched(topic: string, records: number, bytes: number): void {
    this.fetchedRecords.inc({ topic }, records);
    this.fetchedBytes.inc({ topic }, bytes);
  }

  /** Forgets a deleted topic's series, so a recreated topic starts from zero and dead series do not pile up. */
  topicDeleted(topic: string): void {
    for (const counter of [this.producedRecords, this.producedBytes, this.fetchedRecords, this.fetchedBytes]) {
      counter.remove({ topic });
    }
  }

  /** The Prometheus text page. */
  async metricsText(): Promise<MetricsText> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Drops every metric of this registry. */
  close(): void {
    this.registry.clear();
  }

  private partitionGauges(partitions: () => Iterable<PartitionGaugeSource>): void {
    const gauge = (name: string, help: string, read: (p: PartitionGaugeSource) => number): void => {
      const g: Gauge<'topic' | 'partition'> = new Gauge({
        name,
        help,
        labelNames: ['topic', 'partition'],
        registers: [this.registry],
        collect() {
          // Reset first so deleted partitions drop out of the page.
          g.reset();
          for (const p of partitions()) g.set({ topic: p.topic, partition: String(p.partition) }, read(p));
        },
      });
    };
    gauge('brook_partition_log_end_offset', 'Next offset the partition log will assign.', (p) => p.logEndOffset);
    gauge('brook_partition_log_start_offset', 'First offset still in the partition log.', (p) => p.logStartOffset);
    gauge('brook_partition_high_watermark', 'End of what consumers may read (committed).', (p) => p.highWatermark);
    gauge('brook_partition_size_bytes', 'Record batch bytes held by the partition log.', (p) => p.sizeBytes);
  }
}
