/**
 * The consumer-group ops (docs/protocol.md section 17): each one is answered by the broker's {@link GroupService},
 * which refuses with NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS where this broker does not (yet) coordinate
 * the group.
 */
import type { RequestOf, ResponseOf } from '../../protocol/index.js';
import type { HandlerContext } from './context.js';
import { refuseWhenStopping, wireErrorOf } from './errors.js';

/** Runs `op`, turning failures into wire errors (unexpected ones logged). */
async function answer<T>(ctx: HandlerContext, what: string, op: () => Promise<T> | T): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw wireErrorOf(ctx, err, what);
  }
}

export function groupHeartbeatHandler(ctx: HandlerContext) {
  return (request: RequestOf<'groupHeartbeat'>): Promise<ResponseOf<'groupHeartbeat'>> =>
    answer(ctx, 'groupHeartbeat', () => {
      refuseWhenStopping(ctx);
      return ctx.groups.heartbeat(request);
    });
}

export function commitOffsetsHandler(ctx: HandlerContext) {
  return (request: RequestOf<'commitOffsets'>): Promise<ResponseOf<'commitOffsets'>> =>
    answer(ctx, 'commitOffsets', () => {
      refuseWhenStopping(ctx);
      return ctx.groups.commitOffsets(request);
    });
}

export function fetchOffsetsHandler(ctx: HandlerContext) {
  return (request: RequestOf<'fetchOffsets'>): Promise<ResponseOf<'fetchOffsets'>> =>
    answer(ctx, 'fetchOffsets', () => ctx.groups.fetchOffsets(request));
}

export function findCoordinatorHandler(ctx: HandlerContext) {
  return (request: RequestOf<'findCoordinator'>): Promise<ResponseOf<'findCoordinator'>> =>
    answer(ctx, 'findCoordinator', () => ctx.groups.findCoordinator(request.groupId));
}

export function listGroupsHandler(ctx: HandlerContext) {
  // The request body is empty (version 1).
  return (): Promise<ResponseOf<'listGroups'>> => answer(ctx, 'listGroups', () => ctx.groups.listGroups());
}

export function describeGroupsHandler(ctx: HandlerContext) {
  return (request: RequestOf<'describeGroups'>): Promise<ResponseOf<'describeGroups'>> =>
    answer(ctx, 'describeGroups', () => ctx.groups.describeGroups(request));
}

export function deleteGroupsHandler(ctx: HandlerContext) {
  return (request: RequestOf<'deleteGroups'>): Promise<ResponseOf<'deleteGroups'>> =>
    answer(ctx, 'deleteGroups', () => {
      refuseWhenStopping(ctx);
      return ctx.groups.deleteGroups(request);
    });
}
