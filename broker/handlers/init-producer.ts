/** initProducer: a fresh idempotent-producer identity (new id, epoch 0) for every call. */
import type { ResponseOf } from '../../protocol/index.js';
import type { HandlerContext } from './context.js';
import { refuseWhenStopping, wireErrorOf } from './errors.js';

export function initProducerHandler(ctx: HandlerContext) {
  // The request body is empty in version 1.
  return (): Promise<ResponseOf<'initProducer'>> => {
    try {
      refuseWhenStopping(ctx);
      // No producer name to fence by: each instance is its own producer, so its epoch starts (and stays) at 0.
      return Promise.resolve({ producerId: ctx.producerIds.next(), producerEpoch: 0 });
    } catch (err) {
      return Promise.reject(wireErrorOf(ctx, err, 'initProducer'));
    }
  };
}
