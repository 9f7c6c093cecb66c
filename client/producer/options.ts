/** Producer options, their defaults and validation. */
import type { Acks } from '../../protocol/index.js';
import type { Codec } from '../codecs.js';
import { jsonCodec } from '../codecs.js';
import { nonNegative, positive, type ClientOptions } from '../options.js';
import type { PartitionerStrategy } from '../partitioner.js';

const ACKS_OPTIONS: readonly unknown[] = [0, 1, 'all'];

/**
 * Most batches per partition in flight with idempotence: the broker remembers a producer's last 5 batches per
 * partition, so a retry is recognised as a duplicate only among those.
 */
export const MAX_IDEMPOTENT_IN_FLIGHT = 5;

/** Default {@link ProducerOptions.batchBytes}: 1 MiB. */
export const DEFAULT_BATCH_BYTES = 1024 * 1024;

/** Options of a {@link Producer}. */
export interface ProducerOptions<T> extends ClientOptions {
  /** Turns values into record bytes. Default {@link jsonCodec}. */
  readonly codec?: Codec<T>;
  /**
   * When a send is acknowledged: `0` as soon as it is written to the socket (no response; offsets are -1), `1`
   * after the leader appended it, `'all'` after the in-sync replicas have it. Default `'all'`.
   */
  readonly acks?: 0 | 1 | 'all';
  /** How long a batch waits for more records before it is sent, in ms. Default 5. */
  readonly lingerMs?: number;
  /**
   * Largest batch per partition, in bytes of encoded records; capped at the broker's maxMessageBytes. Default 1 MiB
   * (the broker's default maxMessageBytes). Larger than Kafka's 16 KiB `batch.size`: the broker stores a batch as one
   * SQLite row and answers per request, so big batches cost it far less per byte (measured 1.5-1.9x the throughput of
   * 256 KiB batches for 1 KiB records); a batch still goes out after `lingerMs`, so a slow producer is not delayed.
   */
  readonly batchBytes?: number;
  /**
   * Bytes of records the client may hold (waiting to be sent or acknowledged). When full, `send()` waits for room
   * before taking the record. Default 32 MiB.
   */
  readonly bufferMemoryBytes?: number;
  /**
   * Upper bound on the time from `send()` to its acknowledgement, retries included, in ms; a record not acknowledged
   * by then fails with REQUEST_TIMED_OUT. Retriable errors are retried (with backoff) until then. Default 120 000.
   */
  readonly deliveryTimeoutMs?: number;
  /**
   * How long a batch keeps retrying while its partition has no reachable leader (metadata names none, or the named
   * broker does not answer), in ms; then its records fail with `NoLeaderError` instead of waiting out
   * deliveryTimeoutMs. Long enough for a leader election after a broker dies (about 1-2 s by default). Default 5 000.
   */
  readonly leaderWaitMs?: number;
  /**
   * Retries of a batch after retriable errors (NOT_LEADER, NETWORK_ERROR, ...), within deliveryTimeoutMs.
   * Default Infinity. Non-retriable errors (MESSAGE_TOO_LARGE, UNKNOWN_TOPIC, UNAUTHORIZED, ...) are never retried.
   */
  readonly retries?: number;
  /**
   * Batches of one partition in flight at once. With more than one, a batch that fails retriably can be overtaken by
   * a later batch already in flight; 1 keeps strict per-partition order under errors. Default 5.
   */
  readonly maxInFlightPerPartition?: number;
  /**
   * Idempotence (Kafka's `enable.idempotence`): the producer gets an id from the broker and numbers its batches per
   * partition, so the broker appends a retried batch at most once and in order, even across a lost connection or a
   * leader change. Needs acks `'all'` and maxInFlightPerPartition <= 5. Default true when those hold (both do by
   * default), else false; setting it true with other acks or more in flight is an error.
   */
  readonly idempotent?: boolean;
  /** How keyless records are spread (keyed records use Kafka's murmur2). Default `'sticky'`. */
  readonly partitioner?: PartitionerStrategy;
}

/** Resolved producer-specific settings. */
export interface ResolvedProducerOptions<T> {
  readonly codec: Codec<T>;
  readonly acks: Acks;
  readonly lingerMs: number;
  readonly batchBytes: number;
  readonly bufferMemoryBytes: number;
  readonly deliveryTimeoutMs: number;
  readonly leaderWaitMs: number;
  readonly retries: number;
  readonly maxInFlightPerPartition: number;
  readonly partitioner: PartitionerStrategy;
  readonly idempotent: boolean;
}

export function resolveProducerOptions<T>(options: ProducerOptions<T>): ResolvedProducerOptions<T> {
  const acks = options.acks ?? 'all';
  // Checked at run time too: options often come from JavaScript or config files.
  if (!ACKS_OPTIONS.includes(acks)) throw new RangeError(`acks must be 0, 1 or 'all', got ${String(acks)}`);
  const maxInFlight = positive('maxInFlightPerPartition', options.maxInFlightPerPartition, 5);
  if (!Number.isInteger(maxInFlight)) throw new RangeError('maxInFlightPerPartition must be an integer');
  // As in Kafka 3: on unless asked for, off quietly when acks or in-flight settings rule it out.
  const idempotenceFits = acks === 'all' && maxInFlight <= MAX_IDEMPOTENT_IN_FLIGHT;
  if (options.idempotent === true && !idempotenceFits) {
    throw new RangeError(
      `idempotent needs acks 'all' and maxInFlightPerPartition <= ${String(MAX_IDEMPOTENT_IN_FLIGHT)}`,
    );
  }
  return Object.freeze({
    codec: options.codec ?? jsonCodec<T>(),
    acks: acks === 'all' ? -1 : acks,
    lingerMs: nonNegative('lingerMs', options.lingerMs, 5),
    batchBytes: positive('batchBytes', options.batchBytes, DEFAULT_BATCH_BYTES),
    bufferMemoryBytes: positive('bufferMemoryBytes', options.bufferMemoryBytes, 32 * 1024 * 1024),
    deliveryTimeoutMs: positive('deliveryTimeoutMs', options.deliveryTimeoutMs, 120_000),
    leaderWaitMs: positive('leaderWaitMs', options.leaderWaitMs, 5_000),
    retries: nonNegative('retries', options.retries, Infinity),
    maxInFlightPerPartition: maxInFlight,
    partitioner: options.partitioner ?? 'sticky',
    idempotent: options.idempotent ?? idempotenceFits,
  });
}
