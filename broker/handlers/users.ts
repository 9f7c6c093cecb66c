/** createUser, deleteUser and listUsers: the cluster's SCRAM users, changed through the controller. */
import { BrookError, type RequestOf, type ResponseOf } from '../../protocol/index.js';
import type { HandlerContext } from './context.js';
import { refuseWhenStopping } from './errors.js';
import { requireController } from './topics.js';

/** The empty answer of createUser and deleteUser. */
type EmptyBody = Record<string, never>;

export function createUserHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'createUser'>): Promise<EmptyBody> => {
    refuseWhenStopping(ctx);
    requireController(ctx);
    const { name, iterations, salt, storedKey, serverKey } = request;
    if (salt.byteLength < 16 || storedKey.byteLength !== 32 || serverKey.byteLength !== 32) {
      throw new BrookError('INVALID_REQUEST', 'a SCRAM-SHA-256 credential needs a salt of 16+ bytes and 32-byte keys');
    }
    const existed = ctx.users.get(name) !== undefined;
    await ctx.changeSecurity({ kind: 'putUser', name, credential: { iterations, salt, storedKey, serverKey } });
    ctx.logger.info({ user: name }, existed ? 'user credential changed' : 'user created');
    return {};
  };
}

export function deleteUserHandler(ctx: HandlerContext) {
  return async (request: RequestOf<'deleteUser'>): Promise<EmptyBody> => {
    refuseWhenStopping(ctx);
    requireController(ctx);
    if (ctx.users.get(request.name) === undefined) {
      throw new BrookError('UNKNOWN_USER', `user '${request.name}' does not exist`);
    }
    await ctx.changeSecurity({ kind: 'deleteUser', name: request.name });
    ctx.logger.info({ user: request.name }, 'user deleted');
    return {};
  };
}

export function listUsersHandler(ctx: HandlerContext) {
  return (): Promise<ResponseOf<'listUsers'>> => Promise.resolve({ users: ctx.users.list() });
}
