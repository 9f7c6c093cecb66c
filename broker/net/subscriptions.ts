/**
 * A session's push subscriptions and their delivery loop. A subscription is delivered to while it has credit and
 * its partition has data past its position; all of them pause while the socket holds more than socketBufferBytes
 * unsent, and resume on drain. Delivery runs deferred (once per turn, however many events woke it) and round-robin,
 * one deliver frame per subscription per round, so one busy partition does not starve the others. Delivered bytes count
 * against the fetch quota: past it, all delivery pauses for the throttle time.
 */
import { BrookError, type NoticeOf, type RequestOf, type ResponseOf } from '../../protocol/index.js';
import { Credit } from './credit.js';
import { asBrookError, type SessionContext } from './session-context.js';
import { resolveStartOffset, Subscription } from './subscription.js';

export class Subscriptions {
  private readonly byId = new Map<number, { sub: Subscription; unwatch: () => void }>();
  /** Subscriptions that may have something to deliver now. */
  private readonly ready = new Set<Subscription>();
  private pumpScheduled = false;
  private waitingForDrain = false;
  /** Delivery waits out a fetch quota throttle. */
  private throttled = false;

  constructor(private readonly ctx: SessionContext) {}

  /** Starts a subscription; throws BrookError (INVALID_REQUEST for a live id, UNKNOWN_TOPIC, OFFSET_OUT_OF_RANGE...). */
  subscribe(request: RequestOf<'subscribe'>): ResponseOf<'subscribe'> {
    const max = this.ctx.limits.maxSubscriptionsPerConnection;
    if (this.byId.size >= max) {
      throw new BrookError('LIMIT_EXCEEDED', `a connection may hold at most ${String(max)} subscriptions`);
    }
    if (this.byId.has(request.subscriptionId)) {
      throw new BrookError(
        'INVALID_REQUEST',
        `subscription ${String(request.subscriptionId)} is already live on this connection`,
      );
    }
    const feed = this.ctx.core.feed(request.topic, request.partition);
    const offset = resolveStartOffset(feed, request.offset);
    const sub = new Subscription(
      request.subscriptionId,
      feed,
      offset,
      new Credit(request.credit.records, request.credit.bytes),
    );
    const unwatch = feed.watch((event) => {
      this.onFeedEvent(sub, event);
    });
    this.byId.set(sub.id, { sub, unwatch });
    // Delivery is deferred, so the subscribe response goes out before the first deliver.
    this.wake(sub);
    return { offset, highWatermark: feed.highWatermark, logStartOffset: feed.logStartOffset };
  }

  /** Ends a subscription; nothing more is delivered for it. Throws UNKNOWN_SUBSCRIPTION for an id not live. */
  unsubscribe(request: RequestOf<'unsubscribe'>): void {
    const entry = this.byId.get(request.subscriptionId);
    if (entry === undefined) {
      throw new BrookError(
        'UNKNOWN_SUBSCRIPTION',
        `no subscription ${String(request.subscriptionId)} on this connection`,
      );
    }
    this.remove(entry.sub);
  }

  /** Adds a subscriber's credit. Credit for an id no longer live (it may have just ended) is ignored. */
  credit(notice: NoticeOf<'credit'>): void {
    const entry = this.byId.get(notice.subscriptionId);
    if (entry === undefined) return;
    entry.sub.credit.add(notice.records, notice.bytes);
    this.wake(entry.sub);
  }

  /** The connection drained some of its buffer. */
  onDrain(): void {
    this.schedulePump();
  }

  /** Stops every subscription without telling the client (the connection is going away). */
  closeAll(): void {
    for (const { sub } of [...this.byId.values()]) this.remove(sub);
  }

  private onFeedEvent(sub: Subscription, event: 'data' | 'closed'): void {
    if (this.byId.get(sub.id)?.sub !== sub) return;
    if (event === 'closed') {
      this.end(sub, new BrookError('UNKNOWN_TOPIC', `${sub.feed.topic}-${String(sub.feed.partition)} was deleted`));
      return;
    }
    sub.awaitingData = false;
    this.wake(sub);
  }

  private wake(sub: Subscription): void {
    if (!sub.ready) return;
    this.ready.add(sub);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.throttled || this.ready.size === 0 || this.ctx.out.closed) return;
    if (this.waitingForDrain) {
      if (this.socketFull()) return;
      this.waitingForDrain = false;
    }
    this.pumpScheduled = true;
    this.ctx.defer(() => {
      this.pump();
    });
  }

  private pump(): void {
    this.pumpScheduled = false;
    // Bounds the work of one turn when the transport takes everything at once (uWS writes straight to the kernel).
    let budgetBytes = this.ctx.limits.socketBufferBytes;
    while (this.ready.size > 0) {
      for (const sub of this.ready) {
        if (this.ctx.out.closed) return;
        if (this.socketFull()) {
          this.waitingForDrain = true;
          this.ctx.core.metrics.deliveryStalled('socket');
          return;
        }
        if (this.throttled) return;
        if (budgetBytes <= 0) {
          this.schedulePump();
          return;
        }
        budgetBytes -= this.deliverOne(sub);
      }
    }
  }

  /** Sends the next deliver frame of `sub` and returns its size, or 0 (and drops `sub` from `ready`) if it cannot. */
  private deliverOne(sub: Subscription): number {
    let batches;
    try {
      batches = sub.take(this.ctx.limits.deliverMaxBytes);
    } catch (err: unknown) {
      this.end(sub, asBrookError(this.ctx, err, 'subscription read'));
      return 0;
    }
    let frameBytes = 0;
    if (batches.length > 0) {
      frameBytes = this.ctx.out.push('deliver', {
        subscriptionId: sub.id,
        highWatermark: sub.feed.highWatermark,
        batches: batches.map((b) => b.bytes),
      });
      let records = 0;
      let bytes = 0;
      for (const b of batches) {
        records += b.count;
        bytes += b.bytes.byteLength;
      }
      this.ctx.core.metrics.delivered(sub.feed.topic, records, bytes);
      this.chargeFetchQuota(bytes);
    }
    if (!sub.ready) {
      this.ready.delete(sub);
      if (!sub.credit.canStart()) this.ctx.core.metrics.deliveryStalled('credit');
    }
    return frameBytes;
  }

  private chargeFetchQuota(bytes: number): void {
    const { core, clock, holds } = this.ctx;
    const throttleMs = core.quotas.record('fetch', this.ctx.quotaEntity(), bytes, clock.nowMs());
    if (throttleMs <= 0) return;
    this.throttled = true;
    holds.after(throttleMs, () => {
      this.throttled = false;
      this.schedulePump();
    });
  }

  private socketFull(): boolean {
    return this.ctx.out.bufferedBytes() > this.ctx.limits.socketBufferBytes;
  }

  private end(sub: Subscription, error: BrookError): void {
    this.remove(sub);
    this.ctx.core.metrics.errorSent(error.code);
    this.ctx.out.push('subscriptionEnd', { subscriptionId: sub.id, error: error.toWire() });
  }

  private remove(sub: Subscription): void {
    const entry = this.byId.get(sub.id);
    if (entry?.sub !== sub) return;
    this.byId.delete(sub.id);
    this.ready.delete(sub);
    entry.unwatch();
  }
}
