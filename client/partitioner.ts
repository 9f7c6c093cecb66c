/**
 * Chooses a partition for each record. Keyed records use Kafka's murmur2 hash; records without a key either stick
 * to one partition until its batch is sent (Kafka's sticky partitioner, KIP-480: fewer, fuller batches) or rotate
 * round-robin. Pure: randomness is injected, and the producer reports when a sticky partition's batch is sent.
 */
import type { Random } from './clock.js';
import { partitionForKey } from '../protocol/murmur2.js';

/** What a custom partitioner is given. */
export interface PartitionerInput {
  readonly topic: string;
  /** The key bytes (strings are UTF-8 encoded), or null for a record without a key. */
  readonly key: Uint8Array | null;
  /** The topic's partition count. */
  readonly partitions: number;
}

/** A custom partitioner: returns a partition in [0, partitions). */
export type PartitionerFunction = (input: PartitionerInput) => number;

/**
 * How records are spread over partitions. Keyed records always use murmur2 unless a function is given.
 * - `'sticky'` (default): a record without a key goes to the topic's current sticky partition, which changes
 *   (to a random other partition) once a batch for it has been sent.
 * - `'round-robin'`: records without a key rotate over partitions one record at a time.
 * - a function: decides for every record, keyed or not.
 */
export type PartitionerStrategy = 'sticky' | 'round-robin' | PartitionerFunction;

/** Picks partitions; one instance per producer. */
export class Partitioner {
  private readonly sticky = new Map<string, number>();
  private readonly counters = new Map<string, number>();

  constructor(
    private readonly strategy: PartitionerStrategy,
    private readonly random: Random,
  ) {}

  /** The partition for a record of `topic` with `key` (null = no key), given the topic's partition count. */
  partition(topic: string, key: Uint8Array | null, partitions: number): number {
    if (typeof this.strategy === 'function') {
      const p = this.strategy({ topic, key, partitions });
      if (!Number.isInteger(p) || p < 0 || p >= partitions) {
        throw new RangeError(
          `partitioner returned ${String(p)} for topic ${topic} with ${String(partitions)} partitions`,
        );
      }
      return p;
    }
    if (key !== null) return partitionForKey(key, partitions);
    if (this.strategy === 'round-robin') {
      const next = this.counters.get(topic) ?? Math.floor(this.random.next() * partitions);
      this.counters.set(topic, next + 1);
      return next % partitions;
    }
    const current = this.sticky.get(topic);
    if (current !== undefined && current < partitions) return current;
    const chosen = Math.floor(this.random.next() * partitions);
    this.sticky.set(topic, chosen);
    return chosen;
  }

  /**
   * Tells the partitioner that a batch for `topic`/`partition` was closed (full, or sent after lingering). If that
   * was the topic's sticky partition, the next keyless record picks another one.
   */
  batchClosed(topic: string, partition: number, partitions: number): void {
    if (this.strategy !== 'sticky' || this.sticky.get(topic) !== partition) return;
    if (partitions <= 1) return;
    // A different partition, uniformly among the others.
    const offset = 1 + Math.floor(this.random.next() * (partitions - 1));
    this.sticky.set(topic, (partition + offset) % partitions);
  }
}
