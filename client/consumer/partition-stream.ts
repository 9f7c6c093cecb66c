/**
 * One assigned partition inside a consumer: whether its records are handed out ({@link StreamState}), its
 * subscription's bookkeeping (which connection and id, where the next delivery starts), the batches delivered but not
 * yet taken, and the decoded batch the application is reading. Batches are decoded only when the application reaches
 * them, and their credit is given back at that moment. Other files change it only through its methods.
 */
import { BatchAttributes, decodeRecordsWith, type RecordFactory, type RecordHeader } from '../../protocol/index.js';
import type { Connection } from '../connection.js';
import { CreditWindow, type Credit } from './credit.js';
import { DecodeError } from './decode-error.js';
import type { DecodeErrorPolicy, ResolvedConsumerOptions, StartPosition } from './options.js';
import type { ReadableBatch } from './readable-batch.js';

/** A record as the application receives it. */
export interface ConsumerRecord<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /**
   * The key bytes, or null. Keys are bytes on the wire: a Producer's string key was stored as its UTF-8 bytes and
   * comes back as those bytes (`new TextDecoder().decode(key)` gives the string). A view into the received batch:
   * copy it to keep it beyond the record.
   */
  readonly key: Uint8Array | null;
  /**
   * The decoded value, or null for a record stored with a null value (a tombstone, which a compacted topic keeps to
   * mark a key deleted; Kafka clients write them). The codec never sees a tombstone.
   */
  readonly value: T | null;
  readonly headers: readonly RecordHeader[];
}

/** A topic and partition. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Whether a partition's records are handed out to the application. */
export const StreamState = {
  /** Records are handed out as they arrive. */
  READING: 'reading',
  /** The application paused it; resume() hands records out again. */
  PAUSED: 'paused',
  /** A group is revoking it: nothing more is handed out, and resume() does not undo it. */
  WITHHELD: 'withheld',
} as const;
export type StreamStateName = (typeof StreamState)[keyof typeof StreamState];

/** A subscription in place on a broker. */
export interface LiveSubscription {
  readonly connection: Connection;
  readonly subscriptionId: number;
}

const EMPTY: readonly never[] = Object.freeze([]);

export class PartitionStream<T> {
  private stateName: StreamStateName = StreamState.READING;
  private generationNumber = 0;
  private live: LiveSubscription | undefined;
  /** Where to subscribe when there is no fetch position yet. */
  private startPosition: StartPosition;
  /** Offset of the next record the application gets (undefined until the start position is resolved). */
  private positionOffset: number | undefined;
  /** End of the last control batch skipped (0 if none): the position passes it once nothing is buffered before it. */
  private controlEnd = 0;
  /** Offset the next delivered batch must continue from (undefined until the first subscribe). */
  private fetchOffset: number | undefined;
  private highWatermarkOffset = 0;
  private finishedOffset: number | undefined;
  readonly credit: CreditWindow;

  private batches: ReadableBatch[] = [];
  private head = 0;
  private records = 0;
  private bytes = 0;
  /** The decoded batch being read: a record whose value the codec refused is its DecodeError, in its place. */
  private current: readonly (ConsumerRecord<T> | DecodeError)[] = EMPTY;
  private index = 0;
  /** Builds the application's record straight from the batch bytes (no intermediate object per record). */
  private readonly makeRecord: RecordFactory<ConsumerRecord<T> | DecodeError>;
  private readonly onDecodeError: DecodeErrorPolicy;

  constructor(
    readonly topic: string,
    readonly partition: number,
    start: StartPosition,
    settings: Pick<ResolvedConsumerOptions<T>, 'codec' | 'creditRecords' | 'creditBytes' | 'onDecodeError'>,
    /** Sends credit to the broker for this partition's live subscription; false if there is none right now. */
    private readonly onCredit: (stream: PartitionStream<T>, credit: Credit) => boolean,
  ) {
    this.startPosition = start;
    this.credit = new CreditWindow(settings.creditRecords, settings.creditBytes);
    this.onDecodeError = settings.onDecodeError;
    const { codec } = settings;
    this.makeRecord = (offset, timestamp, key, value, headers) => {
      let decoded: T | null;
      try {
        decoded = value === null ? null : codec.decode(value);
      } catch (err: unknown) {
        // Kept in place of the record, so that the records around it are not lost with the batch.
        return new DecodeError(topic, partition, offset, err);
      }
      return { topic, partition, offset, timestamp, key, value: decoded, headers };
    };
  }

