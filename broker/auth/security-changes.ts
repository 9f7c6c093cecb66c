/**
 * Changes to the cluster's users and ACLs, as entries of the metadata log (a `security` metadata command carries one) or, on a
 * broker without peers, applied in place. A change carries its outcome (the credential is derived by the client), so
 * applying it is deterministic on every broker.
 */
import type { AclBinding, AclFilter, ScramCredential } from '../../protocol/index.js';
import type { AclStore } from './acl-store.js';
import type { UserStore } from './user-store.js';

export type SecurityChange =
  /** Creates a user or replaces its credential. */
  | { readonly kind: 'putUser'; readonly name: string; readonly credential: ScramCredential }
  | { readonly kind: 'deleteUser'; readonly name: string }
  | { readonly kind: 'createAcls'; readonly acls: readonly AclBinding[] }
  /** Deletes the bindings the filter matches, on every broker alike. */
  | { readonly kind: 'deleteAcls'; readonly filter: AclFilter };

/** The stores a security change applies to. */
export interface SecurityStores {
  readonly users: UserStore;
  readonly acls: AclStore;
}

/** Applies one change; throws BrookError (UNKNOWN_USER) when it cannot be, on every broker alike. */
export function applySecurityChange(stores: SecurityStores, change: SecurityChange): void {
  switch (change.kind) {
    case 'putUser':
      stores.users.put(change.name, change.credential);
      return;
    case 'deleteUser':
      stores.users.delete(change.name);
      return;
    case 'createAcls':
      stores.acls.add(change.acls);
      return;
    case 'deleteAcls':
      stores.acls.remove(change.filter);
  }
}
