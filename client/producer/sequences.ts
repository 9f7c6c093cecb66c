/**
 * The sequence numbers of an idempotent producer (Kafka KIP-98), per partition. Pure: the sender asks it to stamp a
 * batch (producer id, epoch, base sequence) when the batch is first sent, keeps the stamp on every retry, and tells
 * it how each stamped batch ended.
 *
 * Numbers are assigned at first send, not when a batch is sealed (as in Kafka), so batches not yet sent can take new
 * numbers when a partition's sequence must restart: when a stamped batch fails for good, the broker will never see
 * its sequence, and every later one would be refused as out of order. The partition then waits until none of its
 * stamped batches is unresolved and restarts at sequence 0 under the next epoch (the broker accepts a newer epoch
 * starting at 0; epochs are tracked per partition). Batches already stamped after the failed one are refused with
 * OUT_OF_ORDER_SEQUENCE, which means nothing was appended, and are renumbered the same way.
 */
import {
  addSequence,
  BrookError,
  crc32c,
  MAX_PRODUCER_EPOCH,
  partitionKey,
  withProducer,
  type Checksum,
  type RecordBatch,
  type ResponseOf,
} from '../../protocol/index.js';

/** What initProducer returned. */
export type ProducerIdentity = ResponseOf<'initProducer'>;

interface PartitionSequence {
  epoch: number;
  /** Base sequence of the next batch stamped. */
  next: number;
  /** Base sequences of stamped batches not yet acknowledged or failed for good, in the order they were stamped. */
  readonly outstanding: number[];
  /** A stamped batch failed for good: restart numbering once nothing is outstanding. */
  restart: boolean;
}

export class ProducerSequences {
  private id: ProducerIdentity | undefined;
  private fenced: BrookError | undefined;
  private readonly partitions = new Map<string, PartitionSequence>();

  /** @param checksum the CRC32C a stamped batch's header is rewritten with (its producer fields are inside the CRC). */
  constructor(private readonly checksum: Checksum = crc32c) {}

  /** Whether initProducer has answered. */
  get hasIdentity(): boolean {
    return this.id !== undefined;
  }

  /** What initProducer answered, once it has. */
  get identity(): ProducerIdentity | undefined {
    return this.id;
  }

  /** Set once the broker said a newer producer instance took over: nothing more may be sent. */
  get fatalError(): BrookError | undefined {
    return this.fenced;
  }

  setIdentity(identity: ProducerIdentity): void {
    this.id = identity;
  }

  /**
   * The batch with its producer fields set, for its first send (a stamped batch is returned as it is); undefined
   * while its partition waits for outstanding batches before restarting its sequence (send it again later).
   * Throws the fatal error once fenced; Error if called before {@link setIdentity}.
   */
  stamp(topic: string, partition: number, batch: RecordBatch): RecordBatch | undefined {
    if (this.fenced !== undefined) throw this.fenced;
    if (batch.producerId >= 0) return batch;
    const id = this.id;
    if (id === undefined) throw new Error('idempotent producer has no producer id yet');
    const p = this.partition(topic, partition, id);
    if (p.restart) {
      if (p.outstanding.length > 0) return undefined;
      if (p.epoch >= MAX_PRODUCER_EPOCH) {
        this.fenced = new BrookError(
          'INVALID_PRODUCER_EPOCH',
          `${topic}/${String(partition)}: the producer epoch is exhausted after repeated failures; create a new producer`,
        );
        throw this.fenced;
      }
      p.epoch++;
      p.next = 0;
      p.restart = false;
    }
    const stamped = withProducer(
      batch,
      { producerId: id.producerId, producerEpoch: p.epoch, baseSequence: p.next },
      this.checksum,
    );
    p.outstanding.push(p.next);
    p.next = addSequence(p.next, batch.count);
    return stamped;
  }

  /** A stamped batch was acknowledged (appended, or recognised by the broker as a duplicate). */
  acknowledged(topic: string, partition: number, batch: RecordBatch): void {
    this.resolve(topic, partition, batch);
  }

  /** A stamped batch failed for good: its partition's sequence restarts once nothing is outstanding. */
  failed(topic: string, partition: number, batch: RecordBatch): void {
    const p = this.resolve(topic, partition, batch);
    if (p !== undefined) p.restart = true;
  }

  /**
   * What to resend after the broker refused `batch` with OUT_OF_ORDER_SEQUENCE (it appended nothing), or undefined
   * when the batch has failed:
   * - the batch as it is while an earlier batch of its partition is unresolved (that one's failure made the gap,
   *   and its retry fills it);
   * - else the broker does not know where this producer stands on the partition (it forgot it: retention, a new
   *   leader, eviction): the batch without its numbers, and the partition restarts at sequence 0 under the next
   *   epoch once its other outstanding batches are back;
   * - undefined for a batch that already was a sequence 0, which no broker refuses unless something is wrong.
   */
  outOfOrder(topic: string, partition: number, batch: RecordBatch): RecordBatch | undefined {
    const p = this.partitions.get(partitionKey(topic, partition));
    if (p === undefined || batch.producerEpoch !== p.epoch) return undefined;
    const i = p.outstanding.indexOf(batch.baseSequence);
    if (i > 0) return batch;
    if (i < 0 || batch.baseSequence === 0) return undefined;
    p.outstanding.splice(i, 1);
    p.restart = true;
    return withProducer(batch, { producerId: -1, producerEpoch: -1, baseSequence: -1 }, this.checksum);
  }

  /** The broker refused an epoch as stale: a newer instance owns the producer id. Everything after fails with it. */
  fence(error: BrookError): void {
    this.fenced ??= new BrookError(
      'INVALID_PRODUCER_EPOCH',
      `producer was fenced by a newer instance with the same id: ${error.message}`,
      { cause: error },
    );
  }

  private resolve(topic: string, partition: number, batch: RecordBatch): PartitionSequence | undefined {
    if (batch.producerId < 0) return undefined;
    const p = this.partitions.get(partitionKey(topic, partition));
    if (p === undefined || batch.producerEpoch !== p.epoch) return undefined;
    const i = p.outstanding.indexOf(batch.baseSequence);
    if (i >= 0) p.outstanding.splice(i, 1);
    return p;
  }

  private partition(topic: string, partition: number, id: ProducerIdentity): PartitionSequence {
    const k = partitionKey(topic, partition);
    let p = this.partitions.get(k);
    if (p === undefined) {
      p = { epoch: id.producerEpoch, next: 0, outstanding: [], restart: false };
      this.partitions.set(k, p);
    }
    return p;
  }
}
