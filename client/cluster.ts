/**
 * The client's view of the cluster: the bootstrap connection, one connection per broker id, the metadata cache,
 * and routing of partition requests to leaders. Works unchanged for one broker or many: a partition's requests go
 * to the connection of the broker metadata names as its leader; NOT_LEADER, lost connections and topics that
 * metadata does not know yet (just created) refresh metadata and retry with backoff.
 */
import { BrookError, type ResponseOf } from '../protocol/index.js';
import { backoffDelayMs } from './backoff.js';
import type { TimerHandle } from './clock.js';
import { Connection, type BrokerHello } from './connection.js';
import { brokerEndpoint, type Endpoint } from './endpoint.js';
import type { ResolvedClientOptions } from './options.js';

type MetadataResponse = ResponseOf<'metadata'>;
/** A broker as metadata describes it. */
export type BrokerInfo = MetadataResponse['brokers'][number];
type WireTopic = MetadataResponse['topics'][number];

/** One partition as metadata describes it. */
export interface PartitionMetadata {
  readonly partition: number;
  /** Broker id of the leader, or -1 when the partition has none right now. */
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly logStartOffset: number;
  readonly highWatermark: number;
  /** Record batch bytes of the partition's log, as Admin.describeTopics reads it from the leader; else absent. */
  readonly sizeBytes?: number;
}

/** A topic as metadata describes it. */
export interface TopicMetadata {
  readonly name: string;
  /** Indexed by partition number. */
  readonly partitions: readonly PartitionMetadata[];
  readonly config: Readonly<Record<string, string>>;
  /** When this entry was fetched (client clock, ms). */
  readonly fetchedMs: number;
}

/** Options for {@link Cluster.retry}. */
export interface RetryOptions {
  /** Give up (rethrowing the last error) when the next attempt would start after this time (client clock, ms). */
  readonly deadlineMs: number;
  /** Topic whose metadata to refresh after a routing error. */
  readonly topic?: string;
  /** Which errors are retried, instead of the retriable ones (e.g. the coordinator errors of a group request). */
  readonly retryIf?: (error: BrookError) => boolean;
  /** Told of each error that is retried, before the backoff (e.g. to forget a coordinator). */
  readonly onRetry?: (error: BrookError) => void;
  /** Stops the retries (rethrowing the last error) once true: checked before and after each backoff. */
  readonly abandoned?: () => boolean;
}

export class Cluster {
  private bootstrapConnection: Connection | undefined;
  private readonly byBrokerId = new Map<number, Connection>();
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly topics = new Map<string, TopicMetadata>();
  private readonly refreshes = new Map<string, Promise<MetadataResponse>>();
  private readonly backgroundRefreshMs = new Map<string, number>();
  private readonly sleepers = new Map<TimerHandle, (error: Error) => void>();
  private closed = false;
  private controllerId = -1;

  constructor(readonly options: ResolvedClientOptions) {}

  /** Whether {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Every live connection (bootstrap and per-broker), without duplicates. */
  connections(): Connection[] {
    const all = new Set<Connection>(this.byBrokerId.values());
    if (this.bootstrapConnection !== undefined) all.add(this.bootstrapConnection);
    return [...all].filter((c) => !c.isClosed);
  }

  /** A connection for cluster-wide requests (metadata, admin): a ready one if any, else the bootstrap connection. */
  anyConnection(): Connection {
    this.assertOpen();
    const live = this.connections();
    const ready = live.find((c) => c.isReady);
    if (ready !== undefined) return ready;
    return this.bootstrap();
  }

  /** The broker's hello (limits) from a ready connection, connecting if needed. */
  ready(): Promise<BrokerHello> {
    return this.anyConnection().ready();
  }

  /** The connection to broker `brokerId`, opened on first use. Throws NOT_LEADER if metadata does not know it. */
  connectionFor(brokerId: number): Connection {
    this.assertOpen();
    const known = this.byBrokerId.get(brokerId);
    if (known !== undefined && !known.isClosed && (known.brokerId === undefined || known.brokerId === brokerId)) {
      return known;
    }
    const boot = this.bootstrapConnection;
    if (boot !== undefined && !boot.isClosed && boot.brokerId === brokerId) {
      this.byBrokerId.set(brokerId, boot);
      return boot;
    }
    const broker = this.brokers.get(brokerId);
    const like = this.options.bootstrap[0];
    if (broker === undefined || like === undefined) {
      throw new BrookError('NOT_LEADER', `broker ${String(brokerId)} is not in the cluster metadata`);
    }
    return this.open(brokerId, [brokerEndpoint(broker, like)]);
  }

