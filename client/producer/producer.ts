/**
 * The producer: `send()` encodes a record, picks its partition, and hands it to the accumulator; the sender ships
 * batches to partition leaders. Memory is bounded twice: the broker's produce window bounds what is in flight per
 * connection, and bufferMemoryBytes bounds what the client holds (a send that does not fit waits for room before
 * its record is taken). An idempotent producer (the default) asks the broker for a producer id before it takes its
 * first record.
 */
import { BrookError, recordSizeBound, type RecordHeader, type RecordToEncode } from '../../protocol/index.js';
import { Cluster } from '../cluster.js';
import { resolveClientOptions, type Platform, type ResolvedClientOptions } from '../options.js';
import { Partitioner } from '../partitioner.js';
import { Queue } from '../queue.js';
import { Utf8Encoder } from '../utf8.js';
import { RecordAccumulator, type ProducerBatch, type RecordSettlers } from './accumulator.js';
import { resolveProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './options.js';
import { Sender, type RecordMetadata } from './sender.js';
import { ProducerSequences } from './sequences.js';

/** Header values given to `send`: strings are stored as UTF-8. */
export type ProducerHeaders =
  | Readonly<Record<string, string | Uint8Array | null>>
  | readonly (readonly [key: string, value: string | Uint8Array | null])[];

/** A record to send. */
export interface ProducerRecord<T> {
  readonly topic: string;
  /**
   * Records with the same key go to the same partition (Kafka's murmur2 of the key bytes). A string is sent as its
   * UTF-8 bytes; consumers receive keys as bytes either way (`ConsumerRecord.key`).
   */
  readonly key?: string | Uint8Array | null;
  /**
   * Encoded with the codec; `null` is a tombstone (Kafka's null value, the codec not called), which consumers receive
   * as `value: null` and which Kafka's compaction takes as the key's deletion.
   */
  readonly value: T | null;
  readonly headers?: ProducerHeaders;
  /** Milliseconds since the epoch. Default: now. */
  readonly timestamp?: number;
  /** Sends to this partition, bypassing the partitioner. */
  readonly partition?: number;
}

type Settlers = RecordSettlers<RecordMetadata>;

interface Prepared {
  readonly topic: string;
  readonly partition: number | undefined;
  readonly key: Uint8Array | null;
  readonly encoded: RecordToEncode;
  readonly sizeBytes: number;
  /** When send() was called (ms). */
  readonly sentMs: number;
}

interface Waiting {
  readonly prepared: Prepared;
  readonly settlers: Settlers;
}

/** The shared core of the Node and browser `Producer` classes (which supply the transports). */
export class ProducerCore<T> {
  private readonly client: ResolvedClientOptions;
  private readonly settings: ResolvedProducerOptions<T>;
  private readonly cluster: Cluster;
  private readonly partitioner: Partitioner;
  private readonly accumulator: RecordAccumulator<RecordMetadata>;
  private readonly sender: Sender;
  /** Sequence numbers when idempotent, else undefined. */
  private readonly sequences: ProducerSequences | undefined;
  private identityRequest: Promise<void> | undefined;
  private readonly utf8 = new Utf8Encoder();
  private readonly waiting = new Queue<Waiting>();
  private processingWaiting = false;
  private bufferedBytes = 0;
  private roomWaiters: (() => void)[] = [];
  /** Flush bookkeeping: records of the current epoch not settled yet, and of earlier epochs (by epoch). */
  private epoch = 0;
  private epochRecords = 0;
  private readonly earlierEpochs = new Map<number, number>();
  private flushWaiters: { epoch: number; resolve: () => void }[] = [];
  /** Shared by every record of write() in the current epoch: no promise or closure per record. */
  private writeSettlers: Settlers = {
    resolve: () => undefined,
    reject: (error) => {
      this.writeFailures++;
      this.firstWriteFailure ??= error;
    },
    tag: 0,
  };
  private writeFailures = 0;
  private firstWriteFailure: Error | undefined;
  private maxRecordBytes = 0;
  private closing: Promise<void> | undefined;

  constructor(options: ProducerOptions<T>, platform: Platform) {
    this.client = resolveClientOptions(options, platform);
    this.settings = resolveProducerOptions(options);
    this.cluster = new Cluster(this.client);
    this.partitioner = new Partitioner(this.settings.partitioner, this.client.random);
    // batchBytes is capped once the broker's limits are known; until then records wait in `waiting`.
    this.accumulator = new RecordAccumulator<RecordMetadata>({
      batchBytes: this.settings.batchBytes,
      lingerMs: this.settings.lingerMs,
      maxInFlight: this.settings.maxInFlightPerPartition,
      checksum: platform.checksum,
      onBatchClosed: (topic, partition) => {
        const count = this.cluster.cachedTopic(topic)?.partitions.length ?? 0;
        this.partitioner.batchClosed(topic, partition, count);
      },
    });
    this.sequences = this.settings.idempotent ? new ProducerSequences(platform.checksum) : undefined;
    this.sender = new Sender(this.cluster, this.accumulator, {
      sequences: this.sequences,
      acks: this.settings.acks,
      deliveryTimeoutMs: this.settings.deliveryTimeoutMs,
      leaderWaitMs: this.settings.leaderWaitMs,
      retries: this.settings.retries,
      requestTimeoutMs: this.client.requestTimeoutMs,
      onBatchDone: (batch) => {
        this.batchDone(batch);
      },
    });
  }

  /**
   * Connects, learns the broker's limits and, when idempotent, gets a producer id. Optional: the first send() does it
   * too; call it to fail fast on a bad bootstrap or credentials.
   */
  async connect(): Promise<void> {
    if (this.closing !== undefined) throw new BrookError('CLOSED', 'producer was closed');
    this.applyLimits(await this.cluster.ready());
    await this.ensureIdentity();
  }

  /** The id and epoch the broker gave this producer; undefined before connecting or when not idempotent. */
  get identity(): { readonly producerId: number; readonly producerEpoch: number } | undefined {
    return this.sequences?.identity;
  }

  /** Bytes of records held by the client (waiting to be sent, or sent and not yet acknowledged). */
  get bufferedRecordBytes(): number {
    return this.bufferedBytes;
  }

  /**
   * Sends a record. Resolves with its partition and offset once acknowledged per `acks` (offset -1 with acks 0,
   * once written to the socket). Rejects with MESSAGE_TOO_LARGE at once if the record can never fit a batch, with
   * UNKNOWN_TOPIC if the topic does not exist, with the broker's error for non-retriable failures, or with
   * REQUEST_TIMED_OUT after deliveryTimeoutMs. When bufferMemoryBytes is full the record waits for room first.
   */
  send(record: ProducerRecord<T>): Promise<RecordMetadata> {
    if (this.closing !== undefined) return Promise.reject(new BrookError('CLOSED', 'producer was closed'));
    const fatal = this.sequences?.fatalError;
    if (fatal !== undefined) return Promise.reject(fatal);
    let prepared: Prepared;
    try {
      prepared = this.prepare(record);
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<RecordMetadata>((resolve, reject) => {
      this.enqueue(prepared, { resolve, reject, tag: this.epoch });
    });
  }

  /**
   * Sends a record without a promise for it: the fastest way to produce at a high rate. Returns false once the
   * buffer is full (the record is still taken): await {@link whenWritable} before writing more. Records written are
   * acknowledged like sent ones; if any fails for good, the next {@link flush} (or close) rejects with the first such
   * error (its message gives the count). Throws at once for a record that cannot be encoded, or after close.
   */
  write(record: ProducerRecord<T>): boolean {
    if (this.closing !== undefined) throw new BrookError('CLOSED', 'producer was closed');
    const fatal = this.sequences?.fatalError;
    if (fatal !== undefined) throw fatal;
    if (this.writeSettlers.tag !== this.epoch) {
      this.writeSettlers = { resolve: this.writeSettlers.resolve, reject: this.writeSettlers.reject, tag: this.epoch };
    }
    this.enqueue(this.prepare(record), this.writeSettlers);
    return this.hasRoom();
  }

  private enqueue(prepared: Prepared, settlers: Settlers): void {
    this.epochRecords++;
    if (this.waiting.length === 0 && this.tryTake(prepared, settlers)) return;
    this.waiting.push({ prepared, settlers });
    void this.processWaiting();
  }

  /**
   * Resolves when the producer can take another record without waiting for buffer room: a high-rate producer awaits
   * this between sends instead of holding a promise per record.
   */
  whenWritable(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.hasRoom() || this.closing !== undefined) resolve();
        else this.roomWaiters.push(check);
      };
      this.roomWaiters.push(check);
    });
  }

  /**
   * Resolves when every record sent or written before this call is acknowledged (or has failed); lingering is
   * skipped meanwhile. Rejects if records of write() failed since the last flush (with the first error; the message
   * gives the count).
   */
  async flush(): Promise<void> {
    const epoch = this.epoch++;
    if (this.epochRecords > 0) this.earlierEpochs.set(epoch, this.epochRecords);
    this.epochRecords = 0;
    if (!this.doneUpTo(epoch)) {
      this.sender.beginFlush();
      await new Promise<void>((resolve) => {
        this.flushWaiters.push({ epoch, resolve });
      });
      this.sender.endFlush();
    }
    const failure = this.firstWriteFailure;
    if (failure === undefined) return;
    const count = this.writeFailures;
    this.firstWriteFailure = undefined;
    this.writeFailures = 0;
    const message = `${String(count)} written record(s) failed; the first: ${failure.message}`;
    throw failure instanceof BrookError
      ? new BrookError(failure.code, message, { cause: failure })
      : new Error(message, { cause: failure });
  }

  /**
   * Flushes, then closes the connections. Sends after close() reject with CLOSED. Rejects like flush() if written
   * records failed (the producer is closed all the same).
   * @param options.timeoutMs how long to wait for the flush, in ms (default: no limit beyond deliveryTimeoutMs);
   *   records still unacknowledged then fail with CLOSED.
   */
  close(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      let flushError: unknown;
      const flushed = this.flush().catch((err: unknown) => {
        flushError = err;
      });
      if (options.timeoutMs === undefined) await flushed;
      else await Promise.race([flushed, this.cluster.sleep(options.timeoutMs).catch(() => undefined)]);
      this.sender.stop();
      const closed = new BrookError('CLOSED', 'producer was closed');
      for (const batch of this.accumulator.takeAll()) {
        for (const reject of batch.rejects) reject(closed);
        this.batchDone(batch);
      }
      this.failWaiting(() => true, closed);
      this.wakeRoomWaiters();
      await this.cluster.close();
      if (flushError instanceof Error) throw flushError;
    })();
    return this.closing;
  }

  // ---- taking records ---------------------------------------------------------------------------------------------

  private prepare(record: ProducerRecord<T>): Prepared {
    const key = record.key === undefined || record.key === null ? null : this.bytesOf(record.key);
    const value = record.value === null ? null : this.settings.codec.encode(record.value);
    const sentMs = this.client.clock.nowMs();
    const timestamp = record.timestamp ?? sentMs;
    if (!Number.isSafeInteger(timestamp) || timestamp < 0)
      throw new RangeError(`timestamp must be an integer >= 0, got ${String(timestamp)}`);
    const encoded: RecordToEncode =
      record.headers === undefined
        ? { key, value, timestamp }
        : { key, value, timestamp, headers: this.headersOf(record.headers) };
    const partition = record.partition;
    if (partition !== undefined && (!Number.isInteger(partition) || partition < 0)) {
      throw new RangeError(`partition must be an integer >= 0, got ${String(partition)}`);
    }
    return { topic: record.topic, partition, key, encoded, sizeBytes: recordSizeBound(encoded), sentMs };
  }

  private bytesOf(value: string | Uint8Array): Uint8Array {
    return typeof value === 'string' ? this.utf8.encode(value) : value;
  }

  private headersOf(headers: ProducerHeaders): RecordHeader[] {
    const entries: readonly (readonly [string, string | Uint8Array | null])[] = isHeaderList(headers)
      ? headers
      : Object.entries(headers);
    return entries.map(([k, v]) => [k, v === null ? null : this.bytesOf(v)] as const);
  }

  /** Takes a record into the accumulator if limits and metadata are known and there is room; false to wait. */
  private tryTake(p: Prepared, settlers: Settlers): boolean {
    if (!this.isConnected()) return false;
    const meta = this.cluster.cachedTopic(p.topic, p.sentMs);
    if (meta === undefined) return false;
    if (p.sizeBytes > this.maxRecordBytes) {
      this.rejectRecord(
        settlers,
        new BrookError(
          'MESSAGE_TOO_LARGE',
          `record of up to ${String(p.sizeBytes)} bytes exceeds the largest batch the broker accepts (${String(this.maxRecordBytes)} bytes)`,
        ),
      );
      return true;
    }
    if (this.bufferedBytes > 0 && this.bufferedBytes + p.sizeBytes > this.settings.bufferMemoryBytes) return false;
    const count = meta.partitions.length;
    const partition = p.partition ?? this.partitioner.partition(p.topic, p.key, count);
    if (partition >= count) {
      this.rejectRecord(
        settlers,
        new BrookError('UNKNOWN_PARTITION', `topic ${p.topic} has no partition ${String(partition)}`),
      );
      return true;
    }
    this.bufferedBytes += p.sizeBytes;
    this.accumulator.append(p.topic, partition, p.encoded, p.sizeBytes, settlers, p.sentMs);
    // One drain per turn however many records arrive: it sends full batches and arms the linger timer.
    this.sender.wake();
    return true;
  }

  /** Takes waiting records in order, waiting for the broker's limits, topic metadata and buffer room as needed. */
  private async processWaiting(): Promise<void> {
    if (this.processingWaiting) return;
    this.processingWaiting = true;
    try {
      while (this.waiting.length > 0) {
        const head = this.waiting.peek();
        if (head === undefined) break;
        if (!this.isConnected()) {
          try {
            this.applyLimits(await this.cluster.ready());
            await this.ensureIdentity();
          } catch (err: unknown) {
            this.failWaiting(() => true, err);
          }
          continue;
        }
        const topic = head.prepared.topic;
        if (this.cluster.cachedTopic(topic) === undefined) {
          try {
            await this.cluster.topic(topic);
          } catch (err: unknown) {
            this.failWaiting((w) => w.prepared.topic === topic, err);
          }
          continue;
        }
        if (this.tryTake(head.prepared, head.settlers)) {
          this.waiting.shift();
          continue;
        }
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      }
    } finally {
      this.processingWaiting = false;
      // whenWritable() callers wait for the queue to empty too.
      this.wakeRoomWaiters();
    }
  }

  /** Whether the broker's limits (and, when idempotent, the producer id) are known, so records can be taken. */
  private isConnected(): boolean {
    return this.maxRecordBytes > 0 && (this.sequences === undefined || this.sequences.hasIdentity);
  }

  /** Gets a producer id from any broker once (retrying retriable errors within requestTimeoutMs). */
  private ensureIdentity(): Promise<void> {
    const sequences = this.sequences;
    if (sequences === undefined || sequences.hasIdentity) return Promise.resolve();
    this.identityRequest ??= (async () => {
      try {
        const deadlineMs = this.client.clock.nowMs() + this.client.requestTimeoutMs;
        const identity = await this.cluster.retry(() => this.cluster.anyConnection().request('initProducer', {}), {
          deadlineMs,
        });
        sequences.setIdentity(identity);
      } finally {
        this.identityRequest = undefined;
      }
    })();
    return this.identityRequest;
  }

  private applyLimits(hello: { maxMessageBytes: number; produceWindowBytes: number }): void {
    this.maxRecordBytes = Math.min(hello.maxMessageBytes, hello.produceWindowBytes);
    this.accumulator.setBatchBytes(Math.min(this.settings.batchBytes, this.maxRecordBytes));
  }

  private failWaiting(match: (w: Waiting) => boolean, err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    for (const w of this.waiting.drain()) {
      if (match(w)) this.rejectRecord(w.settlers, error);
      else this.waiting.push(w);
    }
  }

  private hasRoom(): boolean {
    return this.waiting.length === 0 && this.bufferedBytes < this.settings.bufferMemoryBytes;
  }

  // ---- completion -------------------------------------------------------------------------------------------------

  private rejectRecord(settlers: Settlers, error: Error): void {
    settlers.reject(error);
    this.settled(settlers.tag);
    this.checkFlushes();
  }

  /** A batch was acknowledged or failed for good: its memory and its records' flush accounting are released. */
  private batchDone(batch: ProducerBatch<RecordMetadata>): void {
    for (const tag of batch.tags) this.settled(tag);
    this.checkFlushes();
    this.bufferedBytes -= batch.memoryBytes;
    this.wakeRoomWaiters();
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private settled(tag: number): void {
    if (tag === this.epoch) {
      this.epochRecords--;
      return;
    }
    const left = (this.earlierEpochs.get(tag) ?? 1) - 1;
    if (left > 0) this.earlierEpochs.set(tag, left);
    else this.earlierEpochs.delete(tag);
  }

  private checkFlushes(): void {
    if (this.flushWaiters.length === 0) return;
    const still: { epoch: number; resolve: () => void }[] = [];
    for (const waiter of this.flushWaiters) {
      if (this.doneUpTo(waiter.epoch)) waiter.resolve();
      else still.push(waiter);
    }
    this.flushWaiters = still;
  }

  /** Whether every record of epochs <= `epoch` has settled. */
  private doneUpTo(epoch: number): boolean {
    for (const e of this.earlierEpochs.keys()) if (e <= epoch) return false;
    return true;
  }
}

function isHeaderList(headers: ProducerHeaders): headers is readonly (readonly [string, string | Uint8Array | null])[] {
  return Array.isArray(headers);
}
