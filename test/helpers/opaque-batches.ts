/**
 * Record batches whose records are opaque zero bytes, and produce requests made of them: what the network layer's
 * tests send and serve (the broker's network layer never looks inside records).
 */
import type { Acks, FetchedBatch, RequestOf } from '../../protocol/index.js';

/** A batch of `count` records whose records bytes are `bytes` long. */
export function batchAt(baseOffset: number, count: number, bytes: number): FetchedBatch {
  return {
    baseOffset,
    count,
    firstTimestamp: 1,
    maxTimestamp: 1,
    crc: 0,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    attributes: 0,
    records: new Uint8Array(bytes),
  };
}

/** A produce with one batch of `bytes` records bytes per entry of `sizes`, to partitions 0, 1, ... of 't'. */
export function produceRequest(sizes: number[], acks: Acks = 1): RequestOf<'produce'> {
  return {
    acks,
    timeoutMs: 1000,
    partitions: sizes.map((bytes, partition) => {
      const { baseOffset: _, ...batch } = batchAt(0, 1, bytes);
      return { topic: 't', partition, batch };
    }),
  };
}
