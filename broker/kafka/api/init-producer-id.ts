/**
 * InitProducerId for idempotent producers onto the native initProducer op: Kafka's producer id and epoch are
 * Brook's, one to one, and the id belongs to the principal that got it (as on the native listener). A
 * transactional.id is refused with INVALID_REQUEST (Kafka clients then point at the broker's log, which says why):
 * Brook has no transactions yet.
 */
import { KAFKA_ERRORS, kafkaError } from '../error-codes.js';
import type { KafkaContext, RequestScope } from '../kafka-context.js';
import type { InitProducerIdRequest } from '../messages/init-producer-id-request.js';
import type { InitProducerIdResponse } from '../messages/init-producer-id-response.js';

const NO_PRODUCER = { producerId: -1n, producerEpoch: -1 } as const;

export async function initProducerId(
  ctx: KafkaContext,
  scope: RequestScope,
  request: InitProducerIdRequest,
): Promise<InitProducerIdResponse> {
  if (request.transactionalId !== null) {
    ctx.logger?.warn(
      { clientId: scope.clientId, transactionalId: request.transactionalId },
      'refused a transactional producer: Brook does not support Kafka transactions',
    );
    return { throttleTimeMs: 0, errorCode: KAFKA_ERRORS.INVALID_REQUEST, ...NO_PRODUCER };
  }
  try {
    ctx.core.access.check(scope.principal, 'initProducer', {});
    const given = ctx.core.access.visible(scope.principal, 'initProducer', await ctx.core.handlers.initProducer({}));
    return {
      throttleTimeMs: 0,
      errorCode: KAFKA_ERRORS.NONE,
      producerId: BigInt(given.producerId),
      producerEpoch: given.producerEpoch,
    };
  } catch (err: unknown) {
    return { throttleTimeMs: 0, errorCode: kafkaError(err, 'cluster').errorCode, ...NO_PRODUCER };
  }
}
