/** How a session counts requests against the client quotas (broker/quota/client-quotas.ts). */
import { BrookError, type RequestOf, type ResponseOf } from '../../protocol/index.js';
import type { SessionContext } from './session-context.js';

/** Counts a fetch answer's records bytes against the fetch quota; returns the throttle time to hold it back by. */
export function fetchThrottleMs(ctx: SessionContext, response: ResponseOf<'fetch'>): number {
  let bytes = 0;
  for (const batch of response.batches) bytes += batch.byteLength;
  return ctx.core.quotas.record('fetch', ctx.quotaEntity(), bytes, ctx.clock.nowMs());
}

/**
 * Counts the partitions a createTopics asks for against the creation quota, or throws QUOTA_EXCEEDED while the quota
 * is spent. As Kafka's controller mutation quota, a request is let through while the rate is within the quota, so one
 * large request is never refused for good; the next ones wait until the window has absorbed it.
 */
export function chargePartitionCreations(
  ctx: Pick<SessionContext, 'core' | 'clock' | 'quotaEntity'>,
  request: RequestOf<'createTopics'>,
): void {
  const { quotas } = ctx.core;
  const entity = ctx.quotaEntity();
  const nowMs = ctx.clock.nowMs();
  const waitMs = quotas.check('partitionCreation', entity, nowMs);
  if (waitMs > 0) {
    throw new BrookError(
      'QUOTA_EXCEEDED',
      `partition creation quota of ${entity.principal} is spent: retry in ${String(waitMs)} ms`,
    );
  }
  let partitions = 0;
  for (const topic of request.topics) partitions += topic.partitions;
  quotas.record('partitionCreation', entity, partitions, nowMs);
}
