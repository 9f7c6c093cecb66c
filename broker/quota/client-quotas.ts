/**
 * Quotas per client: produce and fetch byte rates and the rate of partition creations, each measured per quota
 * entity over a {@link WindowedRate}. Pure: the caller gives the time and decides what a throttle time means (the
 * session delays its answer and holds back credit for produce and fetch; topic creation is refused).
 */
import { resolveQuota, type QuotaOverrides, type ResolvedQuota } from './quota-resolution.js';
import { WindowedRate, type RateWindow } from './windowed-rate.js';

/** What a quota limits. */
export const QUOTA_KINDS = ['produce', 'fetch', 'partitionCreation'] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];

/** The broker's limit of each kind, per entity and per second (bytes, or partitions); 0: unlimited. */
export type QuotaLimits = Readonly<Record<QuotaKind, number>>;

export interface ClientQuotasOptions {
  readonly limits: QuotaLimits;
  readonly window: RateWindow;
  /**
   * Per user and client id overrides of the produce and fetch limits (`brook quota set`, read on every request: they
   * change while clients run). Default: none.
   */
  readonly overrides?: QuotaOverrides;
  /** Called for every throttle time above 0 that {@link ClientQuotas.record} or {@link ClientQuotas.check} returns. */
  readonly throttled?: (kind: QuotaKind, principal: string, throttleMs: number) => void;
}

/**
 * Who a quota is counted for. Without overrides, authenticated connections share the quota of their principal,
 * whatever client ids they give; connections of a broker without users are all `User:ANONYMOUS`, so their client id
 * tells them apart. Overrides follow Kafka's user and client-id entities (quota-resolution.ts).
 */
export interface QuotaEntity {
  readonly principal: string;
  readonly clientId: string;
}

export class ClientQuotas {
  private readonly rates = new Map<string, WindowedRate>();
  private lastPruneMs = -Infinity;

  /**
   * @param anonymous the principal of connections that did not log in (their quota goes by client id).
   */
  constructor(
    private readonly options: ClientQuotasOptions,
    private readonly anonymous: string,
  ) {}

  /**
   * Adds `amount` to the entity's rate of `kind` at `nowMs` and returns how long, in ms, the client must now be held
   * back for its rate to fall back to its quota (0: within it, or no quota of that kind).
   */
  record(kind: QuotaKind, entity: QuotaEntity, amount: number, nowMs: number): number {
    const { limit: quota, key } = this.resolve(kind, entity);
    if (quota <= 0) return 0;
    this.prune(nowMs);
    let rate = this.rates.get(key);
    if (rate === undefined) {
      rate = new WindowedRate(this.options.window);
      this.rates.set(key, rate);
    }
    rate.record(amount, nowMs);
    return this.report(kind, entity, rate.throttleMs(quota, nowMs));
  }

  /** How long the entity must wait before its next use of `kind`, without recording anything (0: it may go now). */
  check(kind: QuotaKind, entity: QuotaEntity, nowMs: number): number {
    const { limit: quota, key } = this.resolve(kind, entity);
    if (quota <= 0) return 0;
    const rate = this.rates.get(key);
    return rate === undefined ? 0 : this.report(kind, entity, rate.throttleMs(quota, nowMs));
  }

  /** Entities tracked now (for tests: idle ones are forgotten). */
  get size(): number {
    return this.rates.size;
  }

  private report(kind: QuotaKind, entity: QuotaEntity, throttleMs: number): number {
    if (throttleMs > 0) this.options.throttled?.(kind, entity.principal, throttleMs);
    return throttleMs;
  }

  /** The limit that holds `entity` and the key of the rate it is counted in (one rate per kind and key). */
  private resolve(kind: QuotaKind, entity: QuotaEntity): ResolvedQuota {
    const { limits, overrides } = this.options;
    const anonymous = entity.principal === this.anonymous;
    if (kind === 'partitionCreation' || overrides === undefined) {
      const who = anonymous ? `client-id:${entity.clientId}` : entity.principal;
      return { limit: limits[kind], key: `${kind} ${who}` };
    }
    const user = entity.principal.slice(entity.principal.indexOf(':') + 1);
    const resolved = resolveQuota(kind, { user, clientId: entity.clientId, anonymous }, overrides, limits[kind]);
    return { limit: resolved.limit, key: `${kind} ${resolved.key}` };
  }

  /** Forgets entities with nothing left in their window, at most once a window, so memory follows active clients. */
  private prune(nowMs: number): void {
    const windowMs = this.options.window.samples * this.options.window.sampleMs;
    if (nowMs - this.lastPruneMs < windowMs) return;
    this.lastPruneMs = nowMs;
    for (const [key, rate] of this.rates) if (rate.isIdle(nowMs)) this.rates.delete(key);
  }
}

/** Quotas that limit nothing (embedders and tests that do not exercise quotas). */
export const NO_QUOTAS = new ClientQuotas(
  { limits: { produce: 0, fetch: 0, partitionCreation: 0 }, window: { samples: 2, sampleMs: 1000 } },
  '',
);
