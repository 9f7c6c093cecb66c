/**
 * The quota and resource-limit rows of the broker config table (config-fields.ts spreads them in place):
 * per-client rates (docs/security.md, Quotas) and broker-wide caps on what clients can make the broker hold.
 */
import { integerField, type ConfigField } from './config-kinds.js';

/** Upper bound of a rate flag: far past any link, but within exact integer arithmetic. */
const MAX_RATE = 2 ** 40;

export const LIMITS_CONFIG_FIELDS = {
  quotaProduceBytesPerSec: integerField({
    doc:
      'produce bytes per second per user (per client id without users); past it the broker delays the answer and ' +
      "the window's credit by the throttle time (nothing is dropped); 0: no quota",
    default: 0,
    min: 0,
    max: MAX_RATE,
  }),
  quotaFetchBytesPerSec: integerField({
    doc: 'the same for fetched and pushed bytes: fetch answers and push delivery are held back by the throttle time',
    default: 0,
    min: 0,
    max: MAX_RATE,
  }),
  quotaPartitionCreationsPerSec: integerField({
    doc:
      'partitions a user (client id without users) may create per second, over the quota window; beyond it ' +
      '`createTopics` is refused with QUOTA_EXCEEDED naming the wait; 0: no limit',
    default: 100,
    min: 0,
    max: 1_000_000,
  }),
  quotaWindowSamples: integerField({
    doc: "rates are measured over this many samples (Kafka's `quota.window.num`)",
    default: 11,
    min: 2,
    max: 1000,
  }),
  quotaSampleMs: integerField({
    doc: "the length of one sample (Kafka's `quota.window.size.seconds`); the longest throttle is the whole window",
    default: 1000,
    min: 10,
    max: 3_600_000,
    unit: 'ms',
  }),
  maxPartitions: integerField({
    doc: 'partitions the cluster may hold, internal topics included; a `createTopics` past it is refused with LIMIT_EXCEEDED',
    default: 5000,
    min: 1,
    max: 10_000_000,
  }),
  maxSubscriptionsPerConnection: integerField({
    doc: 'live push subscriptions one connection may hold; a `subscribe` past it is refused with LIMIT_EXCEEDED',
    default: 10_000,
    min: 1,
    max: 10_000_000,
  }),
} as const satisfies Record<string, ConfigField<unknown>>;
