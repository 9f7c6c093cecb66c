/** What a session shares with its parts (produce handling, subscriptions). */
import type { Logger } from 'pino';
import { BrookError, type RequestOp } from '../../protocol/index.js';
import type { BrokerCore, SessionLimits } from './broker-api.js';
import type { Clock } from '../clock.js';
import type { FrameWriter } from './frame-writer.js';
import type { QuotaEntity } from '../quota/client-quotas.js';
import type { ThrottleHolds } from './throttle-holds.js';

/** Runs `fn` later, after the current event-loop turn's work (coalescing point for grants and delivery). */
export type Defer = (fn: () => void) => void;

export interface SessionContext {
  readonly core: BrokerCore;
  readonly limits: SessionLimits;
  readonly clock: Clock;
  readonly defer: Defer;
  readonly out: FrameWriter;
  readonly logger: Logger | undefined;
  /** Where answers and credit wait out a quota's throttle time. */
  readonly holds: ThrottleHolds;
  /** Who the connection's quotas are counted for (it changes once, at login). */
  quotaEntity(): QuotaEntity;
}

/** Reports one answered (or failed) request with its duration. */
export function requestDone(ctx: SessionContext, op: RequestOp, startedMs: number): void {
  ctx.core.metrics.requestDone(op, (ctx.clock.nowMs() - startedMs) / 1000);
}

/** The error to put on the wire for whatever a handler threw; anything but a BrookError is logged as a bug. */
export function asBrookError(ctx: SessionContext, err: unknown, what: string): BrookError {
  if (err instanceof BrookError) return err;
  ctx.logger?.error({ err }, `unexpected error in ${what}`);
  return new BrookError('UNKNOWN');
}
