/**
 * ListOffsets onto the native listOffsets op, partition by partition: Kafka's special timestamps -2 (earliest) and
 * -1 (latest), -4 (earliest local: Brook keeps every batch locally, so the earliest), or the first offset at or
 * after a timestamp. Brook has no transactions, so READ_COMMITTED reads up to the high watermark too.
 */
import type { RequestOf } from '../../../protocol/index.js';
import { KAFKA_ERRORS, kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { ListOffsetsRequest, ListOffsetsRequestListOffsetsPartition } from '../messages/list-offsets-request.js';
import type {
  ListOffsetsResponse,
  ListOffsetsResponseListOffsetsPartitionResponse,
} from '../messages/list-offsets-response.js';

/** Kafka's special ListOffsets timestamps. */
const LATEST = -1n;
const EARLIEST = -2n;
const EARLIEST_LOCAL = -4n;

/** Brook does not report leader epochs (metadata.ts). */
const NO_EPOCH = -1;

type PartitionAnswer = ListOffsetsResponseListOffsetsPartitionResponse;

export async function listOffsets(
  ctx: KafkaContext,
  scope: RequestScope,
  request: ListOffsetsRequest,
  version: number,
): Promise<ListOffsetsResponse> {
  const topics: ListOffsetsResponse['topics'] = [];
  for (const topic of request.topics) {
    const partitions: PartitionAnswer[] = [];
    for (const p of topic.partitions) partitions.push(await listOne(ctx, scope, topic.name, p, version));
    topics.push({ name: topic.name, partitions });
  }
  return { throttleTimeMs: 0, topics };
}

/** The native position Kafka's timestamp asks for, or undefined for the ones Brook cannot answer (-3, -5). */
export function positionOf(timestamp: bigint): RequestOf<'listOffsets'>['at'] | undefined {
  if (timestamp === EARLIEST || timestamp === EARLIEST_LOCAL) return 'earliest';
  if (timestamp === LATEST) return 'latest';
  return timestamp >= 0n && timestamp <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(timestamp) : undefined;
}

async function listOne(
  ctx: KafkaContext,
  scope: RequestScope,
  topic: string,
  asked: ListOffsetsRequestListOffsetsPartition,
  version: number,
): Promise<PartitionAnswer> {
  // v0 answers a list of offsets; v1+ one offset with its timestamp.
  const answer = (errorCode: number, offset: bigint, timestamp: bigint): PartitionAnswer => ({
    partitionIndex: asked.partitionIndex,
    errorCode,
    oldStyleOffsets: version === 0 && offset >= 0n ? [offset] : [],
    timestamp: version === 0 ? -1n : timestamp,
    offset: version === 0 ? -1n : offset,
    leaderEpoch: NO_EPOCH,
  });
  const at = positionOf(asked.timestamp);
  if (at === undefined) return answer(KAFKA_ERRORS.INVALID_REQUEST, -1n, -1n);
  try {
    const native = { topic, partition: asked.partitionIndex, at };
    ctx.core.access.check(scope.principal, 'listOffsets', native);
    const found = await ctx.core.handlers.listOffsets(native);
    // A timestamp past every record: Kafka answers offset -1 and timestamp -1.
    if (typeof at === 'number' && found.timestamp === null) return answer(KAFKA_ERRORS.NONE, -1n, -1n);
    return answer(KAFKA_ERRORS.NONE, BigInt(found.offset), BigInt(found.timestamp ?? -1));
  } catch (err: unknown) {
    return answer(kafkaError(err, 'topic').errorCode, -1n, -1n);
  }
}
