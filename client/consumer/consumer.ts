/**
 * The consumer: assigned partitions are read through push subscriptions on their leaders, with a credit window per
 * partition that is refilled as the application takes records. Records are yielded in offset order per partition,
 * partitions taking turns batch by batch. Subscriptions are re-established from the next offset after a reconnect,
 * a leader change, or a subscriptionEnd the consumer can recover from.
 */
import { BrookError, partitionKey } from '../../protocol/index.js';
import { Cluster } from '../cluster.js';
import { resolveClientOptions, type Platform, type ResolvedClientOptions } from '../options.js';
import { type PartitionPosition, type PartitionStart, type Subscription } from './group-membership.js';
import { GroupMode, type GroupReader } from './group-mode.js';
import { resolveGroupOptions, type ResolvedGroupOptions } from './group-options.js';
import type { PositionKind } from './group-session.js';
import {
  checkStartPosition,
  resolveConsumerOptions,
  type ConsumerOptions,
  type ResolvedConsumerOptions,
  type StartPosition,
} from './options.js';
import { PartitionStream, type ConsumerRecord, type TopicPartition } from './partition-stream.js';
import { PartitionSubscriber } from './partition-subscriber.js';
import { AssignedMode, type ReadMode } from './read-mode.js';
import { ReadyRing } from './ready-ring.js';

/** Options of {@link ConsumerCore.assign}. */
export interface AssignOptions {
  /** Start position for these partitions; default: the consumer's `from`. */
  readonly from?: StartPosition;
}

/** Options of {@link ConsumerCore.commit}. */
export interface CommitOptions {
  /**
   * Start the commit and return at once. A failed background commit is not reported: the next commit (explicit,
   * automatic, on revoke or on close) carries the same positions or later ones. Default false.
   */
  readonly async?: boolean;
}