  /** Whether records are handed out. */
  get state(): StreamStateName {
    return this.stateName;
  }

  /** Whether a record can be handed out now: reading, and something is buffered. */
  get ready(): boolean {
    return this.stateName === StreamState.READING && this.hasRecords;
  }

  /** Stops handing out records (the credit, once spent, stops the broker too). */
  pause(): void {
    if (this.stateName === StreamState.READING) this.stateName = StreamState.PAUSED;
  }

  /** Hands out records again after {@link pause}; a withheld partition stays withheld. */
  resume(): void {
    if (this.stateName === StreamState.PAUSED) this.stateName = StreamState.READING;
  }

  /** A group revokes the partition: nothing more is handed out, ever, and what is buffered is dropped. */
  withhold(): void {
    this.stateName = StreamState.WITHHELD;
    this.clear();
  }

  /** Bumped whenever the subscription is replaced (seek, reset, close): pushes for older ones are ignored. */
  get generation(): number {
    return this.generationNumber;
  }

  /** Whether `generation` is still the current subscription's. */
  isCurrent(generation: number): boolean {
    return generation === this.generationNumber;
  }

  /**
   * Ends the current subscription's claim on this stream: pushes and answers for it are ignored from now on.
   * Returns the subscription that was in place, for the caller to end on the broker.
   */
  supersede(): LiveSubscription | undefined {
    this.generationNumber++;
    const live = this.live;
    this.live = undefined;
    return live;
  }

  /** The subscription in place, if any (credit goes to it). */
  get subscription(): LiveSubscription | undefined {
    return this.live;
  }

  /** A subscription was placed at `offset` (the broker's answer); a first one fixes the position. */
  subscribed(live: LiveSubscription, offset: number, highWatermark: number): void {
    this.live = live;
    this.highWatermarkOffset = highWatermark;
    this.fetchOffset ??= offset;
    this.positionOffset ??= offset;
  }

  /** Where the next subscription starts: where deliveries left off, else the start position. */
  get subscribeAt(): number | StartPosition {
    return this.fetchOffset ?? this.startPosition;
  }

  /** Continues from `offset`: what is buffered is dropped. */
  seek(offset: number): void {
    this.clear();
    this.positionOffset = offset;
    this.fetchOffset = offset;
    this.startPosition = { offset };
  }

  /** Restarts at the log's start or end (offsetReset): what is buffered is dropped, the position is found again. */
  reset(to: 'earliest' | 'latest'): void {
    this.clear();
    this.positionOffset = undefined;
    this.fetchOffset = undefined;
    this.startPosition = to;
  }

  /** Offset of the next record the application gets (undefined until the start position is resolved). */
  get position(): number | undefined {
    return this.positionOffset;
  }

  /** The partition's high watermark as of the last delivery or subscribe. */
  get highWatermark(): number {
    return this.highWatermarkOffset;
  }

  /**
   * Position after the records the application has finished (it asked for the next record since it took them);
   * what auto-commit stores. Undefined until it has taken one.
   */
  get finished(): number | undefined {
    return this.finishedOffset;
  }

  /** The application asked for more: every record it took so far is finished. */
  finish(): void {
    this.finishedOffset = this.positionOffset;
  }

  /** Records delivered and not yet decoded. */
  get bufferedRecords(): number {
    return this.records;
  }

  /** Records bytes delivered and not yet decoded. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /** Whether a record can be taken now (ignoring pause). */
  get hasRecords(): boolean {
    return this.index < this.current.length || this.head < this.batches.length;
  }

  /**
   * Takes delivered batches. Control batches and batches wholly before the fetch position are skipped (their credit
   * is given back at once). Returns true if records became available.
   */
  accept(batches: readonly ReadableBatch[], highWatermark: number): boolean {
    this.highWatermarkOffset = highWatermark;
    let added = false;
    let skippedRecords = 0;
    let skippedBytes = 0;
    for (const batch of batches) {
      const end = batch.baseOffset + batch.count;
      const from = this.fetchOffset ?? 0;
      if ((batch.attributes & BatchAttributes.CONTROL) !== 0 || end <= from) {
        skippedRecords += batch.count;
        skippedBytes += batch.sizeBytes;
        if (end > from) {
          this.fetchOffset = end;
          this.controlEnd = end;
        }
        continue;
      }
      this.fetchOffset = end;
      this.batches.push(batch);
      this.records += batch.count;
      this.bytes += batch.sizeBytes;
      added = true;
    }
    if (skippedRecords > 0) this.giveBack(skippedRecords, skippedBytes);
    this.passControlBatches();
    return added;
  }

