/**
 * The producer's record accumulator: records are appended to a per-partition batch that closes when it reaches
 * `batchBytes` or has lingered `lingerMs`; closed batches wait in a per-partition queue until the sender drains
 * them. Pure: no timers, no I/O; the caller passes the time and is told when to come back (`nextWakeMs`).
 *
 * Ordering: a partition has at most `maxInFlight` batches out at once. After a batch comes back for a retry the
 * partition sends one batch at a time, oldest first, until its retried batches are acknowledged, so a retry
 * cannot overtake an older batch. (With maxInFlight > 1 a later batch already in flight may still succeed before
 * an earlier one is retried; set maxInFlight to 1 for strict order under errors.)
 */
import { RecordBatchBuilder, type Checksum, type RecordBatch, type RecordToEncode } from '../../protocol/index.js';

/**
 * How a record's sender is told the outcome. Kept as parallel arrays in the batch (not an object per record): a
 * record may wait seconds for its acknowledgement, and fewer long-lived objects means far less garbage collection.
 */
export interface RecordSettlers<M> {
  readonly resolve: (metadata: M) => void;
  readonly reject: (error: Error) => void;
  /** A number the owner attaches to the record (the producer's flush epoch). */
  readonly tag: number;
}

/** A closed batch: in the queue, in flight, or waiting for a retry. */
export interface ProducerBatch<M> {
  readonly topic: string;
  readonly partition: number;
  /** The batch as sent: an idempotent producer sets its producer fields before the first send. */
  batch: RecordBatch;
  /** Per record, in record order: how to resolve its send. */
  readonly resolves: readonly ((metadata: M) => void)[];
  /** Per record, in record order: how to reject its send. */
  readonly rejects: readonly ((error: Error) => void)[];
  /** Per record, in record order: the owner's tag. */
  readonly tags: readonly number[];
  /** Per record, in record order: its timestamp. */
  readonly timestamps: readonly number[];
  /** When the first record was appended (ms). */
  readonly createdMs: number;
  /** Buffer memory the records hold until the batch completes (bytes). */
  readonly memoryBytes: number;
  /** Order of the batch within its partition. */
  readonly sequence: number;
  /** Sends so far that failed. */
  attempts: number;
  /** Not sent again before this time (ms). */
  retryAtMs: number;
  /** The error of the last failed send. */
  lastError: Error | undefined;
  /**
   * Since when (ms) every send of the batch failed for want of a reachable leader (see Sender); undefined once a
   * leader answered.
   */
  leaderlessSinceMs: number | undefined;
}

/** Accumulator settings. */
export interface AccumulatorOptions {
  /** A batch closes once its records reach this many bytes. */
  readonly batchBytes: number;
  /** A batch closes this long after its first record, in ms, if it has not filled up. */
  readonly lingerMs: number;
  /** Batches of one partition that may be out (drained, not completed) at once. */
  readonly maxInFlight: number;
  /** Called when a batch closes, e.g. so the sticky partitioner moves on. */
  readonly onBatchClosed?: (topic: string, partition: number) => void;
  /** CRC32C for finished batches. Default: the protocol's JavaScript implementation. */
  readonly checksum?: Checksum;
}

interface PartitionQueue<M> {
  readonly topic: string;
  readonly partition: number;
  builder: RecordBatchBuilder | undefined;
  resolves: ((metadata: M) => void)[];
  rejects: ((error: Error) => void)[];
  tags: number[];
  timestamps: number[];
  openedMs: number;
  openMemoryBytes: number;
  readonly closed: ProducerBatch<M>[];
  inFlight: number;
  /** Retried batches not yet completed: while > 0 the partition sends one batch at a time. */
  retries: number;
  /** Whether the queue is in the accumulator's active set. */
  isActive: boolean;
  nextSequence: number;
}

/** Builders kept for reuse; each holds a buffer of up to about batchBytes. */
const BUILDER_POOL_SIZE = 8;
const INITIAL_BUILDER_BYTES = 16 * 1024;

