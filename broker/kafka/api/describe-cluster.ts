/** DescribeCluster: the cluster id, the controller and every live broker's Kafka listener. */
import { KAFKA_ERRORS } from '../error-codes.js';
import type { KafkaContext } from '../kafka-context.js';
import type { DescribeClusterRequest } from '../messages/describe-cluster-request.js';
import type { DescribeClusterResponse } from '../messages/describe-cluster-response.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './metadata.js';

/** DescribeCluster's endpoint type for brokers (2 asks for controllers, which Brook does not list apart). */
const BROKERS_ENDPOINT = 1;

export async function describeCluster(
  ctx: KafkaContext,
  request: DescribeClusterRequest,
): Promise<DescribeClusterResponse> {
  const native = await ctx.core.handlers.metadata({ topics: [] });
  const common = {
    throttleTimeMs: 0,
    endpointType: request.endpointType,
    clusterId: native.clusterId,
    controllerId: native.controllerId,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
  if (request.endpointType !== BROKERS_ENDPOINT) {
    return {
      ...common,
      errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION,
      errorMessage: 'Brook lists brokers only (endpoint type 1): its controllers are brokers',
      brokers: [],
    };
  }
  return {
    ...common,
    errorCode: KAFKA_ERRORS.NONE,
    errorMessage: null,
    brokers: ctx.brokers().map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: null })),
  };
}
