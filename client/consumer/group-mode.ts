/**
 * A consumer reading the partitions its group grants ({@link ReadMode} of subscribe()): it tracks which partitions
 * handed records the application still holds, so that a revocation waits for the application to finish and commits
 * only finished records, and drives the {@link GroupSession}.
 */
import type { BrookError } from '../../protocol/index.js';
import type { Cluster } from '../cluster.js';
import type { ResolvedClientOptions } from '../options.js';
import type { PartitionPosition, PartitionStart, Subscription } from './group-membership.js';
import type { ResolvedGroupOptions } from './group-options.js';
import { GroupSession, type PositionKind } from './group-session.js';
import type { OffsetReset } from './options.js';
import type { PartitionStream, TopicPartition } from './partition-stream.js';
import type { ReadMode } from './read-mode.js';

/** What a group needs from its consumer. */
export interface GroupReader<T> {
  /** Starts reading partitions. */
  startPartitions(starts: readonly PartitionStart[]): void;
  /** Stops handing out records of partitions at once and drops what is buffered. */
  withhold(partitions: readonly TopicPartition[]): void;
  /** Forgets partitions; returns the streams forgotten. */
  release(partitions: readonly TopicPartition[]): PartitionStream<T>[];
  /** Every partition being read. */
  assignment(): TopicPartition[];
  /** Positions of the partitions read (those known). */
  positions(kind: PositionKind): PartitionPosition[];
  /** Whether the application is waiting for a record right now. */
  waiting(): boolean;
  /** Whether the consumer was closed. */
  isClosed(): boolean;
  /** Reports an error to the application through the iterator. */
  fail(error: BrookError): void;
}

/** The group's settings for one subscribe(). */
export interface GroupModeConfig {
  readonly group: ResolvedGroupOptions & { readonly groupId: string };
  readonly subscription: Subscription;
  readonly offsetReset: OffsetReset;
}

export class GroupMode<T> implements ReadMode<T> {
  readonly kind = 'group';
  private readonly session: GroupSession;
  /** Streams that handed out records since the application last asked for one. */
  private readonly handed = new Set<PartitionStream<T>>();
  /** The application holds records it took and has not asked past yet. */
  private inHand = false;
  private idleWaiters: (() => void)[] = [];
  private lastAskMs: number;

  constructor(
    private readonly client: ResolvedClientOptions,
    cluster: Cluster,
    config: GroupModeConfig,
    reader: GroupReader<T>,
  ) {
    this.lastAskMs = client.clock.nowMs();
    this.session = new GroupSession(cluster, client, config.group, config.subscription, config.offsetReset, {
      startPartitions: (starts) => {
        reader.startPartitions(starts);
      },
      withhold: (partitions) => {
        reader.withhold(partitions);
      },
      release: (partitions) => {
        for (const stream of reader.release(partitions)) this.handed.delete(stream);
      },
      assignment: () => reader.assignment(),
      positions: (kind) => reader.positions(kind),
      applicationIdle: () =>
        !this.inHand || reader.isClosed()
          ? Promise.resolve()
          : new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      lastPollMs: () => (reader.waiting() ? undefined : this.lastAskMs),
      fail: (error) => {
        reader.fail(error);
      },
    });
  }

  get memberId(): string {
    return this.session.memberId;
  }

  /** Joins the group. */
  start(): void {
    this.session.start();
  }

  asked(): void {
    this.lastAskMs = this.client.clock.nowMs();
    for (const stream of this.handed) stream.finish();
    this.handed.clear();
    this.appIdle();
    this.session.onPoll();
  }

  handedOut(stream: PartitionStream<T>): void {
    this.handed.add(stream);
    this.inHand = true;
  }

  commit(): Promise<void> {
    return this.session.commit('taken');
  }

  async close(): Promise<void> {
    this.appIdle();
    // Commits and leaves the group while the connections are still up.
    await this.session.close();
  }

  private appIdle(): void {
    this.inHand = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
