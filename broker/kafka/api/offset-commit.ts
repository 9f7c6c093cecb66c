/**
 * OffsetCommit onto the native commitOffsets op (Brook's offsets in `__offsets`). Brook's groups are KIP-848
 * groups: a commit carries the member id and member epoch the native protocol fences with. A commit from outside
 * the group (member id '' and generation -1, as Kafka's admin tools and "simple" consumers send) is the native
 * admin commit, refused while the group has members. Classic-protocol members (JoinGroup) do not exist yet.
 */
import { kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { OffsetCommitRequest } from '../messages/offset-commit-request.js';
import type { OffsetCommitResponse } from '../messages/offset-commit-response.js';

/** The native admin commit's member epoch. */
const NO_EPOCH = -1;

export async function offsetCommit(
  ctx: KafkaContext,
  scope: RequestScope,
  request: OffsetCommitRequest,
  version: number,
): Promise<OffsetCommitResponse> {
  // v0 has no member: Kafka stores such commits as from outside the group.
  const memberId = version >= 1 ? request.memberId : '';
  const memberEpoch = version >= 1 && memberId !== '' ? request.generationIdOrMemberEpoch : NO_EPOCH;
  const offsets = request.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      offset: Number(p.committedOffset),
      ...(p.committedMetadata === null ? {} : { metadata: p.committedMetadata }),
    })),
  );
  const answer = (codeOf: (topic: string, partition: number) => number): OffsetCommitResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: codeOf(t.name, p.partitionIndex),
      })),
    })),
  });
  try {
    const native = { groupId: request.groupId, memberId, memberEpoch, offsets };
    ctx.core.access.check(scope.principal, 'commitOffsets', native);
    const { results } = await ctx.core.handlers.commitOffsets(native);
    const codes = new Map(
      results.map((r) => [`${r.topic}/${String(r.partition)}`, kafkaError(r.error, 'topic').errorCode]),
    );
    return answer((topic, partition) => codes.get(`${topic}/${String(partition)}`) ?? 0);
  } catch (err: unknown) {
    const { errorCode } = kafkaError(err, 'group');
    return answer(() => errorCode);
  }
}
