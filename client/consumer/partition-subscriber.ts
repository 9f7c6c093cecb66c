/**
 * Push subscriptions of a consumer's partitions: subscribing a partition on its leader at the right offset (retrying
 * retriable errors with backoff, applying offsetReset), re-subscribing after a subscriptionEnd the consumer can
 * recover from, ending subscriptions, and sending credit. The consumer owns the streams and what is done with
 * deliveries ({@link SubscriberHost}).
 */
import { BrookError, type PushOf } from '../../protocol/index.js';
import { backoffDelayMs } from '../backoff.js';
import { isRoutingError, type Cluster } from '../cluster.js';
import type { Connection, SubscriptionHandler } from '../connection.js';
import type { ResolvedClientOptions } from '../options.js';
import type { Credit } from './credit.js';
import type { OffsetReset } from './options.js';
import type { PartitionStream } from './partition-stream.js';
import { readableBatch, type Decompress, type ReadableBatch } from './readable-batch.js';

/** What the subscriber needs from its consumer. */
export interface SubscriberHost<T> {
  /** Whether the consumer was closed. */
  isClosed(): boolean;
  /** Records became available on `stream`. */
  enqueue(stream: PartitionStream<T>): void;
  /** A partition stopped on a non-retriable error (seek() restarts it): the iterator reports it. */
  fail(error: BrookError): void;
  /** Decompresses a delivered batch's records section (the platform's codecs). */
  readonly decompress: Decompress;
}

export class PartitionSubscriber<T> {
  /** Per stream, the deliveries still decompressing, in order: later ones are accepted after them. */
  private readonly decompressing = new Map<PartitionStream<T>, Promise<void>>();

  constructor(
    private readonly client: ResolvedClientOptions,
    private readonly cluster: Cluster,
    private readonly offsetReset: OffsetReset,
    private readonly host: SubscriberHost<T>,
  ) {}

  /**
   * Subscribes `stream` on its leader, retrying retriable errors with backoff for as long as the generation is
   * current. Resolves when subscribed (or superseded); rejects on a non-retriable error, which also goes to the
   * iterator when `reportToIterator` (re-subscribes nobody awaits).
   */
  async subscribe(stream: PartitionStream<T>, generation: number, reportToIterator = false): Promise<void> {
    const firstMs = this.client.clock.nowMs();
    for (let attempt = 0; ; attempt++) {
      if (this.host.isClosed() || !stream.isCurrent(generation)) return;
      try {
        await this.subscribeOnce(stream, generation);
        return;
      } catch (err: unknown) {
        if (this.host.isClosed() || !stream.isCurrent(generation)) return;
        const error = BrookError.from(err);
        if (error.code === 'OFFSET_OUT_OF_RANGE' && this.offsetReset !== 'none') {
          this.resetPosition(stream);
          continue;
        }
        const unknownTopic = error.code === 'UNKNOWN_TOPIC' || error.code === 'UNKNOWN_PARTITION';
        const retriable =
          error.retriable || (unknownTopic && this.client.clock.nowMs() - firstMs < this.client.metadataWaitMs);
        if (!retriable) {
          if (reportToIterator) this.host.fail(error);
          throw error;
        }
        if (isRoutingError(error)) this.cluster.invalidate(stream.topic);
        try {
          await this.cluster.sleep(backoffDelayMs(attempt, this.client.retryBackoff, this.client.random));
        } catch {
          return; // closed
        }
      }
    }
  }

  /**
   * Hands a delivery to `stream`: at once when none of its batches is compressed and nothing delivered before is
   * still decompressing, else after its batches are decompressed (deliveries stay in order either way).
   */
  private deliver(stream: PartitionStream<T>, generation: number, push: PushOf<'deliver'>): void {
    let batches: (ReadableBatch | Promise<ReadableBatch>)[];
    try {
      batches = push.batches.map((bytes) => readableBatch(bytes, this.host.decompress));
    } catch (err: unknown) {
      this.host.fail(BrookError.from(err));
      return;
    }
    const before = this.decompressing.get(stream);
    if (before === undefined && !batches.some((b) => b instanceof Promise)) {
      if (stream.accept(batches as ReadableBatch[], push.highWatermark)) this.host.enqueue(stream);
      return;
    }
    const done = (before ?? Promise.resolve())
      .then(() => Promise.all(batches.map((b) => Promise.resolve(b))))
      .then(
        (ready) => {
          if (!stream.isCurrent(generation) || this.host.isClosed()) return;
          if (stream.accept(ready, push.highWatermark)) this.host.enqueue(stream);
        },
        (err: unknown) => {
          if (stream.isCurrent(generation) && !this.host.isClosed()) this.host.fail(BrookError.from(err));
        },
      )
      .finally(() => {
        if (this.decompressing.get(stream) === done) this.decompressing.delete(stream);
      });
    this.decompressing.set(stream, done);
  }

