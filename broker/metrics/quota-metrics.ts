/**
 * Client quota metrics (broker/quota/): how often and how long clients were held back, by quota and principal. The
 * principal label is bounded by the cluster's users (anonymous clients are all `User:ANONYMOUS`, whatever client id
 * they give), so a client cannot grow the page.
 */
import { Counter, type Registry } from 'prom-client';
import type { QuotaKind } from '../quota/client-quotas.js';

export class QuotaMetrics {
  private readonly throttled: Counter<'quota' | 'principal'>;
  private readonly throttleMs: Counter<'quota' | 'principal'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['quota', 'principal'] as const;
    this.throttled = new Counter({
      name: 'brook_quota_throttled_total',
      help:
        'Requests and push deliveries past a quota: produce and fetch answers held back, createTopics refused ' +
        'with QUOTA_EXCEEDED.',
      labelNames,
      registers,
    });
    this.throttleMs = new Counter({
      name: 'brook_quota_throttle_ms_total',
      help: 'Throttle time given to clients past a quota, in milliseconds.',
      labelNames,
      registers,
    });
  }

  /** One request held back (or refused) for `throttleMs`. */
  record(quota: QuotaKind, principal: string, throttleMs: number): void {
    this.throttled.inc({ quota, principal });
    this.throttleMs.inc({ quota, principal }, throttleMs);
  }
}