/** Options of {@link ConsumerCore.batches}. */
export interface BatchesOptions {
  /** Most records per yielded array. Default 10 000. */
  readonly maxRecords?: number;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** The shared core of the Node and browser `Consumer` classes (which supply the transports). */
export class ConsumerCore<T> implements AsyncIterable<ConsumerRecord<T>> {
  private readonly client: ResolvedClientOptions;
  private readonly settings: ResolvedConsumerOptions<T>;
  private readonly cluster: Cluster;
  private readonly subscriber: PartitionSubscriber<T>;
  private readonly streams = new Map<string, PartitionStream<T>>();
  /** Partitions with records to take and not paused, in turn order. */
  private readonly ring = new ReadyRing<PartitionStream<T>>();
  /** The partition whose decoded batch the application is reading. */
  private active: PartitionStream<T> | undefined;
  private readonly failures: BrookError[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly group: ResolvedGroupOptions;
  /** Assigned by the application until subscribe() makes it a group's. */
  private mode: ReadMode<T> = new AssignedMode<T>();

  constructor(options: ConsumerOptions<T>, platform: Platform) {
    this.client = resolveClientOptions(options, platform);
    this.settings = resolveConsumerOptions(options);
    this.group = resolveGroupOptions(options);
    this.cluster = new Cluster(this.client);
    this.subscriber = new PartitionSubscriber<T>(this.client, this.cluster, this.settings.offsetReset, {
      isClosed: () => this.closed,
      enqueue: (stream) => {
        this.enqueue(stream);
      },
      fail: (error) => {
        this.fail(error);
      },
      decompress: (codec, records) => platform.compression.decompress(codec, records),
    });
  }

  /**
   * Joins the consumer group `groupId` (an option) and reads the partitions the group assigns to this member, for
   * topics named or matching a regular expression (matched against whole topic names, without flags). Returns at once: partitions
   * arrive as the group grants them (see `onAssigned`), and move away incrementally when other members come and go
   * (see `onRevoked`); records of revoked partitions are never handed out after the revocation. Errors of the
   * membership reach the iterator. Cannot be combined with assign(), or called twice.
   */
  subscribe(topics: string | readonly string[] | RegExp): void {
    this.assertOpen();
    const groupId = this.group.groupId;
    if (groupId === undefined) throw new BrookError('INVALID_REQUEST', 'subscribe() needs the groupId option');
    if (this.mode.kind === 'group') throw new BrookError('INVALID_REQUEST', 'subscribe() was called already');
    if (this.streams.size > 0) throw new BrookError('INVALID_REQUEST', 'subscribe() cannot follow assign()');
    let subscription: Subscription;
    if (topics instanceof RegExp) {
      // The coordinator matches the source alone: flags that change matching cannot travel.
      if (topics.flags.replace(/[gdy]/g, '') !== '') {
        throw new RangeError(`subscribe() patterns take no flags (got /${topics.source}/${topics.flags})`);
      }
      subscription = { pattern: topics.source };
    } else subscription = { topics: typeof topics === 'string' ? [topics] : [...topics] };
    if ('topics' in subscription && subscription.topics.length === 0) {
      throw new RangeError('subscribe() needs at least one topic');
    }
    const mode = new GroupMode<T>(
      this.client,
      this.cluster,
      { group: { ...this.group, groupId }, subscription, offsetReset: this.settings.offsetReset },
      this.groupReader(),
    );
    this.mode = mode;
    mode.start();
  }

  /**
   * Commits the group's positions of owned partitions: after the last record handed out of each (take a record,
   * process it, then commit). Resolves once the coordinator stored them durably; with `{ async: true }` returns at
   * once instead. Only after subscribe(). Rejects with FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID if this member lost
   * its partitions meanwhile (it rejoins on its own), or with the coordinator's error.
   */
  commit(): Promise<void>;
  commit(options: CommitOptions & { readonly async: true }): void;
  commit(options: CommitOptions): Promise<void> | undefined;
  commit(options: CommitOptions = {}): Promise<void> | undefined {
    const done = this.mode.commit();
    if (options.async !== true) return done;
    done.catch(() => undefined);
    return undefined;
  }

  /** This member's id in its group ('' before it joined, or without subscribe()). */
  get memberId(): string {
    return this.mode.memberId;
  }

  /**
   * Starts reading partitions: a list of topic partitions, or a topic name for all of its partitions. Resolves once
   * every new partition is subscribed (its start position resolved); partitions already assigned are left as they are.
   * Rejects with UNKNOWN_TOPIC / UNKNOWN_PARTITION, or the first non-retriable subscribe error.
   */
  async assign(target: string | readonly TopicPartition[], options: AssignOptions = {}): Promise<void> {
    this.assertOpen();
    if (this.mode.kind === 'group') throw new BrookError('INVALID_REQUEST', 'assign() cannot follow subscribe()');
    const from = options.from ?? this.settings.from;
    checkStartPosition(from);
    let partitions: readonly TopicPartition[];
    if (typeof target === 'string') {
      const meta = await this.cluster.topic(target);
      partitions = meta.partitions.map((p) => ({ topic: target, partition: p.partition }));
    } else {
      partitions = target;
    }
    const started: Promise<void>[] = [];
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      if (this.streams.has(key)) continue;
      const stream = new PartitionStream<T>(topic, partition, from, this.settings, (s, credit) =>
        this.subscriber.sendCredit(s, credit),
      );
      this.streams.set(key, stream);
      started.push(this.subscriber.subscribe(stream, stream.generation));
    }
    await Promise.all(started);
  }

