/**
 * Quota administration: produce and fetch byte rates per user, client id, both, or a default for every user, kept in
 * the metadata log so every broker applies them. A client is held by the most specific quota set (Kafka's order:
 * user and client id, user, client id, the default, then the broker's `--quota-*-bytes-per-sec`).
 */
import type { QuotaEntity, QuotaOverride } from '../protocol/index.js';
import type { Connection } from './connection.js';

/** Sends an admin request to the controller, retrying retriable errors (AdminCore's). */
type ControllerRequest = <R>(send: (connection: Connection) => Promise<R>) => Promise<R>;

/** The rates {@link QuotaAdmin.setQuota} sets: bytes per second, 0 for no limit; a rate not given is kept. */
export interface QuotaRates {
  readonly produceBytesPerSec?: number;
  readonly fetchBytesPerSec?: number;
}

export class QuotaAdmin {
  constructor(private readonly controllerRequest: ControllerRequest) {}

  /** Sets the rates given for `entity` (`{ user }`, `{ clientId }`, both, or `{}` for the default of every user). */
  async setQuota(entity: QuotaEntity, rates: QuotaRates): Promise<void> {
    await this.controllerRequest((c) => c.request('setQuota', { entity, ...rates }));
  }

  /** Every quota override of the cluster. */
  async listQuotas(): Promise<QuotaOverride[]> {
    return (await this.controllerRequest((c) => c.request('listQuotas', {}))).quotas;
  }

  /** Removes the rates of `entity`; rejects with UNKNOWN_QUOTA when it has none. */
  async removeQuota(entity: QuotaEntity): Promise<void> {
    await this.controllerRequest((c) => c.request('removeQuota', { entity }));
  }
}
