/**
 * One partition replica on this broker: its log, its high watermark, and the readers waiting on it.
 *
 * The high watermark (end of what consumers may read) is kept apart from the log end. When this broker is the
 * partition's only replica it follows the log's committed end after each group commit; otherwise the
 * replication driver (Raft) owns it and calls {@link Partition.advanceHighWatermark}.
 *
 * Appends of idempotent producers go through a {@link ProducerStateTable}: duplicates are answered with their
 * original offsets, out-of-order or fenced batches are refused. The table is built from the log's tail on first
 * use and again after {@link Partition.reloadProducerState} (a replica that becomes leader calls it).
 */
import type { LogOptions } from '../log/log-options.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { PartitionFeed } from '../net/broker-api.js';
import { BrookError, type Acks, type ErrorName } from '../../protocol/index.js';
import { HighWatermarkWaiters, type SetTimer, type WaitOutcome } from './hw-waiters.js';
import { toBrookError } from './log-errors.js';
import type { BatchToAppend, StoredBatch } from '../log/batch.js';
import { BROKER_ATTRIBUTES } from '../log/control.js';
import type { AppendedRange, PartitionReplication, StartReplication } from './replication.js';
import { ProducerStateTable, type ProducerBatchRow, type ProducerCheck } from './producer-state.js';

/**
 * Most records bytes of the log's tail read to rebuild the producer state: the last batches of every producer that
 * wrote recently. An older producer is unknown afterwards: its next batch is refused as out of order and it
 * restarts its numbering under a newer epoch.
 */
const PRODUCER_STATE_SCAN_BYTES = 32 * 1024 * 1024;
/** Records bytes read per step of that scan. */
const PRODUCER_STATE_READ_BYTES = 1024 * 1024;

/** Why a partition was closed: its topic was deleted, or the broker is stopping. */
export type CloseReason = 'deleted' | 'shutdown';

/** Offsets an append was given. */
export type { AppendedRange } from './replication.js';

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
  /** Producers whose idempotence state is kept (least recently appending forgotten first). Default 10 000. */
  readonly maxProducers?: number;
  /** Gets what a watch listener threw (a bug in the listener; it must not fail the append that woke it). */
  readonly onListenerError?: (err: unknown) => void;
  /** Replication, for a partition with several replicas (Raft); appends then go through it. */
  readonly replication?: StartReplication;
}

type Listener = (event: 'data' | 'closed') => void;

export class Partition implements PartitionFeed {
  readonly topic: string;
  readonly partition: number;

  private currentReplicas: readonly number[];
  private readonly fixedLeaderId: number;
  private readonly replication: PartitionReplication | null;
  /** Per idempotent producer: settles once its latest replicated append is in the log (appends queue behind it). */
  private readonly producerChains = new Map<number, Promise<void>>();
  private readonly log: PartitionLog;
  private readonly maxMessageBytes: number;
  private readonly term: number;
  private readonly soleReplica: boolean;
  private readonly onAppend: ((partition: Partition) => void) | undefined;
  private readonly onListenerError: (err: unknown) => void;
  private readonly listeners = new Set<Listener>();
  private readonly waiters: HighWatermarkWaiters;
  private readonly producers: ProducerStateTable;
  /** Whether the producer state must be rebuilt from the log before its next use. */
  private producersStale = true;
  private hw: number;
  private closedAs: CloseReason | null = null;

  constructor(options: PartitionOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.currentReplicas = options.replicas;
    this.fixedLeaderId = options.leaderId;
    this.log = options.log;
    this.maxMessageBytes = options.maxMessageBytes;
    this.term = Math.max(options.term ?? 0, options.log.lastTerm);
    this.soleReplica = options.soleReplica;
    this.onAppend = options.onAppend;
    this.onListenerError = options.onListenerError ?? rethrowLater;
    this.waiters = new HighWatermarkWaiters(options.setTimer);
    this.producers = new ProducerStateTable(
      options.maxProducers === undefined ? {} : { maxProducers: options.maxProducers },
    );
    // Everything a sole replica recovered is committed; under Raft the leader's commit index decides.
    this.hw = options.soleReplica ? options.log.committedEndOffset : options.log.logStartOffset;
    this.replication =
      options.replication?.({
        committed: (endOffset) => {
          this.advanceHighWatermark(endOffset);
        },
        leadershipChanged: (isLeader) => {
          // A new leader's log may hold batches it did not append itself: rebuild before the next idempotent append.
          if (isLeader) this.reloadProducerState();
        },
      }) ?? null;
  }

