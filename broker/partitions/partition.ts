/**
 * One partition replica on this broker: its log, its high watermark, and the readers waiting on it.
 *
 * The high watermark (end of what consumers may read) is kept apart from the log end. When this broker is the
 * partition's only replica it follows the log's committed end after each group commit; otherwise the
 * replication driver (Raft) owns it and calls {@link Partition.advanceHighWatermark}.
 */
import type { PartitionLog } from '../log/partition-log.js';
import type { PartitionFeed } from '../net/broker-api.js';
import { BrookError, type Acks, type ErrorName, type FetchedBatch, type ProduceBatch } from '../protocol/index.js';
import { HighWatermarkWaiters, type SetTimer, type WaitOutcome } from './hw-waiters.js';
import { toBrookError } from './log-errors.js';

/** Why a partition was closed: its topic was deleted, or the broker is stopping. */
export type CloseReason = 'deleted' | 'shutdown';

/** Offsets an append was given. */
export interface AppendedRange {
  baseOffset: number;
  lastOffset: number;
}

/** What a timestamp lookup found (protocol rule 10). */
export interface TimestampLookup {
  /** Base offset of the first batch whose max timestamp is >= the asked one, or the high watermark. */
  offset: number;
  /** That batch's max timestamp, or null when there is none. */
  timestamp: number | null;
}

export interface PartitionOptions {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  /** Replica broker ids, preferred leader first. */
  readonly replicas: readonly number[];
  /** The broker leading the partition (this broker when it is the only replica). */
  readonly leaderId: number;
  /** Largest batch records bytes accepted. */
  readonly maxMessageBytes: number;
  /** The Raft term appends are written in (0 until Raft owns the partition). */
  readonly term?: number;
  /** True when this broker is the only replica: commits advance the high watermark directly. */
  readonly soleReplica: boolean;
  /** Told after each append is queued (the broker syncs appended partitions on its flush timer). */
  readonly onAppend?: (partition: Partition) => void;
  /** Timer for waiters (tests inject a fake one). */
  readonly setTimer?: SetTimer;
  /** Gets what a watch listener threw (a bug in the listener; it must not fail the append that woke it). */
  readonly onListenerError?: (err: unknown) => void;
}

type Listener = (event: 'data' | 'closed') => void;

export class Partition implements PartitionFeed {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly leaderId: number;

  private readonly log: PartitionLog;
  private readonly maxMessageBytes: number;
  private readonly term: number;
  private readonly soleReplica: boolean;
  private readonly onAppend: ((partition: Partition) => void) | undefined;
  private readonly onListenerError: (err: unknown) => void;
  private readonly listeners = new Set<Listener>();
  private readonly waiters: HighWatermarkWaiters;
  private hw: number;
  private closedAs: CloseReason | null = null;

