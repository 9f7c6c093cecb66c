/**
 * Changes to the cluster's users, ACLs and quota overrides, as entries of the metadata log (a `security` metadata command carries one) or, on a
 * broker without peers, applied in place. A change carries its outcome (the credential is derived by the client), so
 * applying it is deterministic on every broker.
 */
import type { AclBinding, AclFilter, QuotaEntity, QuotaOverride, ScramCredential } from '../../protocol/index.js';
import type { QuotaStore } from '../quota/quota-store.js';
import type { AclStore } from './acl-store.js';
import type { UserStore } from './user-store.js';

export type SecurityChange =
  /** Creates a user or replaces its credential. */
  | { readonly kind: 'putUser'; readonly name: string; readonly credential: ScramCredential }
  | { readonly kind: 'deleteUser'; readonly name: string }
  | { readonly kind: 'createAcls'; readonly acls: readonly AclBinding[] }
  /** Deletes the bindings the filter matches, on every broker alike. */
  | { readonly kind: 'deleteAcls'; readonly filter: AclFilter }
  /** Sets the rates the override gives on its entity (`brook quota set`). */
  | { readonly kind: 'setQuota'; readonly quota: QuotaOverride }
  | { readonly kind: 'removeQuota'; readonly entity: QuotaEntity };

/** The stores a security change applies to. */
export interface SecurityStores {
  readonly users: UserStore;
  readonly acls: AclStore;
  readonly quotas: QuotaStore;
}

/** Applies one change; throws BrookError (UNKNOWN_USER, UNKNOWN_QUOTA) when it cannot be, on every broker alike. */
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
      return;
    case 'setQuota':
      stores.quotas.set(change.quota);
      return;
    case 'removeQuota':
      stores.quotas.remove(change.entity);
  }
}
