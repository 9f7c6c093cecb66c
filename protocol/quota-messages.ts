/**
 * Client quota overrides on the wire (docs/security.md, "Quotas"): produce and fetch byte rates per user, per client
 * id, per user and client id, or a default for every user, stored in the metadata log. As in Kafka, a client's quota
 * is the most specific one set: user and client id, then user, then client id, then the default, then the broker's
 * `--quota-*-bytes-per-sec`.
 */
import { array, int, object, optional, str, type Infer } from './schema.js';

/** Who an override applies to: `user`, `clientId`, both, or neither (the default of every user). */
export const quotaEntity = object({
  /** A user name (without `User:`); `ANONYMOUS` is the principal of connections on a broker without users. */
  user: optional(str({ maxLength: 256, pattern: /^./s })),
  clientId: optional(str({ maxLength: 255, pattern: /^./s })),
});
export type QuotaEntity = Infer<typeof quotaEntity>;

const bytesPerSec = optional(int({ min: 0 }));

/** An override: the rates it sets (absent: the next, less specific, level decides; 0: no limit). */
export const quotaOverride = object({
  entity: quotaEntity,
  produceBytesPerSec: bytesPerSec,
  fetchBytesPerSec: bytesPerSec,
});
export type QuotaOverride = Infer<typeof quotaOverride>;

/** Sets the rates given (others the entity has are kept). */
export const setQuotaRequest = quotaOverride;
export const listQuotasResponse = object({ quotas: array(quotaOverride) });
/** Removes every rate the entity has. */
export const removeQuotaRequest = object({ entity: quotaEntity });
