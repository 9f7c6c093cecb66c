/**
 * One push subscription: where it is in its partition and how much credit it has. Picks the batches of the next
 * deliver frame; the session's {@link Subscriptions} decides when to ask.
 */
import { BrookError, type RequestOf } from '../../protocol/index.js';
import type { StoredBatch } from '../log/batch.js';
import type { PartitionFeed } from './broker-api.js';
import { Credit } from './credit.js';

/** The offset a subscribe starts at: 'earliest', 'latest', or a number within [logStartOffset, highWatermark]. */
export function resolveStartOffset(feed: PartitionFeed, at: RequestOf<'subscribe'>['offset']): number {
  if (at === 'earliest') return feed.logStartOffset;
  if (at === 'latest') return feed.highWatermark;
  if (at < feed.logStartOffset || at > feed.highWatermark) {
    throw new BrookError(
      'OFFSET_OUT_OF_RANGE',
      `offset ${String(at)} is outside [${String(feed.logStartOffset)}, ${String(feed.highWatermark)}] of ${feed.topic}-${String(feed.partition)}`,
    );
  }
  return at;
}

export class Subscription {
  /** True after a read found nothing at `nextOffset`, until the feed reports new data. */
  awaitingData = false;

  /**
   * @param nextOffset where the next deliver starts (the offset right after the last batch delivered).
   * @param credit what the subscriber has granted so far.
   */
  constructor(
    readonly id: number,
    readonly feed: PartitionFeed,
    public nextOffset: number,
    readonly credit: Credit,
  ) {}

  /** Whether a deliver may be attempted: there may be data and credit allows starting a batch. */
  get ready(): boolean {
    return !this.awaitingData && this.credit.canStart();
  }

  /**
   * The batches of the next deliver frame, at most `deliverMaxBytes` of records bytes (at least one batch), each
   * started while both credits were positive. Charges them and moves past them. [] when nothing is available
   * (then {@link awaitingData} is set). Throws what the feed throws (OFFSET_OUT_OF_RANGE, ...).
   */
  take(deliverMaxBytes: number): StoredBatch[] {
    // Reading no more than the byte credit allows avoids reading batches only to drop them.
    const maxBytes = Math.max(1, Math.min(deliverMaxBytes, this.credit.bytesLeft));
    const batches = this.feed.read(this.nextOffset, maxBytes);
    if (batches.length === 0) {
      this.awaitingData = true;
      return batches;
    }
    const taken: StoredBatch[] = [];
    for (const batch of batches) {
      if (!this.credit.canStart()) break;
      this.credit.charge(batch.count, batch.bytes.byteLength);
      taken.push(batch);
      this.nextOffset = batch.baseOffset + batch.count;
    }
    return taken;
  }
}
