/**
 * Authorization of requests as sessions see it: {@link OP_PERMISSIONS} says what a request needs, the
 * {@link Authorizer} decides, and answers that list things keep only what the principal may describe.
 */
import { BrookError, type AclBinding, type RequestOf, type RequestOp, type ResponseOf } from '../../protocol/index.js';
import type { AccessControl } from '../net/broker-api.js';
import { Authorizer } from './authorizer.js';
import { OP_PERMISSIONS, RESPONSE_FILTERS, type Needed } from './op-permissions.js';

/** `--authorizer none`: every principal may do everything. */
export const NO_ACCESS_CONTROL: AccessControl = Object.freeze({
  check: () => undefined,
  visible: <K extends RequestOp>(_principal: string, _op: K, response: ResponseOf<K>) => response,
});

/** `--authorizer acl`: what no ACL allows is denied (super users excepted). */
export class AclAccessControl implements AccessControl {
  private readonly authorizer: Authorizer;

  constructor(acls: () => readonly AclBinding[], superUsers: readonly string[]) {
    this.authorizer = new Authorizer(acls, superUsers);
  }

  check<K extends RequestOp>(principal: string, op: K, request: RequestOf<K>): void {
    const needs: (request: RequestOf<K>) => readonly Needed[] = OP_PERMISSIONS[op];
    for (const { operation, resource } of needs(request)) {
      if (!this.authorizer.allows(principal, operation, resource)) {
        throw new BrookError(
          'UNAUTHORIZED',
          `${principal} may not ${operation} ${resource.type} '${resource.name}' (${op})`,
        );
      }
    }
  }

  visible<K extends RequestOp>(principal: string, op: K, response: ResponseOf<K>): ResponseOf<K> {
    const may = (needed: Needed): boolean => this.authorizer.allows(principal, needed.operation, needed.resource);
    // The filters are keyed by op: for K = 'metadata' the response is a metadata response.
    if (op === 'metadata') return RESPONSE_FILTERS.metadata(response as ResponseOf<'metadata'>, may) as ResponseOf<K>;
    if (op === 'listGroups') {
      return RESPONSE_FILTERS.listGroups(response as ResponseOf<'listGroups'>, may) as ResponseOf<K>;
    }
    return response;
  }
}