  constructor(options: PartitionOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.replicas = options.replicas;
    this.leaderId = options.leaderId;
    this.log = options.log;
    this.maxMessageBytes = options.maxMessageBytes;
    this.term = Math.max(options.term ?? 0, options.log.lastTerm);
    this.soleReplica = options.soleReplica;
    this.onAppend = options.onAppend;
    this.onListenerError = options.onListenerError ?? rethrowLater;
    this.waiters = new HighWatermarkWaiters(options.setTimer);
    // Everything a sole replica recovered is committed; under Raft the leader's commit index decides.
    this.hw = options.soleReplica ? options.log.committedEndOffset : options.log.logStartOffset;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /** Next offset the log will assign (appends not yet committed included). */
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** Payload bytes held by the log. */
  get sizeBytes(): number {
    return this.log.sizeBytes;
  }

  /** In-sync replicas (every replica when this broker is the only one). */
  get isr(): readonly number[] {
    return this.soleReplica ? this.replicas : [this.leaderId];
  }

  /** Null while open; else why it was closed. */
  get closeReason(): CloseReason | null {
    return this.closedAs;
  }

  /** Requests waiting on the high watermark (long-poll fetches, acks=all produces). */
  get waitingRequests(): number {
    return this.waiters.size;
  }

  read(offset: number, maxBytes: number): FetchedBatch[] {
    this.checkOpen();
    if (offset < this.log.logStartOffset || offset > this.hw) {
      throw new BrookError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${String(offset)} of ${this.name} is outside [${String(this.log.logStartOffset)}, ${String(this.hw)}]`,
      );
    }
    if (offset === this.hw) return [];
    try {
      return this.log.read(offset, maxBytes, this.hw).map((b): FetchedBatch => ({
        baseOffset: b.baseOffset,
        count: b.count,
        firstTimestamp: b.firstTimestamp,
        maxTimestamp: b.maxTimestamp,
        crc: b.crc,
        producerId: b.producerId,
        producerEpoch: b.producerEpoch,
        baseSequence: b.baseSequence,
        attributes: b.attributes,
        records: b.records,
      }));
    } catch (err) {
      throw this.mapError(err);
    }
  }

  watch(listener: Listener): () => void {
    if (this.closedAs === 'deleted') {
      queueMicrotask(() => {
        listener('closed');
      });
      return () => undefined;
    }
    // Wrapped so the same function can watch twice and each registration is removed on its own.
    const entry: Listener = (event) => {
      listener(event);
    };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /**
   * Appends a producer's batch. Resolves with its offsets once the acks are satisfied: acks 0 and 1 after the
   * local group commit, acks -1 (all) once the high watermark passes the batch, failing with REQUEST_TIMED_OUT
   * when that takes longer than `timeoutMs`. Rejects with a BrookError: MESSAGE_TOO_LARGE, CORRUPT_BATCH (nothing
   * appended), STORAGE_ERROR, UNKNOWN_TOPIC (deleted meanwhile), SHUTTING_DOWN.
   */
  async append(batch: ProduceBatch, acks: Acks, timeoutMs: number): Promise<AppendedRange> {
    this.checkOpen();
    if (batch.records.byteLength > this.maxMessageBytes) {
      throw new BrookError(
        'MESSAGE_TOO_LARGE',
        `batch of ${String(batch.records.byteLength)} bytes exceeds maxMessageBytes ${String(this.maxMessageBytes)}`,
      );
    }
    let pending: Promise<AppendedRange>;
    try {
      // Called synchronously so that every append of this event-loop turn joins one group commit.
      pending = this.log.append(batch, this.term);
    } catch (err) {
      throw this.mapError(err);
    }
    this.onAppend?.(this);
    let range: AppendedRange;
    try {
      range = await pending;
    } catch (err) {
      throw this.mapError(err);
    }
    // The first append of a group commit to get here moves the high watermark over the whole group, so
    // watchers hear once per commit.
    if (this.soleReplica) this.advanceHighWatermark(this.log.committedEndOffset);
    if (acks === -1 && this.hw <= range.lastOffset) {
      const outcome = await this.waiters.wait(range.lastOffset + 1, this.hw, timeoutMs);
      if (outcome !== 'reached') throw this.waitFailure(outcome, range.lastOffset);
    }
    return range;
  }

  /**
   * Moves the high watermark forward to `offset` (never back, never past the committed log end), then releases
   * waiting fetches and produces and tells the watchers.
   */
  advanceHighWatermark(offset: number): void {
    const next = Math.min(offset, this.log.committedEndOffset);
    if (next <= this.hw || this.closedAs !== null) return;
    this.hw = next;
    this.waiters.advanced(next);
    for (const listener of this.listeners) this.notify(listener, 'data');
  }

  /**
   * Waits until the high watermark passes `offset` (data to read there), `timeoutMs` passes, the broker wakes
   * every waiter, or the partition closes. Never rejects.
   */
  waitForData(offset: number, timeoutMs: number): Promise<WaitOutcome> {
    if (this.closedAs !== null) return Promise.resolve('closed');
    return this.waiters.wait(offset + 1, this.hw, timeoutMs);
  }

  /** Releases every waiting request early, as if its wait had run out (the broker is stopping). */
  wakeWaiters(): void {
    this.waiters.wakeAll();
  }

  /** Rule 10: the first committed batch whose max timestamp is >= `timestampMs`, or the high watermark. */
  offsetForTimestamp(timestampMs: number): TimestampLookup {
    this.checkOpen();
    try {
      const offset = this.log.offsetForTimestamp(timestampMs);
      if (offset !== null && offset < this.hw) {
        const [batch] = this.log.read(offset, 1, this.hw);
        if (batch !== undefined) return { offset: batch.baseOffset, timestamp: batch.maxTimestamp };
      }
    } catch (err) {
      throw this.mapError(err);
    }
    return { offset: this.hw, timestamp: null };
  }

  /** Deletes head batches past the retention limits, never at or above the high watermark. Returns batches deleted. */
  applyRetention(nowMs: number): number {
    if (this.closedAs !== null) return 0;
    return this.log.applyRetention(nowMs, this.hw);
  }

  /** Makes every commit so far durable (WAL checkpoint with fsync). */
  sync(): void {
    if (this.closedAs !== null) return;
    this.log.sync();
  }

  /**
   * Closes the log after its queued appends commit. 'deleted' tells watchers 'closed' and fails waiting
   * requests; 'shutdown' just releases them. Idempotent.
   */
  async close(reason: CloseReason): Promise<void> {
    if (this.closedAs !== null) return;
    try {
      await this.log.close();
    } finally {
      // Set after the log's final commit so the high watermark could still cover it.
      if (this.soleReplica) this.advanceHighWatermark(this.log.committedEndOffset);
      this.closedAs = reason;
      this.waiters.closeAll();
      const listeners = [...this.listeners];
      this.listeners.clear();
      if (reason === 'deleted') for (const listener of listeners) this.notify(listener, 'closed');
    }
  }

  private notify(listener: Listener, event: 'data' | 'closed'): void {
    try {
      listener(event);
    } catch (err) {
      this.onListenerError(err);
    }
  }

  private get name(): string {
    return `${this.topic}-${String(this.partition)}`;
  }

  private checkOpen(): void {
    if (this.closedAs !== null) throw this.closedError();
  }

  private closedError(): BrookError {
    return this.closedAs === 'shutdown'
      ? new BrookError('SHUTTING_DOWN', 'broker is shutting down')
      : new BrookError('UNKNOWN_TOPIC', `topic '${this.topic}' was deleted`);
  }

  private mapError(err: unknown): BrookError {
    const closedAs: ErrorName = this.closedAs === 'shutdown' ? 'SHUTTING_DOWN' : 'UNKNOWN_TOPIC';
    return toBrookError(err, closedAs);
  }

  private waitFailure(outcome: WaitOutcome, lastOffset: number): BrookError {
    if (outcome === 'closed') return this.closedError();
    if (outcome === 'woken') return new BrookError('SHUTTING_DOWN', 'broker is shutting down');
    return new BrookError('REQUEST_TIMED_OUT', `offset ${String(lastOffset)} of ${this.name} not committed in time`);
  }
}

function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}
