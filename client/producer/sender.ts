/**
 * The producer's I/O driver: drains ready batches from the accumulator, groups them by leader broker into produce
 * requests (one request carries batches of several partitions), spends the connection's produce window before
 * sending, and settles records from the responses. Retriable failures go back to the accumulator with backoff until
 * the delivery deadline; everything else fails the batch's records. An idempotent producer's batches are numbered
 * (see sequences.ts) when first sent and keep their numbers on retry, so the broker drops repeats.
 */
import { BrookError, partitionKey, type Acks, type RecordBatch, type ResponseOf } from '../../protocol/index.js';
import { backoffDelayMs } from '../backoff.js';
import type { TimerHandle } from '../clock.js';
import { isRoutingError, type Cluster } from '../cluster.js';
import type { Connection } from '../connection.js';
import type { ProducerBatch, RecordAccumulator } from './accumulator.js';
import { NoLeaderError } from './no-leader-error.js';
import type { ProducerSequences } from './sequences.js';

/** The acknowledgement of one record. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset, or -1 with acks 0. */
  readonly offset: number;
  /** The record's timestamp (ms since the epoch). */
  readonly timestamp: number;
}

type Batch = ProducerBatch<RecordMetadata>;

/** Settings the sender uses. */
export interface SenderOptions {
  readonly acks: Acks;
  readonly deliveryTimeoutMs: number;
  /** How long a batch retries while its partition has no reachable leader (see ProducerOptions.leaderWaitMs). */
  readonly leaderWaitMs: number;
  readonly retries: number;
  readonly requestTimeoutMs: number;
  /** The sequence numbers of an idempotent producer; undefined when not idempotent. */
  readonly sequences?: ProducerSequences | undefined;
  /** Called when a batch is done (acknowledged or failed for good), to release buffer memory. */
  readonly onBatchDone: (batch: Batch) => void;
}

/** Room left in a frame for everything but the batch bytes (topic, partition, msgpack framing), per batch and per request. */
const FRAME_OVERHEAD_PER_BATCH_BYTES = 128;
const FRAME_OVERHEAD_BYTES = 1024;

