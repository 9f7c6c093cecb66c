/** DeleteGroups onto the native deleteGroups op, group by group (each authorized for delete on its group). */
import { kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { DeleteGroupsRequest } from '../messages/delete-groups-request.js';
import type { DeleteGroupsResponse } from '../messages/delete-groups-response.js';

export async function deleteGroups(
  ctx: KafkaContext,
  scope: RequestScope,
  request: DeleteGroupsRequest,
): Promise<DeleteGroupsResponse> {
  const results: DeleteGroupsResponse['results'] = [];
  for (const groupId of request.groupsNames) {
    try {
      const native = { groupIds: [groupId] };
      ctx.core.access.check(scope.principal, 'deleteGroups', native);
      const answer = await ctx.core.handlers.deleteGroups(native);
      results.push({ groupId, errorCode: kafkaError(answer.results[0]?.error, 'group').errorCode });
    } catch (err: unknown) {
      results.push({ groupId, errorCode: kafkaError(err, 'group').errorCode });
    }
  }
  return { throttleTimeMs: 0, results };
}