  /**
   * Once every buffered record is taken, the position moves past control batches that followed them (a Raft
   * leader's no-op occupies an offset), so a position compared with the high watermark can reach it.
   */
  private passControlBatches(): void {
    if (this.controlEnd > (this.positionOffset ?? 0) && !this.hasRecords) this.positionOffset = this.controlEnd;
  }

  /**
   * The next record of the batch being read, without starting another batch; undefined at its end. Throws the
   * DecodeError of an undecodable record (policy 'throw'), again on every call, the position staying at it.
   */
  nextInBatch(): ConsumerRecord<T> | undefined {
    const record = this.nextDecoded();
    if (record === undefined) return undefined;
    this.index++;
    this.positionOffset = record.offset + 1;
    this.passControlBatches();
    return record;
  }

  /**
   * The record at the read index, past undecodable ones under policy 'skip'; undefined at the batch's end. Under
   * policy 'throw' an undecodable record is thrown and stays the next one.
   */
  private nextDecoded(): ConsumerRecord<T> | undefined {
    for (;;) {
      const entry = this.current[this.index];
      if (!(entry instanceof DecodeError)) return entry;
      if (this.onDecodeError === 'throw') {
        this.positionOffset = entry.offset;
        throw entry;
      }
      this.index++;
      this.positionOffset = entry.offset + 1;
    }
  }

  /** The next record, decoding the next batch if needed; undefined when nothing is buffered. */
  next(): ConsumerRecord<T> | undefined {
    if (this.index >= this.current.length && !this.decodeNext()) return undefined;
    return this.nextInBatch();
  }

  /**
   * Appends to `out` the rest of the batch being read, or of the next batch (decoding it), up to `out.length == max`.
   * Returns false when nothing was buffered.
   */
  takeBatch(max: number, out: ConsumerRecord<T>[]): boolean {
    if (this.index >= this.current.length && !this.decodeNext()) return false;
    let taken = 0;
    while (out.length < max) {
      let record: ConsumerRecord<T> | undefined;
      try {
        record = this.nextDecoded();
      } catch (err: unknown) {
        // Records before the undecodable one go out now; the next take throws.
        if (taken === 0) throw err;
        break;
      }
      if (record === undefined) break;
      out.push(record);
      this.index++;
      this.positionOffset = record.offset + 1;
      taken++;
    }
    this.passControlBatches();
    return true;
  }

  /** Drops everything buffered (seek, offset reset). */
  clear(): void {
    this.batches = [];
    this.head = 0;
    this.records = 0;
    this.bytes = 0;
    this.current = EMPTY;
    this.index = 0;
    this.controlEnd = 0;
  }

  private decodeNext(): boolean {
    while (this.head < this.batches.length) {
      const batch = this.batches[this.head];
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.batches.length) {
        this.batches = this.batches.slice(this.head);
        this.head = 0;
      }
      if (batch === undefined) continue;
      this.records -= batch.count;
      this.bytes -= batch.sizeBytes;
      // The application now takes this batch: its credit goes back to the window.
      this.giveBack(batch.count, batch.sizeBytes);
      const records: (ConsumerRecord<T> | DecodeError)[] = [];
      // Throws INVALID_RECORD for a malformed batch: the application sees it; the batch is skipped.
      decodeRecordsWith(batch.records, batch, this.positionOffset ?? 0, this.makeRecord, records);
      if (records.length === 0) continue;
      this.current = records;
      this.index = 0;
      return true;
    }
    this.current = EMPTY;
    this.index = 0;
    return false;
  }

  private giveBack(records: number, bytes: number): void {
    const credit = this.credit.taken(records, bytes);
    // Unsent credit is taken back: the next take retries, or the next subscribe grants it.
    if (credit !== undefined && !this.onCredit(this, credit)) this.credit.unsent(credit);
  }
}
