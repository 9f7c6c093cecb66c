/**
 * DescribeGroups onto the native describeGroups op. Brook's groups are KIP-848 (`consumer`) groups, assigned by the
 * broker: members are listed with their client id, and without classic-protocol metadata or assignment bytes
 * (empty), which only the classic protocol's leader member would have written.
 */
import { BrookError } from '../../../protocol/index.js';
import { kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { DescribeGroupsRequest } from '../messages/describe-groups-request.js';
import type { DescribeGroupsResponse } from '../messages/describe-groups-response.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './metadata.js';
import { kafkaGroupState } from './list-groups.js';

const EMPTY = new Uint8Array(0);

export async function describeGroups(
  ctx: KafkaContext,
  scope: RequestScope,
  request: DescribeGroupsRequest,
): Promise<DescribeGroupsResponse> {
  const groups: DescribeGroupsResponse['groups'] = [];
  for (const groupId of request.groups) {
    const base = {
      groupId,
      protocolData: '',
      authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
    try {
      const native = { groupIds: [groupId] };
      ctx.core.access.check(scope.principal, 'describeGroups', native);
      const group = (await ctx.core.handlers.describeGroups(native)).groups[0];
      // A group that does not exist is Dead without an error in every version Brook serves (v0-5), as Kafka says.
      const unknown = group?.error !== undefined && BrookError.fromWire(group.error).code === 'UNKNOWN_GROUP';
      groups.push({
        ...base,
        errorCode: unknown ? 0 : kafkaError(group?.error, 'group').errorCode,
        groupState: kafkaGroupState(group?.state ?? 'dead'),
        protocolType: 'consumer',
        members: (group?.members ?? []).map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: '',
          memberMetadata: EMPTY,
          memberAssignment: EMPTY,
        })),
      });
    } catch (err: unknown) {
      groups.push({
        ...base,
        errorCode: kafkaError(err, 'group').errorCode,
        groupState: '',
        protocolType: '',
        members: [],
      });
    }
  }
  return { throttleTimeMs: 0, groups };
}
