/** removeBroker: takes a broker out of the cluster (a bad join undone, or a dead broker replaced), at the controller. */
import type { RequestOf, ResponseOf } from '../../protocol/index.js';
import type { HandlerContext } from './context.js';
import { refuseWhenStopping } from './errors.js';
import { requireController } from './topics.js';

export function removeBrokerHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'removeBroker'>): Promise<ResponseOf<'removeBroker'>> => {
    refuseWhenStopping(ctx);
    const force = request.force === true;
    const moves = await requireController(ctx).removeBroker(request.brokerId, force);
    ctx.logger.info({ broker: request.brokerId, force, moves: moves.length }, 'broker removed');
    return { partitions: moves.map((m) => ({ topic: m.topic, partition: m.partition, replicas: [...m.replicas] })) };
  };
}
