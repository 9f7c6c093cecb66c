/**
 * Quotas per client: produce and fetch byte rates and the rate of partition creations, each measured per quota
 * entity over a {@link WindowedRate}. Pure: the caller gives the time and decides what a throttle time means (the
 * session delays its answer and holds back credit for produce and fetch; topic creation is refused).
 */
import { WindowedRate, type RateWindow } from './windowed-rate.js';

/** What a quota limits. */
export const QUOTA_KINDS = ['produce', 'fetch', 'partitionCreation'] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];

/** The limit of each kind, per entity and per second (bytes, or partitions); 0: unlimited. */
export type QuotaLimits = Readonly<Record<QuotaKind, number>>;

export interface ClientQuotasOptions {
  readonly limits: QuotaLimits;
  readonly window: RateWindow;
  /** Called for every throttle time above 0 that {@link ClientQuotas.record} or {@link ClientQuotas.check} returns. */
  readonly throttled?: (kind: QuotaKind, principal: string, throttleMs: number) => void;
}

/**
 * Who a quota is counted for. Authenticated connections share the quota of their principal, whatever client ids they
 * give; connections of a broker without users are all `User:ANONYMOUS`, so their client id tells them apart (Kafka's
 * user and client-id quotas, without the combinations).
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

  /** Whether quotas of `kind` are enforced at all (callers skip the accounting when not). */
  enforces(kind: QuotaKind): boolean {
    return this.options.limits[kind] > 0;
  }

  /**
   * Adds `amount` to the entity's rate of `kind` at `nowMs` and returns how long, in ms, the client must now be held
   * back for its rate to fall back to its quota (0: within it, or no quota of that kind).
   */
  record(kind: QuotaKind, entity: QuotaEntity, amount: number, nowMs: number): number {
    const quota = this.options.limits[kind];
    if (quota <= 0) return 0;
    this.prune(nowMs);
    const key = this.key(kind, entity);
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
    const quota = this.options.limits[kind];
    if (quota <= 0) return 0;
    const rate = this.rates.get(this.key(kind, entity));
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

  private key(kind: QuotaKind, entity: QuotaEntity): string {
    const who = entity.principal === this.anonymous ? `client-id:${entity.clientId}` : entity.principal;
    return `${kind} ${who}`;
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