  /**
   * The connection to the broker coordinating consumer group `groupId` (findCoordinator on any broker). Throws
   * COORDINATOR_LOAD_IN_PROGRESS while the group has no coordinator, or the request's error.
   */
  async coordinatorConnection(groupId: string): Promise<Connection> {
    const found = await this.anyConnection().request('findCoordinator', { groupId });
    if (found.coordinatorId < 0) {
      throw new BrookError('COORDINATOR_LOAD_IN_PROGRESS', 'the group has no coordinator yet');
    }
    try {
      return this.connectionFor(found.coordinatorId);
    } catch {
      // A broker metadata has not shown us yet: refresh the broker list.
      await this.refresh([]);
      return this.connectionFor(found.coordinatorId);
    }
  }

  /**
   * The cached metadata of `topic`, or undefined if none. An entry older than metadataMaxAgeMs is still returned (it
   * is the best guess, and routing errors refresh it anyway) while a refresh runs in the background, so hot paths
   * never wait for metadata they already have.
   * @param nowMs the current time if the caller has it (saves a clock read on hot paths).
   */
  cachedTopic(topic: string, nowMs = this.options.clock.nowMs()): TopicMetadata | undefined {
    const entry = this.topics.get(topic);
    if (entry !== undefined && nowMs - entry.fetchedMs > this.options.metadataMaxAgeMs && !this.closed) {
      // At most one background refresh per topic per retry backoff, even while the broker is unreachable.
      const lastMs = this.backgroundRefreshMs.get(topic) ?? -Infinity;
      if (nowMs - lastMs >= this.options.retryBackoff.initialMs) {
        this.backgroundRefreshMs.set(topic, nowMs);
        this.refresh([topic]).catch(() => undefined);
      }
    }
    return entry;
  }

  /** Drops the cached metadata of `topic`, so the next use refreshes it. */
  invalidate(topic: string): void {
    this.topics.delete(topic);
  }

  /**
   * Metadata of `topic`: cached, or fetched. A topic metadata does not know is asked for again with backoff for up
   * to metadataWaitMs (it may have just been created), then fails with UNKNOWN_TOPIC.
   */
  async topic(topic: string): Promise<TopicMetadata> {
    const cached = this.cachedTopic(topic);
    if (cached !== undefined) return cached;
    const deadlineMs = this.options.clock.nowMs() + this.options.metadataWaitMs;
    return this.retry(
      async () => {
        const response = await this.refresh([topic]);
        const entry = response.topics.find((t) => t.name === topic);
        if (entry?.error !== undefined) throw BrookError.fromWire(entry.error);
        const stored = this.topics.get(topic);
        if (stored === undefined) throw new BrookError('UNKNOWN_TOPIC', `topic ${topic} does not exist`);
        return stored;
      },
      // Also UNKNOWN_TOPIC / UNKNOWN_PARTITION: a topic just created may not be everywhere yet.
      {
        deadlineMs,
        retryIf: (err) => err.retriable || err.code === 'UNKNOWN_TOPIC' || err.code === 'UNKNOWN_PARTITION',
      },
    );
  }

  /**
   * Fetches metadata for `topics` (all topics when undefined) and updates the cache. Concurrent identical requests
   * share one round trip.
   */
  refresh(topics?: readonly string[]): Promise<MetadataResponse> {
    const key = topics === undefined ? '*' : [...topics].sort().join('\u0000');
    const inFlight = this.refreshes.get(key);
    if (inFlight !== undefined) return inFlight;
    const request = topics === undefined ? {} : { topics: [...topics] };
    const promise = this.anyConnection()
      .request('metadata', request)
      .then((response) => {
        this.absorb(response);
        return response;
      })
      .finally(() => this.refreshes.delete(key));
    this.refreshes.set(key, promise);
    return promise;
  }

  /** The id of the controller from the last metadata, or -1. */
  get controller(): number {
    return this.controllerId;
  }

