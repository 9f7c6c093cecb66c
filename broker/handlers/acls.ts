/** createAcls, listAcls and deleteAcls: the cluster's ACL bindings, changed through the controller. */
import type { RequestOf, ResponseOf } from '../../protocol/index.js';
import { matches } from '../auth/acl-store.js';
import type { HandlerContext } from './context.js';
import { refuseWhenStopping } from './errors.js';
import { requireController } from './topics.js';

export function createAclsHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'createAcls'>): Promise<Record<string, never>> => {
    refuseWhenStopping(ctx);
    requireController(ctx);
    await ctx.changeSecurity({ kind: 'createAcls', acls: request.acls });
    ctx.logger.info({ acls: request.acls }, 'ACLs created');
    return {};
  };
}

export function listAclsHandler(ctx: HandlerContext) {
  return (request: RequestOf<'listAcls'>): Promise<ResponseOf<'listAcls'>> =>
    Promise.resolve({ acls: ctx.acls.all().filter((acl) => matches(request, acl)) });
}

export function deleteAclsHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'deleteAcls'>): Promise<ResponseOf<'deleteAcls'>> => {
    refuseWhenStopping(ctx);
    requireController(ctx);
    const acls = ctx.acls.all().filter((acl) => matches(request, acl));
    await ctx.changeSecurity({ kind: 'deleteAcls', filter: request });
    ctx.logger.info({ filter: request, deleted: acls.length }, 'ACLs deleted');
    return { acls };
  };
}