  /** The assigned partitions. */
  assignment(): TopicPartition[] {
    return [...this.streams.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Stops reading partitions and forgets them. */
  async unassign(partitions: readonly TopicPartition[]): Promise<void> {
    const done: Promise<void>[] = [];
    for (const { topic, partition } of partitions) {
      const stream = this.streams.get(partitionKey(topic, partition));
      if (stream === undefined) continue;
      this.streams.delete(partitionKey(topic, partition));
      this.outOfTurn(stream);
      done.push(this.subscriber.drop(stream));
      stream.clear();
    }
    await Promise.all(done);
  }

  /** Stops yielding records of a partition; once its credit is spent the broker stops sending them. */
  pause(tp: TopicPartition): void {
    const stream = this.stream(tp);
    stream.pause();
    this.outOfTurn(stream);
  }

  /** Resumes a paused partition. */
  resume(tp: TopicPartition): void {
    const stream = this.stream(tp);
    stream.resume();
    this.enqueue(stream);
  }

  /** Offset of the next record the application will get from a partition (undefined until it is known). */
  position(tp: TopicPartition): number | undefined {
    return this.stream(tp).position;
  }

  /** Records of a partition delivered by the broker and not yet taken by the application. */
  bufferedRecords(tp: TopicPartition): number {
    return this.stream(tp).bufferedRecords;
  }

  /** The partition's high watermark as last seen (for lag: highWatermark - position). */
  highWatermark(tp: TopicPartition): number {
    return this.stream(tp).highWatermark;
  }

  /**
   * Continues a partition from `offset`: buffered records are dropped and the subscription is replaced. Also restarts
   * a partition that stopped on an error. Resolves once the new subscription is in place.
   */
  async seek(tp: TopicPartition, offset: number): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new RangeError(`offset must be an integer >= 0, got ${String(offset)}`);
    const stream = this.stream(tp);
    const old = this.subscriber.drop(stream);
    stream.seek(offset);
    this.outOfTurn(stream);
    await old;
    await this.subscriber.subscribe(stream, stream.generation);
  }

  /** Records one at a time, across all assigned partitions. Throws when a partition stops on an error. */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<T>> {
    return {
      next: () => {
        this.mode.asked();
        return this.nextRecord();
      },
      // Leaving a for-await loop ends that iteration only: the consumer stays assigned (close() releases it).
      return: () => Promise.resolve(DONE),
    };
  }

  /** Arrays of the records available at each turn (at most maxRecords each); the fastest way to consume. */
  batches(options: BatchesOptions = {}): AsyncIterable<ConsumerRecord<T>[]> {
    const maxRecords = Math.max(1, options.maxRecords ?? 10_000);
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          this.mode.asked();
          return this.nextBatch(maxRecords);
        },
        return: () => Promise.resolve(DONE),
      }),
    };
  }

  /** Ends iteration, drops subscriptions and closes the connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.wake();
      await this.mode.close();
      for (const stream of this.streams.values()) {
        stream.supersede();
        stream.clear();
      }
      this.ring.clear();
      this.active = undefined;
      this.wake();
      // Closing the connections ends their subscriptions on the broker.
      await this.cluster.close();
    })();
    return this.closing;
  }

  // ---- taking records ---------------------------------------------------------------------------------------------

  private nextRecord(): Promise<IteratorResult<ConsumerRecord<T>>> {
    try {
      const record = this.takeOne();
      if (record !== undefined) {
        if (this.active !== undefined) this.mode.handedOut(this.active);
        return Promise.resolve({ done: false, value: record });
      }
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    if (this.closed) return Promise.resolve(DONE);
    return new Promise((resolve) => {
      this.waiters.push(() => {
        resolve(this.nextRecord());
      });
    });
  }

  private takeOne(): ConsumerRecord<T> | undefined {
    const active = this.active;
    if (active !== undefined) {
      const record = active.nextInBatch();
      if (record !== undefined) return record;
      this.active = undefined;
    }
    for (;;) {
      const stream = this.pickStream();
      if (stream === undefined) return undefined;
      const record = stream.next();
      if (record === undefined) continue;
      this.active = stream;
      return record;
    }
  }

  private nextBatch(maxRecords: number): Promise<IteratorResult<ConsumerRecord<T>[]>> {
    const out: ConsumerRecord<T>[] = [];
    try {
      const active = this.active;
      this.active = undefined;
      // The rest of a batch the record iterator started comes first.
      while (active !== undefined && out.length < maxRecords) {
        const record = active.nextInBatch();
        if (record === undefined) break;
        out.push(record);
        this.mode.handedOut(active);
      }
      while (out.length < maxRecords) {
        const stream = this.pickStream();
        if (stream === undefined) break;
        if (stream.takeBatch(maxRecords, out)) this.mode.handedOut(stream);
      }
    } catch (err: unknown) {
      if (out.length === 0) return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (out.length > 0) return Promise.resolve({ done: false, value: out });
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    if (this.closed) return Promise.resolve(DONE);
    return new Promise((resolve) => {
      this.waiters.push(() => {
        resolve(this.nextBatch(maxRecords));
      });
    });
  }

  /** The next partition in turn with records; turns rotate per batch. */
  private pickStream(): PartitionStream<T> | undefined {
    return this.ring.next((stream) => stream.ready);
  }

  private enqueue(stream: PartitionStream<T>): void {
    if (stream.ready && this.ring.add(stream)) this.wake();
  }

  /** Takes a partition out of turn at once: paused, sought, withheld or forgotten. */
  private outOfTurn(stream: PartitionStream<T>): void {
    this.ring.remove(stream);
    if (this.active === stream) this.active = undefined;
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Reports an error to the application: the iterator throws it next. */
  private fail(error: BrookError): void {
    if (this.closed) return;
    this.failures.push(error);
    this.wake();
  }

  // ---- group mode ------------------------------------------------------------------------------------------------

  private groupReader(): GroupReader<T> {
    return {
      startPartitions: (starts) => {
        this.startPartitions(starts);
      },
      withhold: (partitions) => {
        this.withhold(partitions);
      },
      release: (partitions) => {
        const released: PartitionStream<T>[] = [];
        for (const { topic, partition } of partitions) {
          const key = partitionKey(topic, partition);
          const stream = this.streams.get(key);
          if (stream === undefined) continue;
          this.streams.delete(key);
          released.push(stream);
        }
        return released;
      },
      assignment: () => this.assignment(),
      positions: (kind) => this.positions(kind),
      waiting: () => this.waiters.length > 0,
      isClosed: () => this.closed,
      fail: (error) => {
        this.fail(error);
      },
    };
  }

  private startPartitions(starts: readonly PartitionStart[]): void {
    for (const { topic, partition, start } of starts) {
      const key = partitionKey(topic, partition);
      if (this.streams.has(key) || this.closed) continue;
      const stream = new PartitionStream<T>(topic, partition, start ?? 'earliest', this.settings, (s, credit) =>
        this.subscriber.sendCredit(s, credit),
      );
      this.streams.set(key, stream);
      // No position to start from: not subscribed until seek(), as an assigned partition out of range with
      // offsetReset 'none'.
      if (start === null) continue;
      // Failures reach the iterator; nobody awaits the subscribe itself.
      this.subscriber.subscribe(stream, stream.generation, true).catch(() => undefined);
    }
  }

  /** Hands out nothing more of these partitions, at once, and stops their deliveries. */
  private withhold(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const stream = this.streams.get(partitionKey(topic, partition));
      if (stream === undefined) continue;
      this.outOfTurn(stream);
      void this.subscriber.drop(stream);
      stream.withhold();
    }
  }

  private positions(kind: PositionKind): PartitionPosition[] {
    const out: PartitionPosition[] = [];
    for (const stream of this.streams.values()) {
      const offset = kind === 'taken' ? stream.position : stream.finished;
      if (offset !== undefined) out.push({ topic: stream.topic, partition: stream.partition, offset });
    }
    return out;
  }

  private stream(tp: TopicPartition): PartitionStream<T> {
    const stream = this.streams.get(partitionKey(tp.topic, tp.partition));
    if (stream === undefined)
      throw new BrookError('UNKNOWN_PARTITION', `${tp.topic}/${String(tp.partition)} is not assigned`);
    return stream;
  }

  private assertOpen(): void {
    if (this.closed) throw new BrookError('CLOSED', 'consumer was closed');
  }
}