  /**
   * The connection to the leader of `topic`/`partition`, from metadata (fetched if not cached). Throws UNKNOWN_TOPIC,
   * UNKNOWN_PARTITION, or a retriable NOT_LEADER when the partition has no leader right now.
   */
  async leaderConnection(topic: string, partition: number): Promise<Connection> {
    const meta = await this.topic(topic);
    const p = meta.partitions[partition];
    if (p === undefined) {
      throw new BrookError('UNKNOWN_PARTITION', `topic ${topic} has no partition ${String(partition)}`);
    }
    if (p.leader < 0) {
      this.invalidate(topic);
      throw new BrookError('NOT_LEADER', `partition ${topic}/${String(partition)} has no leader right now`);
    }
    return this.connectionFor(p.leader);
  }

  /**
   * Runs `attempt` until it succeeds, retrying retriable errors with backoff until `deadlineMs`. Routing errors
   * (NOT_LEADER, NETWORK_ERROR, and UNKNOWN_TOPIC when asked) drop the topic's cached metadata first.
   */
  async retry<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (err: unknown) {
        if (!(err instanceof BrookError) || !this.shouldRetry(err, options) || options.abandoned?.() === true)
          throw err;
        if (options.topic !== undefined && isRoutingError(err)) this.invalidate(options.topic);
        options.onRetry?.(err);
        const delayMs = backoffDelayMs(n, this.options.retryBackoff, this.options.random);
        if (this.options.clock.nowMs() + delayMs > options.deadlineMs) throw err;
        await this.sleep(delayMs);
        if (options.abandoned?.() === true) throw err;
      }
    }
  }

  /** Resolves after `delayMs` (client clock); rejects with CLOSED if the cluster closes first. */
  sleep(delayMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new BrookError('CLOSED', 'client was closed'));
    return new Promise((resolve, reject) => {
      const handle = this.options.clock.setTimeout(() => {
        this.sleepers.delete(handle);
        resolve();
      }, delayMs);
      this.sleepers.set(handle, reject);
    });
  }

  /** Closes every connection. Pending requests and sleeps fail with CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [handle, reject] of this.sleepers) {
      this.options.clock.clearTimeout(handle);
      reject(new BrookError('CLOSED', 'client was closed'));
    }
    this.sleepers.clear();
    const all = this.connections();
    this.byBrokerId.clear();
    this.bootstrapConnection = undefined;
    await Promise.all(all.map((c) => c.close()));
  }

  private shouldRetry(err: BrookError, options: RetryOptions): boolean {
    if (this.closed) return false;
    return options.retryIf === undefined ? err.retriable : options.retryIf(err);
  }

  private bootstrap(): Connection {
    const existing = this.bootstrapConnection;
    if (existing !== undefined && !existing.isClosed) return existing;
    const connection = new Connection(this.options.bootstrap, this.options);
    this.bootstrapConnection = connection;
    connection.onReady.add((hello) => {
      const current = this.byBrokerId.get(hello.brokerId);
      if (current === undefined || current.isClosed) this.byBrokerId.set(hello.brokerId, connection);
    });
    connection.onClose.add(() => {
      for (const [id, c] of this.byBrokerId) if (c === connection) this.byBrokerId.delete(id);
    });
    connection.start();
    return connection;
  }

  private open(brokerId: number, endpoints: Endpoint[]): Connection {
    const connection = new Connection(endpoints, this.options, true);
    this.byBrokerId.set(brokerId, connection);
    connection.onClose.add(() => {
      if (this.byBrokerId.get(brokerId) === connection) this.byBrokerId.delete(brokerId);
    });
    connection.start();
    return connection;
  }

  private absorb(response: MetadataResponse): void {
    const nowMs = this.options.clock.nowMs();
    this.controllerId = response.controllerId;
    for (const broker of response.brokers) this.brokers.set(broker.id, broker);
    for (const topic of response.topics) {
      if (topic.error !== undefined) {
        this.topics.delete(topic.name);
        continue;
      }
      this.topics.set(topic.name, toTopicMetadata(topic, nowMs));
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new BrookError('CLOSED', 'client was closed');
  }
}

function toTopicMetadata(topic: WireTopic, fetchedMs: number): TopicMetadata {
  const partitions: PartitionMetadata[] = [];
  for (const p of topic.partitions) {
    partitions[p.partition] = {
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      logStartOffset: p.logStartOffset,
      highWatermark: p.highWatermark,
    };
  }
  return { name: topic.name, partitions, config: topic.config, fetchedMs };
}

/** Errors after which the partition's leader may have moved (the error table's `refreshMetadata` column). */
export function isRoutingError(err: unknown): boolean {
  return err instanceof BrookError && err.refreshMetadata;
}