  private async subscribeOnce(stream: PartitionStream<T>, generation: number): Promise<void> {
    const connection = await this.cluster.leaderConnection(stream.topic, stream.partition);
    const offset = await this.startOffset(stream, connection);
    if (this.host.isClosed() || !stream.isCurrent(generation)) return;
    const credit = stream.credit.subscribe(stream.bufferedRecords, stream.bufferedBytes);
    const handler: SubscriptionHandler = {
      deliver: (push) => {
        if (!stream.isCurrent(generation) || this.host.isClosed()) return;
        this.deliver(stream, generation, push);
      },
      end: (error) => {
        if (!stream.isCurrent(generation) || this.host.isClosed()) return;
        this.onSubscriptionEnd(stream, error);
      },
    };
    const subscriptionId = connection.addSubscription(handler);
    let response;
    try {
      response = await connection.request('subscribe', {
        subscriptionId,
        topic: stream.topic,
        partition: stream.partition,
        offset,
        credit,
      });
    } catch (err: unknown) {
      connection.removeSubscription(subscriptionId);
      throw err;
    }
    if (this.host.isClosed() || !stream.isCurrent(generation)) {
      connection.request('unsubscribe', { subscriptionId }).catch(() => undefined);
      connection.removeSubscription(subscriptionId);
      return;
    }
    stream.subscribed({ connection, subscriptionId }, response.offset, response.highWatermark);
  }

  /** The offset to subscribe at: where deliveries left off, or the start position (timestamps via listOffsets). */
  private async startOffset(
    stream: PartitionStream<T>,
    connection: Connection,
  ): Promise<number | 'earliest' | 'latest'> {
    const start = stream.subscribeAt;
    if (typeof start === 'number' || start === 'earliest' || start === 'latest') return start;
    if ('offset' in start) return start.offset;
    const found = await connection.request('listOffsets', {
      topic: stream.topic,
      partition: stream.partition,
      at: start.timestamp,
    });
    return found.offset;
  }

  private onSubscriptionEnd(stream: PartitionStream<T>, error: BrookError): void {
    // The broker ended it: nothing to unsubscribe, and its late pushes are stale.
    stream.supersede();
    if (error.code === 'OFFSET_OUT_OF_RANGE') {
      if (this.offsetReset === 'none') {
        this.host.fail(error);
        return;
      }
      this.resetPosition(stream);
    } else if (!error.retriable) {
      this.host.fail(error);
      return;
    }
    if (isRoutingError(error)) this.cluster.invalidate(stream.topic);
    this.subscribe(stream, stream.generation, true).catch(() => undefined);
  }

  /** Applies offsetReset: buffered records are dropped and the partition restarts at its first or next offset. */
  private resetPosition(stream: PartitionStream<T>): void {
    stream.reset(this.offsetReset === 'latest' ? 'latest' : 'earliest');
  }

  /** Ends the stream's subscription (best effort) and makes pushes for it stale. */
  async drop(stream: PartitionStream<T>): Promise<void> {
    const live = stream.supersede();
    if (live === undefined) return;
    const { connection, subscriptionId } = live;
    try {
      await connection.request('unsubscribe', { subscriptionId });
    } catch {
      // The subscription dies with its connection anyway.
    } finally {
      connection.removeSubscription(subscriptionId);
    }
  }

  sendCredit(stream: PartitionStream<T>, credit: Credit): boolean {
    const live = stream.subscription;
    // Without a live subscription the next subscribe carries the credit (CreditWindow.subscribe).
    if (live === undefined) return false;
    const { connection, subscriptionId } = live;
    return connection.notify('credit', { subscriptionId, records: credit.records, bytes: credit.bytes });
  }
}