  /** Replica broker ids, preferred leader first (the target while the partition moves). */
  get replicas(): readonly number[] {
    return this.currentReplicas;
  }

  /** The metadata changed the partition's replicas: a move started, or ended when `moving` is false. */
  retarget(replicas: readonly number[], moving: boolean): void {
    this.currentReplicas = replicas;
    this.replication?.retarget(replicas, moving);
  }

  /** The broker leading the partition; -1 while a replicated partition has no leader. */
  get leaderId(): number {
    return this.replication === null ? this.fixedLeaderId : this.replication.leaderId;
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
    if (this.replication !== null) return this.replication.isr;
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

  read(offset: number, maxBytes: number): StoredBatch[] {
    this.checkOpen();
    if (offset < this.log.logStartOffset || offset > this.hw) {
      throw new BrookError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${String(offset)} of ${this.name} is outside [${String(this.log.logStartOffset)}, ${String(this.hw)}]`,
      );
    }
    if (offset === this.hw) return [];
    try {
      return this.log.read(offset, maxBytes, this.hw);
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
   * when that takes longer than `timeoutMs`. A repeat of one of an idempotent producer's last batches is not
   * appended again: it resolves with the original offsets once those are acknowledged as `acks` asks. Rejects with
   * a BrookError: MESSAGE_TOO_LARGE, CORRUPT_BATCH or INVALID_RECORD (nothing appended), OUT_OF_ORDER_SEQUENCE,
   * INVALID_PRODUCER_EPOCH, STORAGE_ERROR, UNKNOWN_TOPIC (deleted meanwhile), SHUTTING_DOWN. `internal`: the broker's
   * own batch (the group coordinator's), which may carry checkpoint bits.
   */
  async append(batch: BatchToAppend, acks: Acks, timeoutMs: number, internal = false): Promise<AppendedRange> {
    this.checkOpen();
    if (batch.bytes.byteLength > this.maxMessageBytes) {
      throw new BrookError(
        'MESSAGE_TOO_LARGE',
        `batch of ${String(batch.bytes.byteLength)} bytes exceeds maxMessageBytes ${String(this.maxMessageBytes)}`,
      );
    }
    if (!internal && (batch.attributes & BROKER_ATTRIBUTES) !== 0) {
      throw new BrookError(
        'INVALID_REQUEST',
        'batch attributes bits 5 and 7-9 mark control batches and checkpoints: only the broker sets them',
      );
    }
    if (this.replication !== null) return this.appendReplicated(this.replication, batch, acks, timeoutMs);
    const verdict = this.checkProducer(batch);
    if (verdict.kind === 'duplicate') return this.answerDuplicate(verdict, acks, timeoutMs);
    let pending: Promise<AppendedRange>;
    const baseOffset = this.log.logEndOffset;
    try {
      // Called synchronously so that every append of this event-loop turn joins one group commit.
      pending = this.log.append(batch, this.term);
    } catch (err) {
      throw this.mapError(err);
    }
    // Recorded now, not after the commit, so a repeat arriving in the same turn is already a duplicate. The log
    // assigns offsets synchronously; an append it refused did not move its end.
    const recorded = batch.producerId >= 0 && this.log.logEndOffset === baseOffset + batch.count;
    if (recorded) this.producers.record(batch, baseOffset, baseOffset + batch.count - 1);
    this.onAppend?.(this);
    let range: AppendedRange;
    try {
      range = await pending;
    } catch (err) {
      // A failed group commit took the log end back: rebuild the producer state from what the log holds, so a retry
      // is appended again and a producer whose remembered batches were all in the failed group is not locked out.
      if (recorded) this.reloadProducerState();
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
   * The replicated append: through the Raft leader's log. An idempotent producer's appends run one after another
   * up to the log (each is checked against the state its predecessor left), since offsets are known only once the
   * entry is persisted.
   */
  private async appendReplicated(
    replication: PartitionReplication,
    batch: BatchToAppend,
    acks: Acks,
    timeoutMs: number,
  ): Promise<AppendedRange> {
    if (batch.producerId < 0) return this.propose(replication, batch, acks, timeoutMs, null);
    const previous = this.producerChains.get(batch.producerId);
    let release = (): void => undefined;
    const chain = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.producerChains.set(batch.producerId, chain);
    try {
      await previous;
      this.checkOpen();
      const verdict = this.checkProducer(batch);
      if (verdict.kind === 'duplicate') {
        release();
        return await this.answerDuplicate(verdict, acks, timeoutMs);
      }
      return await this.propose(replication, batch, acks, timeoutMs, (range) => {
        this.producers.record(batch, range.baseOffset, range.lastOffset);
        release();
      });
    } finally {
      release();
      if (this.producerChains.get(batch.producerId) === chain) this.producerChains.delete(batch.producerId);
    }
  }

  private async propose(
    replication: PartitionReplication,
    batch: BatchToAppend,
    acks: Acks,
    timeoutMs: number,
    onPersisted: ((range: AppendedRange) => void) | null,
  ): Promise<AppendedRange> {
    let pending: Promise<AppendedRange>;
    try {
      pending = replication.append(batch, acks, timeoutMs, onPersisted);
    } catch (err) {
      throw this.mapError(err);
    }
    this.onAppend?.(this);
    try {
      return await pending;
    } catch (err) {
      throw this.mapError(err);
    }
  }

  /**
   * Forgets the idempotent-producer state; it is rebuilt from the log before the next idempotent append. Call it
   * when this replica becomes leader, or after its log was truncated or reset under it.
   */
  reloadProducerState(): void {
    this.producersStale = true;
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

  /** Applies the topic's changed retention to this replica's log (alter-config). */
  setRetention(retention: LogOptions): void {
    this.log.setRetention(retention);
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
    this.replication?.close();
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

  private checkProducer(batch: BatchToAppend): ProducerCheck {
    if (batch.producerId < 0) return { kind: 'append' };
    if (this.producersStale) {
      try {
        this.producers.rebuild(this.producerRowsOfTail());
      } catch (err) {
        throw this.mapError(err);
      }
      this.producersStale = false;
    }
    return this.producers.check(batch);
  }

  /** The idempotent batches of the last {@link PRODUCER_STATE_SCAN_BYTES} or so of the stored log, in order. */
  private producerRowsOfTail(): ProducerBatchRow[] {
    const start = this.log.logStartOffset;
    const end = this.log.committedEndOffset;
    const sizeBytes = this.log.sizeBytes;
    if (end <= start) return [];
    // Offsets are records, not bytes: start as far back as the average record size suggests.
    const fromOffset =
      sizeBytes <= PRODUCER_STATE_SCAN_BYTES
        ? start
        : Math.max(start, end - Math.ceil(((end - start) * PRODUCER_STATE_SCAN_BYTES) / sizeBytes));
    const rows: ProducerBatchRow[] = [];
    let offset = fromOffset;
    while (offset < end) {
      const batches = this.log.read(offset, PRODUCER_STATE_READ_BYTES, end);
      const last = batches[batches.length - 1];
      if (last === undefined) break;
      for (const b of batches) {
        if (b.producerId < 0) continue;
        rows.push({
          producerId: b.producerId,
          producerEpoch: b.producerEpoch,
          baseSequence: b.baseSequence,
          count: b.count,
          baseOffset: b.baseOffset,
          lastOffset: b.baseOffset + b.count - 1,
        });
      }
      offset = last.baseOffset + last.count;
    }
    return rows;
  }

  /**
   * The answer to a repeated batch: its original offsets, once they are as durable as `acks` asks (the original
   * may still be in its group commit, or not yet committed by the replicas).
   */
  private async answerDuplicate(range: AppendedRange, acks: Acks, timeoutMs: number): Promise<AppendedRange> {
    const durableEnd = acks === -1 ? this.hw : this.log.committedEndOffset;
    const answer: AppendedRange = { baseOffset: range.baseOffset, lastOffset: range.lastOffset, duplicate: true };
    if (range.lastOffset < durableEnd) return answer;
    const outcome = await this.waiters.wait(range.lastOffset + 1, this.hw, timeoutMs);
    if (outcome !== 'reached') throw this.waitFailure(outcome, range.lastOffset);
    return answer;
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
