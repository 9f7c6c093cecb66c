/**
 * The authorizer: a pure decision over a set of ACL bindings, as Kafka's AclAuthorizer decides. No I/O: the bindings
 * come from the metadata log (acl-store.ts), the principal from the connection.
 *
 * - A super user may do anything.
 * - A deny binding that matches wins over any allow.
 * - Otherwise an allow binding that matches allows; with none, the request is denied.
 * - A binding matches when its principal is the principal or `User:*`; its resource type is the resource's; its name
 *   is the resource's name (literal), `*` (literal: any name), or a prefix of it (prefixed); and its operation is the
 *   operation, `all`, or (for allow bindings) one that implies it: read, write, delete and alter imply describe, and
 *   alterConfigs implies describeConfigs.
 */
import type { AclBinding, AclOperation, ResourceType } from '../../protocol/index.js';

/** A resource a request touches. */
export interface Resource {
  readonly type: ResourceType;
  readonly name: string;
}

/** Operations that imply describe (or describeConfigs) when allowed, as in Kafka. */
const IMPLIES: Readonly<Partial<Record<AclOperation, readonly AclOperation[]>>> = {
  describe: ['read', 'write', 'delete', 'alter'],
  describeConfigs: ['alterConfigs'],
};

export class Authorizer {
  private readonly superUsers: ReadonlySet<string>;

  constructor(
    private readonly acls: () => readonly AclBinding[],
    superUsers: readonly string[],
  ) {
    this.superUsers = new Set(superUsers);
  }

  /** Whether `principal` may do `operation` on `resource`. */
  allows(principal: string, operation: AclOperation, resource: Resource): boolean {
    if (this.superUsers.has(principal)) return true;
    let allowed = false;
    for (const acl of this.acls()) {
      if (!appliesTo(acl, principal, resource)) continue;
      if (acl.permission === 'deny') {
        if (acl.operation === operation || acl.operation === 'all') return false;
      } else if (acl.operation === operation || acl.operation === 'all' || implies(acl.operation, operation)) {
        allowed = true;
      }
    }
    return allowed;
  }
}

function implies(granted: AclOperation, wanted: AclOperation): boolean {
  return IMPLIES[wanted]?.includes(granted) === true;
}

function appliesTo(acl: AclBinding, principal: string, resource: Resource): boolean {
  if (acl.principal !== principal && acl.principal !== 'User:*') return false;
  if (acl.resourceType !== resource.type) return false;
  if (acl.patternType === 'prefixed') return resource.name.startsWith(acl.resourceName);
  return acl.resourceName === resource.name || acl.resourceName === '*';
}
