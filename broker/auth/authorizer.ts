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
  /**
   * The bindings by principal, for the binding list it was made from. The list is replaced, never changed in place,
   * on every ACL change, so comparing it is enough to know the index is current; a check then reads only the bindings
   * of its principal and of `User:*`, not every binding of the cluster.
   */
  private index: { readonly of: readonly AclBinding[]; readonly byPrincipal: ReadonlyMap<string, AclBinding[]> } = {
    of: [],
    byPrincipal: new Map(),
  };

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
    const { byPrincipal } = this.currentIndex();
    for (const bindings of [byPrincipal.get(principal), byPrincipal.get(ANY_PRINCIPAL)]) {
      for (const acl of bindings ?? []) {
        if (!appliesTo(acl, resource)) continue;
        if (acl.permission === 'deny') {
          if (acl.operation === operation || acl.operation === 'all') return false;
        } else if (acl.operation === operation || acl.operation === 'all' || implies(acl.operation, operation)) {
          allowed = true;
        }
      }
    }
    return allowed;
  }

  private currentIndex(): Authorizer['index'] {
    const acls = this.acls();
    if (this.index.of !== acls) {
      const byPrincipal = new Map<string, AclBinding[]>();
      for (const acl of acls) {
        const list = byPrincipal.get(acl.principal);
        if (list === undefined) byPrincipal.set(acl.principal, [acl]);
        else list.push(acl);
      }
      this.index = { of: acls, byPrincipal };
    }
    return this.index;
  }
}

/** The principal of bindings that apply to everyone. */
const ANY_PRINCIPAL = 'User:*';

function implies(granted: AclOperation, wanted: AclOperation): boolean {
  return IMPLIES[wanted]?.includes(granted) === true;
}

/** Whether a binding of the principal (or of everyone) names `resource`. */
function appliesTo(acl: AclBinding, resource: Resource): boolean {
  if (acl.resourceType !== resource.type) return false;
  if (acl.patternType === 'prefixed') return resource.name.startsWith(acl.resourceName);
  return acl.resourceName === resource.name || acl.resourceName === '*';
}