export class RecordAccumulator<M> {
  private batchBytes: number;
  private readonly queues = new Map<string, Map<number, PartitionQueue<M>>>();
  /** Partitions with an open or queued batch, so drain does not visit idle ones. */
  private readonly active = new Set<PartitionQueue<M>>();
  private readonly pool: RecordBatchBuilder[] = [];
  private lastQueue: PartitionQueue<M> | undefined;
  private batchesOut = 0;
  private recordsHeld = 0;

  constructor(private readonly options: AccumulatorOptions) {
    this.batchBytes = options.batchBytes;
  }

  /** Changes the batch size for batches opened from now on (the producer caps it once broker limits are known). */
  setBatchBytes(bytes: number): void {
    this.batchBytes = bytes;
  }

  /** Records appended and not yet completed (in batches queued, open or out). */
  get pendingRecords(): number {
    return this.recordsHeld;
  }

  /** Batches drained and not yet completed or requeued. */
  get inFlightBatches(): number {
    return this.batchesOut;
  }

  /**
   * Appends a record to its partition's open batch, closing the batch first if the record would push it past
   * batchBytes. Returns true when this closed a batch (it filled up), so there is something to send at once.
   */
  append(
    topic: string,
    partition: number,
    record: RecordToEncode,
    sizeBytes: number,
    settlers: RecordSettlers<M>,
    nowMs: number,
  ): boolean {
    const q = this.queue(topic, partition);
    let builder = q.builder;
    let closed = false;
    if (builder !== undefined && builder.count > 0 && builder.sizeBytes + sizeBytes > this.batchBytes) {
      this.close(q);
      builder = undefined;
      closed = true;
    }
    if (builder === undefined) {
      builder =
        this.pool.pop() ??
        new RecordBatchBuilder(Math.min(INITIAL_BUILDER_BYTES, this.batchBytes + 64), this.options.checksum);
      q.builder = builder;
      q.openedMs = nowMs;
    }
    builder.add(record);
    q.resolves.push(settlers.resolve);
    q.rejects.push(settlers.reject);
    q.tags.push(settlers.tag);
    q.timestamps.push(record.timestamp);
    q.openMemoryBytes += sizeBytes;
    this.recordsHeld++;
    if (!q.isActive) this.activate(q);
    if (builder.sizeBytes >= this.batchBytes) {
      this.close(q);
      closed = true;
    }
    return closed;
  }

  /**
   * Takes the batches that may be sent now: queued ones whose retry time has come, and open ones that have lingered
   * long enough (all open ones when `flushing`), within each partition's in-flight limit, oldest first.
   */
  drain(nowMs: number, flushing: boolean): ProducerBatch<M>[] {
    const out: ProducerBatch<M>[] = [];
    for (const q of this.active) {
      const limit = q.retries > 0 ? 1 : this.options.maxInFlight;
      while (q.inFlight < limit) {
        const head = q.closed[0];
        if (head !== undefined) {
          if (head.retryAtMs > nowMs) break;
          q.closed.shift();
        } else if (
          q.builder !== undefined &&
          q.builder.count > 0 &&
          (flushing || nowMs - q.openedMs >= this.options.lingerMs)
        ) {
          this.close(q);
          const batch = q.closed.shift();
          if (batch === undefined) break;
          out.push(batch);
          q.inFlight++;
          this.batchesOut++;
          continue;
        } else {
          break;
        }
        out.push(head);
        q.inFlight++;
        this.batchesOut++;
      }
      if (q.closed.length === 0 && (q.builder === undefined || q.builder.count === 0) && q.inFlight === 0) {
        this.active.delete(q);
        q.isActive = false;
      }
    }
    return out;
  }

