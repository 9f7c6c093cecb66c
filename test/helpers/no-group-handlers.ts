/** The consumer-group handlers of a fake core that hosts no group: each op refuses with UNKNOWN_GROUP. */
import type { CoreHandlers } from '../../broker/net/broker-api.js';
import { BrookError } from '../../protocol/index.js';

type GroupOp =
  | 'groupHeartbeat'
  | 'commitOffsets'
  | 'fetchOffsets'
  | 'findCoordinator'
  | 'listGroups'
  | 'describeGroups'
  | 'deleteGroups';

export function noGroupHandlers(): Pick<CoreHandlers, GroupOp> {
  const refuse = (): Promise<never> => Promise.reject(new BrookError('UNKNOWN_GROUP'));
  return {
    groupHeartbeat: refuse,
    commitOffsets: refuse,
    fetchOffsets: refuse,
    findCoordinator: refuse,
    listGroups: refuse,
    describeGroups: refuse,
    deleteGroups: refuse,
  };
}