export class Sender {
  private readonly outboxes = new Map<number, Batch[]>();
  private readonly pumping = new Set<number>();
  private scheduled = false;
  private timer: TimerHandle | undefined;
  private timerDueMs = Infinity;
  private flushing = 0;
  private stopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly accumulator: RecordAccumulator<RecordMetadata>,
    private readonly options: SenderOptions,
  ) {}

  /** Batches drained and not yet settled. */
  get inFlightBatches(): number {
    return this.accumulator.inFlightBatches;
  }

  /** Runs a drain soon (once per turn, however many records arrived in it). */
  wake(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.run();
    });
  }

  /** While a flush is waiting, batches go out without lingering. */
  beginFlush(): void {
    this.flushing++;
    this.wake();
  }

  endFlush(): void {
    this.flushing = Math.max(0, this.flushing - 1);
  }

  /** Stops timers; batches still out settle through their requests. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.cluster.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (this.stopped) return;
    const clock = this.cluster.options.clock;
    const nowMs = clock.nowMs();
    const brokers = new Set<number>();
    for (const batch of this.accumulator.drain(nowMs, this.flushing > 0)) {
      if (nowMs - batch.createdMs >= this.options.deliveryTimeoutMs) {
        this.failForGood(batch, this.timedOut(batch));
        continue;
      }
      if (!this.stamp(batch, nowMs)) continue;
      const brokerId = this.route(batch);
      if (brokerId !== undefined) brokers.add(brokerId);
    }
    // Pumps start after routing everything, so one request can carry batches of several partitions.
    for (const brokerId of brokers) if (!this.pumping.has(brokerId)) void this.pump(brokerId);
    this.armTimer(nowMs);
  }

  /**
   * Gives an idempotent producer's batch its sequence before its first send. False when the batch cannot go now:
   * it failed (the producer was fenced) or went back to wait for its partition's sequence to restart.
   */
  private stamp(batch: Batch, nowMs: number): boolean {
    const sequences = this.options.sequences;
    if (sequences === undefined) return true;
    let stamped: RecordBatch | undefined;
    try {
      stamped = sequences.stamp(batch.topic, batch.partition, batch.batch);
    } catch (err: unknown) {
      this.failForGood(batch, BrookError.from(err));
      return false;
    }
    if (stamped === undefined) {
      // Drained again once the partition's outstanding batches settle (their completion wakes the sender).
      this.accumulator.requeue(batch, nowMs);
      return false;
    }
    batch.batch = stamped;
    return true;
  }

  private armTimer(nowMs: number): void {
    const wakeMs = this.accumulator.nextWakeMs(nowMs);
    if (wakeMs === undefined || wakeMs >= this.timerDueMs) return;
    const clock = this.cluster.options.clock;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timerDueMs = wakeMs;
    this.timer = clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerDueMs = Infinity;
        this.run();
      },
      Math.max(0, wakeMs - nowMs),
    );
  }

  /**
   * Puts a batch in the outbox of its partition's leader and returns the leader, or sends the batch back for a retry
   * if the leader is unknown.
   */
  private route(batch: Batch): number | undefined {
    const meta = this.cluster.cachedTopic(batch.topic);
    const leader = meta?.partitions[batch.partition]?.leader;
    if (leader === undefined || leader < 0) {
      const error = new BrookError('NOT_LEADER', `no known leader for ${batch.topic}/${String(batch.partition)}`);
      this.cluster.topic(batch.topic).catch(() => undefined);
      this.fail(batch, error, true);
      return undefined;
    }
    let outbox = this.outboxes.get(leader);
    if (outbox === undefined) {
      outbox = [];
      this.outboxes.set(leader, outbox);
    }
    outbox.push(batch);
    return leader;
  }

  /** Sends the outbox of one broker as produce requests, as its window allows. One pump per broker at a time. */
  private async pump(brokerId: number): Promise<void> {
    this.pumping.add(brokerId);
    try {
      const outbox = this.outboxes.get(brokerId);
      while (outbox !== undefined && outbox.length > 0) {
        let connection: Connection;
        const triedMs = this.cluster.options.clock.nowMs();
        try {
          connection = this.cluster.connectionFor(brokerId);
          // Bounded by leaderWaitMs: a leader that does not answer is no leader (see fail).
          if (!connection.isReady)
            await connection.ready(Math.min(this.options.requestTimeoutMs, this.options.leaderWaitMs));
          if (connection.backpressured) await connection.drained();
        } catch (err: unknown) {
          for (const batch of outbox.splice(0)) this.fail(batch, BrookError.from(err), true, triedMs);
          return;
        }
        const hello = connection.brokerHello;
        const windowBytes = connection.window.capacityBytes;
        const maxRequestBytes = Math.min(windowBytes, (hello?.maxFrameBytes ?? windowBytes) - FRAME_OVERHEAD_BYTES);
        const batches = this.compose(outbox, maxRequestBytes);
        const bytes = batches.reduce((sum, b) => sum + b.batch.bytes.byteLength, 0);
        const session = connection.session;
        try {
          if (!connection.window.tryAcquire(bytes)) await connection.window.acquire(bytes);
        } catch (err: unknown) {
          for (const batch of batches) this.fail(batch, BrookError.from(err));
          continue;
        }
        if (connection.session !== session || !connection.isReady) {
          // The window belonged to a session that ended while we waited.
          for (const batch of batches)
            this.fail(batch, new BrookError('NETWORK_ERROR', `connection to ${connection.name} lost`));
          continue;
        }
        this.send(connection, batches, bytes);
      }
    } finally {
      this.pumping.delete(brokerId);
      // Batches routed here while the last request was being sent (after the loop ended) still need a pump.
      if ((this.outboxes.get(brokerId)?.length ?? 0) > 0 && !this.stopped) void this.pump(brokerId);
    }
  }

  /**
   * Takes the batches of the next request from `outbox`: at most one per partition (as Kafka does), so a partition
   * with several batches out has them in several pipelined requests instead of one that must complete as a whole,
   * and within maxRequestBytes (always at least one batch).
   */
  private compose(outbox: Batch[], maxRequestBytes: number): Batch[] {
    const taken: Batch[] = [];
    const partitions = new Set<string>();
    let total = 0;
    let write = 0;
    for (let read = 0; read < outbox.length; read++) {
      const batch = outbox[read];
      if (batch === undefined) continue;
      const key = partitionKey(batch.topic, batch.partition);
      const size = batch.batch.bytes.byteLength + FRAME_OVERHEAD_PER_BATCH_BYTES;
      if (!partitions.has(key) && (taken.length === 0 || total + size <= maxRequestBytes)) {
        partitions.add(key);
        taken.push(batch);
        total += size;
      } else {
        outbox[write++] = batch;
      }
    }
    outbox.length = write;
    return taken;
  }

  private send(connection: Connection, batches: Batch[], bytes: number): void {
    const body = {
      acks: this.options.acks,
      timeoutMs: this.options.requestTimeoutMs,
      partitions: batches.map((b) => ({ topic: b.topic, partition: b.partition, batch: b.batch.bytes })),
    };
    if (this.options.acks === 0) {
      if (!connection.sendWithoutResponse('produce', body)) {
        for (const batch of batches)
          this.fail(batch, new BrookError('NETWORK_ERROR', `connection to ${connection.name} lost`));
        return;
      }
      for (const batch of batches) this.succeed(batch, -1);
      return;
    }
    connection.request('produce', body).then(
      (response) => {
        this.onResponse(batches, response);
      },
      (err: unknown) => {
        const error = BrookError.from(err);
        // The broker grants back every produce it admitted or refused as a whole (THROTTLED, SHUTTING_DOWN), even when
        // it fails; only a request rejected as malformed never reached the window, so no grant will return its bytes.
        if (error.code === 'INVALID_REQUEST') connection.window.release(bytes);
        for (const batch of batches) this.fail(batch, error);
      },
    );
  }

  private onResponse(batches: Batch[], response: ResponseOf<'produce'>): void {
    const results = response.partitions;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i];
      if (batch === undefined) continue;
      let result = results[i];
      if (result === undefined || result.topic !== batch.topic || result.partition !== batch.partition) {
        result = results.find((r) => r.topic === batch.topic && r.partition === batch.partition);
      }
      if (result === undefined) {
        this.fail(
          batch,
          new BrookError('UNKNOWN', `produce response has no result for ${batch.topic}/${String(batch.partition)}`),
        );
      } else if (result.error !== undefined) {
        this.fail(batch, BrookError.fromWire(result.error));
      } else {
        this.succeed(batch, result.baseOffset);
      }
    }
  }

  private succeed(batch: Batch, baseOffset: number): void {
    this.accumulator.complete(batch);
    this.options.sequences?.acknowledged(batch.topic, batch.partition, batch.batch);
    const { topic, partition, resolves, timestamps } = batch;
    for (let i = 0; i < resolves.length; i++) {
      resolves[i]?.({ topic, partition, offset: baseOffset < 0 ? -1 : baseOffset + i, timestamp: timestamps[i] ?? 0 });
    }
    this.options.onBatchDone(batch);
    this.wake();
  }

  /**
   * A drained batch failed: retry it if the error allows and time remains, else fail its records. `leaderless`: the
   * failure means its partition has no reachable leader (none known, or the leader's broker did not answer since
   * `triedMs`); once that has lasted leaderWaitMs the batch fails with NoLeaderError rather than waiting out
   * deliveryTimeoutMs.
   */
  private fail(batch: Batch, error: BrookError, leaderless = isLeaderless(error), triedMs?: number): void {
    batch.lastError = error;
    const clock = this.cluster.options.clock;
    const nowMs = clock.nowMs();
    batch.leaderlessSinceMs = leaderless ? (batch.leaderlessSinceMs ?? triedMs ?? nowMs) : undefined;
    if (isRoutingError(error)) this.cluster.invalidate(batch.topic);
    if (error.code === 'INVALID_PRODUCER_EPOCH') this.options.sequences?.fence(error);
    const retriable =
      error.code === 'OUT_OF_ORDER_SEQUENCE'
        ? batch.attempts < this.options.retries && this.resendOutOfOrder(batch)
        : this.retriable(batch, error, nowMs);
    if (this.stopped || !retriable) {
      this.accumulator.complete(batch);
      this.settleFailure(batch, error);
      return;
    }
    const leaderlessMs = batch.leaderlessSinceMs === undefined ? 0 : nowMs - batch.leaderlessSinceMs;
    if (leaderlessMs >= this.options.leaderWaitMs) {
      this.accumulator.complete(batch);
      this.settleFailure(batch, new NoLeaderError(batch.topic, batch.partition, leaderlessMs, error));
      return;
    }
    const delayMs = backoffDelayMs(batch.attempts, this.cluster.options.retryBackoff, this.cluster.options.random);
    if (nowMs + delayMs - batch.createdMs >= this.options.deliveryTimeoutMs) {
      this.accumulator.complete(batch);
      this.settleFailure(batch, this.timedOut(batch));
      return;
    }
    this.accumulator.requeue(batch, nowMs + delayMs);
    this.armTimer(nowMs);
  }

  private retriable(batch: Batch, error: BrookError, nowMs: number): boolean {
    if (batch.attempts >= this.options.retries) return false;
    if (error.retriable) return true;
    // A topic created a moment ago may not be known to every broker yet.
    const unknown = error.code === 'UNKNOWN_TOPIC' || error.code === 'UNKNOWN_PARTITION';
    return unknown && nowMs - batch.createdMs < this.cluster.options.metadataWaitMs;
  }

  /** Whether a batch refused as out of sequence goes again (perhaps renumbered: see ProducerSequences.outOfOrder). */
  private resendOutOfOrder(batch: Batch): boolean {
    const resend = this.options.sequences?.outOfOrder(batch.topic, batch.partition, batch.batch);
    if (resend === undefined) return false;
    batch.batch = resend;
    return true;
  }

  /** Fails a batch that was taken from the accumulator but never counted as out. */
  private failForGood(batch: Batch, error: BrookError): void {
    this.accumulator.complete(batch);
    this.settleFailure(batch, error);
  }

  private settleFailure(batch: Batch, error: Error): void {
    this.options.sequences?.failed(batch.topic, batch.partition, batch.batch);
    for (const reject of batch.rejects) reject(error);
    this.options.onBatchDone(batch);
    this.wake();
  }

  private timedOut(batch: Batch): BrookError {
    const last = batch.lastError;
    return new BrookError(
      'REQUEST_TIMED_OUT',
      `${batch.topic}/${String(batch.partition)}: not acknowledged within deliveryTimeoutMs ${String(this.options.deliveryTimeoutMs)}` +
        (last === undefined ? '' : ` (last error: ${last.message})`),
      last === undefined ? {} : { cause: last },
    );
  }
}

/**
 * Whether a failed send means the partition has no reachable leader: the connection to its leader failed, or a broker
 * answered NOT_LEADER without naming another leader (it knows none).
 */
function isLeaderless(error: BrookError): boolean {
  return error.code === 'NETWORK_ERROR' || (error.code === 'NOT_LEADER' && error.leaderId === undefined);
}
