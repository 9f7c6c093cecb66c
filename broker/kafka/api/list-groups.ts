/**
 * ListGroups onto the native listGroups op: the groups this broker coordinates (Kafka's admin clients ask every
 * broker), those the principal may describe. Brook's groups are KIP-848 (`consumer`) groups.
 */
import { GroupStates, type GroupStateName } from '../../groups/group-state.js';
import { kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { ListGroupsRequest } from '../messages/list-groups-request.js';
import type { ListGroupsResponse } from '../messages/list-groups-response.js';

/** Brook's group states under Kafka's names (KIP-848 consumer groups). */
const KAFKA_STATE: Readonly<Record<string, string>> = {
  [GroupStates.EMPTY]: 'Empty',
  [GroupStates.STABLE]: 'Stable',
  [GroupStates.RECONCILING]: 'Reconciling',
  [GroupStates.DEAD]: 'Dead',
} satisfies Record<GroupStateName, string>;

/** A Brook group state as Kafka names it. */
export function kafkaGroupState(state: string): string {
  return KAFKA_STATE[state] ?? state;
}

export async function listGroups(
  ctx: KafkaContext,
  scope: RequestScope,
  request: ListGroupsRequest,
): Promise<ListGroupsResponse> {
  try {
    ctx.core.access.check(scope.principal, 'listGroups', {});
    const native = ctx.core.access.visible(scope.principal, 'listGroups', await ctx.core.handlers.listGroups({}));
    // Every Brook group is a KIP-848 `consumer` group.
    const typeWanted =
      request.typesFilter.length === 0 || request.typesFilter.some((t) => t.toLowerCase() === 'consumer');
    const stateWanted = (state: string): boolean =>
      request.statesFilter.length === 0 || request.statesFilter.some((s) => s.toLowerCase() === state.toLowerCase());
    const groups = native.groups
      .map((g) => ({
        groupId: g.groupId,
        protocolType: 'consumer',
        groupState: kafkaGroupState(g.state),
        groupType: 'consumer',
      }))
      .filter((g) => typeWanted && stateWanted(g.groupState));
    return { throttleTimeMs: 0, errorCode: 0, groups };
  } catch (err: unknown) {
    return { throttleTimeMs: 0, errorCode: kafkaError(err, 'cluster').errorCode, groups: [] };
  }
}
