/** setQuota, listQuotas and removeQuota: the cluster's quota overrides, changed through the controller. */
import { BrookError, type RequestOf, type ResponseOf } from '../../protocol/index.js';
import { entityName } from '../quota/quota-store.js';
import type { HandlerContext } from './context.js';
import { refuseWhenStopping } from './errors.js';
import { requireController } from './topics.js';

/** The empty answer of setQuota and removeQuota. */
type EmptyBody = Record<string, never>;

export function setQuotaHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'setQuota'>): Promise<EmptyBody> => {
    refuseWhenStopping(ctx);
    requireController(ctx);
    if (request.produceBytesPerSec === undefined && request.fetchBytesPerSec === undefined) {
      throw new BrookError('INVALID_REQUEST', 'a quota needs produceBytesPerSec, fetchBytesPerSec or both');
    }
    await ctx.changeSecurity({ kind: 'setQuota', quota: request });
    ctx.logger.info({ quota: request }, `quota set for ${entityName(request.entity)}`);
    return {};
  };
}

export function listQuotasHandler(ctx: HandlerContext) {
  return (): Promise<ResponseOf<'listQuotas'>> => Promise.resolve({ quotas: ctx.quotas.list() });
}

export function removeQuotaHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'removeQuota'>): Promise<EmptyBody> => {
    refuseWhenStopping(ctx);
    requireController(ctx);
    // Checked here too, so the answer names it (the metadata log would refuse it alike on every broker).
    if (ctx.quotas.rates(request.entity) === undefined) {
      throw new BrookError('UNKNOWN_QUOTA', `no quota is set for ${entityName(request.entity)}`);
    }
    await ctx.changeSecurity({ kind: 'removeQuota', entity: request.entity });
    ctx.logger.info({ entity: request.entity }, `quota removed for ${entityName(request.entity)}`);
    return {};
  };
}
