/**
 * The cluster's quota overrides (`brook quota set`), in the broker's metadata database beside the users and ACLs:
 * changed only by applying metadata log entries in a cluster (in place on a broker without peers), so every broker
 * holds clients to the same rates.
 */
import type Database from 'better-sqlite3';
import { BrookError, type QuotaEntity, type QuotaOverride } from '../../protocol/index.js';
import type { QuotaOverrides, QuotaRates } from './quota-resolution.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS quotas (
  entity TEXT PRIMARY KEY,
  produce_bytes_per_sec INTEGER,
  fetch_bytes_per_sec INTEGER
);
`;

type QuotaRow = [entity: string, produce: number | null, fetch: number | null];

/** One text per entity: user and client id, each null when absent (the default has both null). */
export function entityKey(entity: QuotaEntity): string {
  return JSON.stringify([entity.user ?? null, entity.clientId ?? null]);
}

/** How an entity is named in messages and listings: `user alice`, `client-id etl`, `the default`. */
export function entityName(entity: QuotaEntity): string {
  const parts = [
    ...(entity.user === undefined ? [] : [`user '${entity.user}'`]),
    ...(entity.clientId === undefined ? [] : [`client-id '${entity.clientId}'`]),
  ];
  return parts.length === 0 ? 'the default user' : parts.join(' and ');
}

export class QuotaStore implements QuotaOverrides {
  private readonly overrides = new Map<string, QuotaOverride>();
  private readonly putStmt;
  private readonly deleteStmt;

  /** Creates the table if missing and loads the overrides. Writes happen inside the caller's transactions. */
  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.putStmt = db.prepare<QuotaRow>(
      'INSERT INTO quotas (entity, produce_bytes_per_sec, fetch_bytes_per_sec) VALUES (?, ?, ?) ' +
        'ON CONFLICT (entity) DO UPDATE SET produce_bytes_per_sec = excluded.produce_bytes_per_sec, ' +
        'fetch_bytes_per_sec = excluded.fetch_bytes_per_sec',
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM quotas WHERE entity = ?');
    const rows = db
      .prepare<[], QuotaRow>('SELECT entity, produce_bytes_per_sec, fetch_bytes_per_sec FROM quotas')
      .raw(true)
      .all();
    for (const row of rows) this.remember(fromRow(row));
  }

  /** Every override, in a stable order. */
  list(): QuotaOverride[] {
    return [...this.overrides.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }

  rates(entity: QuotaEntity): QuotaRates | undefined {
    return this.overrides.get(entityKey(entity));
  }

  /** Sets the rates `change` gives on its entity; the entity's other rates are kept. */
  set(change: QuotaOverride): void {
    const merged = { ...this.overrides.get(entityKey(change.entity)), ...change };
    this.putStmt.run(entityKey(merged.entity), merged.produceBytesPerSec ?? null, merged.fetchBytesPerSec ?? null);
    this.remember(merged);
  }

  /** Removes the entity's override. Throws UNKNOWN_QUOTA when it has none. */
  remove(entity: QuotaEntity): void {
    const key = entityKey(entity);
    if (!this.overrides.has(key)) throw new BrookError('UNKNOWN_QUOTA', `no quota is set for ${entityName(entity)}`);
    this.deleteStmt.run(key);
    this.overrides.delete(key);
  }

  private remember(override: QuotaOverride): void {
    const { user, clientId } = override.entity;
    const entity = Object.freeze({
      ...(user === undefined ? {} : { user }),
      ...(clientId === undefined ? {} : { clientId }),
    });
    const { produceBytesPerSec: produce, fetchBytesPerSec: fetch } = override;
    this.overrides.set(
      entityKey(entity),
      Object.freeze({
        entity,
        ...(produce === undefined ? {} : { produceBytesPerSec: produce }),
        ...(fetch === undefined ? {} : { fetchBytesPerSec: fetch }),
      }),
    );
  }
}

function fromRow([key, produce, fetch]: QuotaRow): QuotaOverride {
  // The key was written by entityKey from a checked entity.
  const [user, clientId] = JSON.parse(key) as [string | null, string | null];
  return {
    entity: { ...(user === null ? {} : { user }), ...(clientId === null ? {} : { clientId }) },
    ...(produce === null ? {} : { produceBytesPerSec: produce }),
    ...(fetch === null ? {} : { fetchBytesPerSec: fetch }),
  };
}
