/**
 * produce: appends each partition's batch and answers per partition. Every append of a request is started in
 * the same event-loop turn, so the batches bound for one partition share its group commit.
 */
import { isInternalTopic } from '../topics/topic-config.js';
import { BrookError, type Acks, type ProduceBatch, type RequestOf, type ResponseOf } from '../../protocol/index.js';
import { validateBatch } from '../kafka/batches.js';
import type { HandlerContext } from './context.js';
import { refuseWhenStopping, reportedError } from './errors.js';

type PartitionResult = ResponseOf<'produce'>['partitions'][number];

export function produceHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'produce'>): Promise<ResponseOf<'produce'>> => {
    refuseWhenStopping(ctx);
    const { acks, timeoutMs } = request;
    // map() runs each appendOne up to its first await, so all appends are queued before any commit runs.
    const partitions = await Promise.all(
      request.partitions.map((entry) => appendOne(ctx, entry.topic, entry.partition, entry.batch, acks, timeoutMs)),
    );
    return { partitions };
  };
}

async function appendOne(
  ctx: HandlerContext,
  topic: string,
  partition: number,
  bytes: ProduceBatch,
  acks: Acks,
  timeoutMs: number,
): Promise<PartitionResult> {
  try {
    // Internal topics (`__offsets`) are written by the broker only.
    if (isInternalTopic(topic)) throw new BrookError('INVALID_REQUEST', `'${topic}' is an internal topic`);
    // Checked once here (CRC, framing, compressed records): the log stores and serves these bytes as they are.
    const checked = validateBatch(bytes);
    const batch = checked instanceof Promise ? await checked : checked;
    const { baseOffset, duplicate } = await ctx.partitions.leader(topic, partition).append(batch, acks, timeoutMs);
    // A repeated idempotent batch is answered but was not appended again: it is not counted twice.
    if (duplicate !== true) ctx.metrics.produced(topic, batch.count, batch.bytes.byteLength);
    return { topic, partition, baseOffset };
  } catch (err) {
    return { topic, partition, baseOffset: -1, error: reportedError(ctx, err, 'produce') };
  }
}