  /**
   * The earliest time (ms) at which {@link drain} could return something it cannot return now, or undefined when
   * nothing is waiting on time (empty, or blocked by the in-flight limit until a batch completes).
   */
  nextWakeMs(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const q of this.active) {
      const limit = q.retries > 0 ? 1 : this.options.maxInFlight;
      if (q.inFlight >= limit) continue;
      const head = q.closed[0];
      let due: number | undefined;
      if (head !== undefined) due = head.retryAtMs;
      else if (q.builder !== undefined && q.builder.count > 0) due = q.openedMs + this.options.lingerMs;
      if (due === undefined) continue;
      const at = Math.max(due, nowMs);
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** A drained batch is done (acknowledged, or failed for good): frees its in-flight slot. */
  complete(batch: ProducerBatch<M>): void {
    const q = this.queue(batch.topic, batch.partition);
    q.inFlight--;
    this.batchesOut--;
    this.recordsHeld -= batch.resolves.length;
    if (batch.attempts > 0) q.retries--;
    if (q.closed.length > 0 || (q.builder !== undefined && q.builder.count > 0)) this.activate(q);
  }

  /** A drained batch failed retriably: it goes back to the head of its partition's queue, in sequence order. */
  requeue(batch: ProducerBatch<M>, retryAtMs: number): void {
    const q = this.queue(batch.topic, batch.partition);
    q.inFlight--;
    this.batchesOut--;
    if (batch.attempts === 0) q.retries++;
    batch.attempts++;
    batch.retryAtMs = retryAtMs;
    let i = 0;
    while (i < q.closed.length && (q.closed[i]?.sequence ?? Infinity) < batch.sequence) i++;
    q.closed.splice(i, 0, batch);
    this.activate(q);
  }

  /** Removes every batch not out (queued or open) and returns them, e.g. to fail them on close. */
  takeAll(): ProducerBatch<M>[] {
    const out: ProducerBatch<M>[] = [];
    for (const q of this.active) {
      if (q.builder !== undefined && q.builder.count > 0) this.close(q);
      for (const batch of q.closed.splice(0)) {
        this.recordsHeld -= batch.resolves.length;
        out.push(batch);
      }
    }
    return out;
  }

  private activate(q: PartitionQueue<M>): void {
    this.active.add(q);
    q.isActive = true;
  }

  private queue(topic: string, partition: number): PartitionQueue<M> {
    // Consecutive records usually go to the same partition (sticky partitioner, one hot topic).
    const last = this.lastQueue;
    if (last !== undefined && last.partition === partition && last.topic === topic) return last;
    let byPartition = this.queues.get(topic);
    if (byPartition === undefined) {
      byPartition = new Map();
      this.queues.set(topic, byPartition);
    }
    let q = byPartition.get(partition);
    if (q === undefined) {
      q = {
        topic,
        partition,
        builder: undefined,
        resolves: [],
        rejects: [],
        tags: [],
        timestamps: [],
        openedMs: 0,
        openMemoryBytes: 0,
        closed: [],
        inFlight: 0,
        retries: 0,
        isActive: false,
        nextSequence: 0,
      };
      byPartition.set(partition, q);
    }
    this.lastQueue = q;
    return q;
  }

  /** Closes the open batch of `q` into its queue and returns the builder to the pool. */
  private close(q: PartitionQueue<M>): void {
    const builder = q.builder;
    if (builder === undefined || builder.count === 0) return;
    q.closed.push({
      topic: q.topic,
      partition: q.partition,
      batch: builder.build(),
      resolves: q.resolves,
      rejects: q.rejects,
      tags: q.tags,
      timestamps: q.timestamps,
      createdMs: q.openedMs,
      memoryBytes: q.openMemoryBytes,
      sequence: q.nextSequence++,
      attempts: 0,
      retryAtMs: 0,
      lastError: undefined,
      leaderlessSinceMs: undefined,
    });
    q.builder = undefined;
    q.resolves = [];
    q.rejects = [];
    q.tags = [];
    q.timestamps = [];
    q.openMemoryBytes = 0;
    if (this.pool.length < BUILDER_POOL_SIZE) this.pool.push(builder);
    this.options.onBatchClosed?.(q.topic, q.partition);
  }
}
