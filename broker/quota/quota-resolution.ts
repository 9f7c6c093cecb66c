/**
 * Which byte-rate quota holds a client, and whose rate it is counted in: Kafka's order of quota entities, most specific
 * first (user and client id, user, client id, the default user), then the broker's `--quota-*-bytes-per-sec`. Pure.
 *
 * A quota is shared by every client it matches at the level it was set: a user's quota by all of the user's
 * connections, a client id's by every connection that gives it (of any user), a user-and-client-id quota by that
 * pair only. A default, as the broker's own, is counted per user (per client id for connections that did not log in:
 * they are all `User:ANONYMOUS`).
 */
import type { QuotaEntity } from '../../protocol/index.js';

/** The byte rates an override sets (absent: not set at that level; 0: no limit). */
export interface QuotaRates {
  readonly produceBytesPerSec?: number;
  readonly fetchBytesPerSec?: number;
}

/** Looks an override up by its exact entity. */
export interface QuotaOverrides {
  rates(entity: QuotaEntity): QuotaRates | undefined;
}

/** The byte-rate quotas that overrides can set. */
export type ByteQuotaKind = 'produce' | 'fetch';

/** Who is asking: the user name (principal without `User:`) and the client id of the connection's hello. */
export interface QuotaClient {
  readonly user: string;
  readonly clientId: string;
  /** Did not log in: the default is counted per client id, not for the one shared principal. */
  readonly anonymous: boolean;
}

/** The quota that holds a client (bytes per second; 0: none) and the rate it is counted in. */
export interface ResolvedQuota {
  readonly limit: number;
  /** Clients with the same key share one rate. */
  readonly key: string;
}

const FIELD = { produce: 'produceBytesPerSec', fetch: 'fetchBytesPerSec' } as const;

/** Resolves `kind` for `client`: the first level that sets it, else `brokerDefault`. */
export function resolveQuota(
  kind: ByteQuotaKind,
  client: QuotaClient,
  overrides: QuotaOverrides,
  brokerDefault: number,
): ResolvedQuota {
  const { user, clientId } = client;
  const levels: readonly [QuotaEntity, string][] = [
    [{ user, clientId }, JSON.stringify(['user+client-id', user, clientId])],
    [{ user }, JSON.stringify(['user', user])],
    [{ clientId }, JSON.stringify(['client-id', clientId])],
  ];
  for (const [entity, key] of levels) {
    const limit = overrides.rates(entity)?.[FIELD[kind]];
    if (limit !== undefined) return { limit, key };
  }
  const own = client.anonymous ? JSON.stringify(['client-id', clientId]) : JSON.stringify(['user', user]);
  return { limit: overrides.rates({})?.[FIELD[kind]] ?? brokerDefault, key: own };
}
