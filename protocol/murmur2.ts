/**
 * Kafka's murmur2 (MurmurHash2, 32-bit, seed 0x9747b28c), bit for bit as `org.apache.kafka.common.utils.Utils`,
 * so a key lands on the same partition as with a Java Kafka client.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** murmur2 of `data` as a signed 32-bit integer (Java's `int`). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] ?? 0) | ((data[i4 + 1] ?? 0) << 8) | ((data[i4 + 2] ?? 0) << 16) | ((data[i4 + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  // Java's switch falls through from 3 to 2 to 1.
  const rest = length % 4;
  if (rest >= 3) h ^= (data[tail + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (data[tail + 1] ?? 0) << 8;
  if (rest >= 1) {
    h ^= data[tail] ?? 0;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which differs for negative numbers). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a key: `toPositive(murmur2(key)) % partitions`. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return toPositive(murmur2(key)) % partitions;
}
