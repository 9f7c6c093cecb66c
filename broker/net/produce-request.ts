/** Pure helpers for the session's part of a produce: its cost, oversized batches, whole-request refusals. */
import { BrookError, type RequestOf, type ResponseOf } from '../../protocol/index.js';

type ProduceRequest = RequestOf<'produce'>;
type PartitionResult = ResponseOf<'produce'>['partitions'][number];

/** What a produce costs against the window: the sum of its batches' bytes. */
export function produceCost(request: ProduceRequest): number {
  let bytes = 0;
  for (const p of request.partitions) bytes += p.batch.byteLength;
  return bytes;
}

/**
 * Separates the partitions whose batch is larger than `maxMessageBytes`. `forward` is the request without them
 * (null when none is left), `refused` their MESSAGE_TOO_LARGE results.
 */
export function splitOversized(
  request: ProduceRequest,
  maxMessageBytes: number,
): { forward: ProduceRequest | null; refused: PartitionResult[] } {
  const refused: PartitionResult[] = [];
  for (const p of request.partitions) {
    if (p.batch.byteLength > maxMessageBytes) {
      const error = new BrookError(
        'MESSAGE_TOO_LARGE',
        `batch of ${String(p.batch.byteLength)} bytes exceeds maxMessageBytes ${String(maxMessageBytes)}`,
      );
      refused.push({ topic: p.topic, partition: p.partition, baseOffset: -1, error: error.toWire() });
    }
  }
  if (refused.length === 0) return { forward: request, refused };
  const kept = request.partitions.filter((p) => p.batch.byteLength <= maxMessageBytes);
  return { forward: kept.length === 0 ? null : { ...request, partitions: kept }, refused };
}

/** The response refusing every partition of a request with one error (nothing appended). */
export function refuseAll(request: ProduceRequest, error: BrookError): ResponseOf<'produce'> {
  const wire = error.toWire();
  return {
    partitions: request.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      baseOffset: -1,
      error: wire,
    })),
  };
}
