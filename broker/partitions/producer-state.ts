/**
 * Idempotent-producer state of one partition (Kafka KIP-98): per producer id, its current epoch and its last
 * {@link PRODUCER_BATCHES_KEPT} batches (sequence range and offsets). A batch is checked before it is appended: a
 * repeat of one of those batches is answered with the original offsets instead of being appended again, a batch
 * whose sequence does not follow the last one is refused (OUT_OF_ORDER_SEQUENCE), and a batch from an older epoch
 * is refused (INVALID_PRODUCER_EPOCH: a newer instance took over).
 *
 * Pure (no I/O, no clock): the partition feeds it appends as it makes them and rebuilds it from the log's batch
 * rows (producer id, epoch, base sequence, count are stored with every batch), so the state survives restarts and
 * leader changes. Memory is bounded by a count of producers: beyond `maxProducers` the least recently appending
 * one is forgotten. A producer the table does not know (new, forgotten, or whose batches retention deleted) must
 * start at sequence 0 (KIP-98): accepting any sequence would let a later batch overtake an earlier one that failed
 * retriably. A forgotten producer is told OUT_OF_ORDER_SEQUENCE and restarts its numbering under a newer epoch.
 */
import { addSequence, BrookError } from '../../protocol/index.js';

/** Batches remembered per producer: a client keeps at most this many in flight per partition. */
export const PRODUCER_BATCHES_KEPT = 5;
/** Default {@link ProducerStateOptions.maxProducers}. */
export const DEFAULT_MAX_PRODUCERS = 10_000;

/** The producer fields of a batch (producerId -1: not an idempotent producer, nothing is checked). */
export interface ProducerFields {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  /** Records in the batch: its sequences run from baseSequence to baseSequence + count - 1 (wrapping). */
  readonly count: number;
}

/** A stored batch as the log holds it, for {@link ProducerStateTable.rebuild}. */
export interface ProducerBatchRow extends ProducerFields {
  readonly baseOffset: number;
  readonly lastOffset: number;
}

/** What to do with a batch: append it, or answer with the offsets it was given the first time. */
export type ProducerCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly baseOffset: number; readonly lastOffset: number };

export interface ProducerStateOptions {
  /** Producers remembered at most; the least recently appending ones are forgotten beyond it. Default 10 000. */
  readonly maxProducers?: number;
}

interface CachedBatch {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
}

interface ProducerEntry {
  readonly epoch: number;
  /** Oldest first, at most PRODUCER_BATCHES_KEPT, never empty. */
  readonly batches: CachedBatch[];
}

const APPEND: ProducerCheck = Object.freeze({ kind: 'append' });

export class ProducerStateTable {
  private readonly maxProducers: number;
  /** In order of last append (a Map iterates in insertion order): the first entry is the least recent. */
  private readonly producers = new Map<number, ProducerEntry>();

  constructor(options: ProducerStateOptions = {}) {
    const max = options.maxProducers ?? DEFAULT_MAX_PRODUCERS;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxProducers must be >= 1, got ${String(max)}`);
    this.maxProducers = max;
  }

  /** Producers remembered. */
  get size(): number {
    return this.producers.size;
  }

  /**
   * Decides what to do with `batch` before it is appended. Throws BrookError INVALID_PRODUCER_EPOCH for an epoch
   * older than the producer's current one, OUT_OF_ORDER_SEQUENCE when the sequence neither repeats one of the last
   * batches nor follows the last one (or a new epoch does not start at 0), INVALID_REQUEST for a batch with a
   * producer id but no epoch or sequence.
   */
  check(batch: ProducerFields): ProducerCheck {
    if (batch.producerId < 0) return APPEND;
    if (batch.producerEpoch < 0 || batch.baseSequence < 0) {
      throw new BrookError('INVALID_REQUEST', 'a batch with a producerId needs producerEpoch and baseSequence >= 0');
    }
    const entry = this.producers.get(batch.producerId);
    if (entry === undefined) {
      if (batch.baseSequence === 0) return APPEND;
      throw outOfOrder(batch, 0);
    }
    if (batch.producerEpoch < entry.epoch) {
      throw new BrookError(
        'INVALID_PRODUCER_EPOCH',
        `producer ${String(batch.producerId)} epoch ${String(batch.producerEpoch)} is older than ${String(entry.epoch)}`,
      );
    }
    if (batch.producerEpoch > entry.epoch) {
      if (batch.baseSequence === 0) return APPEND;
      throw outOfOrder(batch, 0);
    }
    const lastSequence = addSequence(batch.baseSequence, batch.count - 1);
    for (const cached of entry.batches) {
      if (cached.firstSequence === batch.baseSequence && cached.lastSequence === lastSequence) {
        return { kind: 'duplicate', baseOffset: cached.baseOffset, lastOffset: cached.lastOffset };
      }
    }
    const newest = entry.batches[entry.batches.length - 1];
    const expected = newest === undefined ? batch.baseSequence : addSequence(newest.lastSequence, 1);
    if (batch.baseSequence === expected) return APPEND;
    throw outOfOrder(batch, expected);
  }

  /** Remembers a batch that {@link check} let through, once the log has given it offsets. */
  record(batch: ProducerFields, baseOffset: number, lastOffset: number): void {
    if (batch.producerId < 0) return;
    let entry = this.producers.get(batch.producerId);
    // Rows replayed by rebuild() were checked when appended; an older epoch cannot follow a newer one.
    if (entry !== undefined && batch.producerEpoch < entry.epoch) return;
    if (entry === undefined || batch.producerEpoch > entry.epoch) {
      entry = { epoch: batch.producerEpoch, batches: [] };
    }
    // Re-inserted so the map's order stays least recently appending first.
    this.producers.delete(batch.producerId);
    this.producers.set(batch.producerId, entry);
    entry.batches.push({
      firstSequence: batch.baseSequence,
      lastSequence: addSequence(batch.baseSequence, batch.count - 1),
      baseOffset,
      lastOffset,
    });
    if (entry.batches.length > PRODUCER_BATCHES_KEPT) entry.batches.shift();
    for (const id of this.producers.keys()) {
      if (this.producers.size <= this.maxProducers) break;
      this.producers.delete(id);
    }
  }

  /**
   * Forgets batches at or after `offset`: appends that failed after being recorded (their group commit failed),
   * or a log suffix Raft cut off. A producer left with no batch is forgotten (it may then start at any sequence).
   */
  truncateFrom(offset: number): void {
    for (const [id, entry] of this.producers) {
      let keep = entry.batches.length;
      while (keep > 0 && (entry.batches[keep - 1]?.lastOffset ?? -1) >= offset) keep--;
      if (keep === entry.batches.length) continue;
      if (keep === 0) this.producers.delete(id);
      else entry.batches.length = keep;
    }
  }

  /** Replaces the state with what `rows` (stored batches in offset order, e.g. the log's tail) imply. */
  rebuild(rows: Iterable<ProducerBatchRow>): void {
    this.producers.clear();
    for (const row of rows) this.record(row, row.baseOffset, row.lastOffset);
  }
}

function outOfOrder(batch: ProducerFields, expected: number): BrookError {
  return new BrookError(
    'OUT_OF_ORDER_SEQUENCE',
    `producer ${String(batch.producerId)} epoch ${String(batch.producerEpoch)}: sequence ${String(batch.baseSequence)}, expected ${String(expected)}`,
  );
}
