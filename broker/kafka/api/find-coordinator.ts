/**
 * FindCoordinator for groups onto the native findCoordinator op: the leader of the `__offsets` partition the group
 * id hashes to, at its Kafka listener. v0-3 ask for one key, v4+ for several. Transaction coordinators (key type 1)
 * do not exist: Brook has no transactions.
 */
import { kafkaError, KAFKA_ERRORS, NO_ERROR, type KafkaErrorFields } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { FindCoordinatorRequest } from '../messages/find-coordinator-request.js';
import type {
  FindCoordinatorResponse,
  FindCoordinatorResponseCoordinator,
} from '../messages/find-coordinator-response.js';

/** FindCoordinator's key type of consumer groups. */
const GROUP_KEY = 0;

type Coordinator = FindCoordinatorResponseCoordinator;

export async function findCoordinator(
  ctx: KafkaContext,
  scope: RequestScope,
  request: FindCoordinatorRequest,
  version: number,
): Promise<FindCoordinatorResponse> {
  const keys = version >= 4 ? request.coordinatorKeys : [request.key];
  const coordinators: Coordinator[] = [];
  for (const key of keys) coordinators.push(await findOne(ctx, scope, key, request.keyType));
  const first = coordinators[0];
  if (version >= 4 || first === undefined) {
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '', port: 0, coordinators };
  }
  const { nodeId, host, port, errorCode, errorMessage } = first;
  return { throttleTimeMs: 0, errorCode, errorMessage, nodeId, host, port, coordinators: [] };
}

async function findOne(ctx: KafkaContext, scope: RequestScope, key: string, keyType: number): Promise<Coordinator> {
  const none = (fields: KafkaErrorFields): Coordinator => ({ key, nodeId: -1, host: '', port: -1, ...fields });
  if (keyType !== GROUP_KEY) {
    return none({ errorCode: KAFKA_ERRORS.INVALID_REQUEST, errorMessage: 'Brook has no transactions' });
  }
  try {
    const request = { groupId: key };
    ctx.core.access.check(scope.principal, 'findCoordinator', request);
    const { coordinatorId } = await ctx.core.handlers.findCoordinator(request);
    const broker = ctx.brokers().find((b) => b.nodeId === coordinatorId);
    if (broker === undefined) {
      return none({ errorCode: KAFKA_ERRORS.COORDINATOR_NOT_AVAILABLE, errorMessage: 'the coordinator is not live' });
    }
    return { key, ...broker, ...NO_ERROR };
  } catch (err: unknown) {
    return none(coordinatorError(kafkaError(err, 'group')));
  }
}

/** No coordinator yet (no leader of its `__offsets` partition) is Kafka's retriable COORDINATOR_NOT_AVAILABLE. */
function coordinatorError(fields: KafkaErrorFields): KafkaErrorFields {
  return fields.errorCode === KAFKA_ERRORS.NOT_LEADER_OR_FOLLOWER ||
    fields.errorCode === KAFKA_ERRORS.LEADER_NOT_AVAILABLE
    ? { ...fields, errorCode: KAFKA_ERRORS.COORDINATOR_NOT_AVAILABLE }
    : fields;
}
