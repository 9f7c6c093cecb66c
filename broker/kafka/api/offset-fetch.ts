/**
 * OffsetFetch onto the native fetchOffsets op (committed offsets in `__offsets`): v0-7 ask for one group, v8+ for
 * several. Brook keeps no leader epoch with a commit (-1).
 */
import { kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { OffsetFetchRequest } from '../messages/offset-fetch-request.js';
import type {
  OffsetFetchResponse,
  OffsetFetchResponseOffsetFetchResponseGroup,
} from '../messages/offset-fetch-response.js';

type GroupAnswer = OffsetFetchResponseOffsetFetchResponseGroup;

export async function offsetFetch(
  ctx: KafkaContext,
  scope: RequestScope,
  request: OffsetFetchRequest,
  version: number,
): Promise<OffsetFetchResponse> {
  if (version >= 8) {
    const groups: GroupAnswer[] = [];
    for (const group of request.groups) groups.push(await fetchGroup(ctx, scope, group.groupId, group.topics));
    return { throttleTimeMs: 0, topics: [], errorCode: 0, groups };
  }
  const answer = await fetchGroup(ctx, scope, request.groupId, request.topics);
  return { throttleTimeMs: 0, topics: answer.topics, errorCode: version >= 2 ? answer.errorCode : 0, groups: [] };
}

async function fetchGroup(
  ctx: KafkaContext,
  scope: RequestScope,
  groupId: string,
  topics: readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[] | null,
): Promise<GroupAnswer> {
  try {
    const request = {
      groupId,
      ...(topics === null
        ? {}
        : { partitions: topics.map((t) => ({ topic: t.name, partitions: [...t.partitionIndexes] })) }),
    };
    ctx.core.access.check(scope.principal, 'fetchOffsets', request);
    const { offsets } = await ctx.core.handlers.fetchOffsets(request);
    const byTopic = new Map<string, GroupAnswer['topics'][number]>();
    for (const o of offsets) {
      let topic = byTopic.get(o.topic);
      if (topic === undefined) {
        topic = { name: o.topic, partitions: [] };
        byTopic.set(o.topic, topic);
      }
      topic.partitions.push({
        partitionIndex: o.partition,
        committedOffset: BigInt(o.offset),
        committedLeaderEpoch: -1,
        metadata: o.metadata,
        errorCode: 0,
      });
    }
    return { groupId, topics: [...byTopic.values()], errorCode: 0 };
  } catch (err: unknown) {
    return { groupId, topics: [], errorCode: kafkaError(err, 'group').errorCode };
  }
}
