/** Turning failures into wire errors, with unexpected ones logged. */
import { BrookError, type WireError } from '../../protocol/index.js';
import { toBrookError } from '../partitions/log-errors.js';
import type { HandlerContext } from './context.js';

/** The error to send for `err`; logs it when it is not one Brook raises on purpose. */
export function wireErrorOf(ctx: HandlerContext, err: unknown, what: string): BrookError {
  const error = toBrookError(err);
  if (error.code === 'UNKNOWN') ctx.logger.error({ err }, `unexpected failure in ${what}`);
  return error;
}

/** A per-topic or per-partition error for a response body, counted as sent. */
export function reportedError(ctx: HandlerContext, err: unknown, what: string): WireError {
  const error = wireErrorOf(ctx, err, what);
  ctx.metrics.errorSent(error.code);
  return error.toWire();
}

/** Throws SHUTTING_DOWN once the broker is stopping. */
export function refuseWhenStopping(ctx: HandlerContext): void {
  if (ctx.isShuttingDown()) throw new BrookError('SHUTTING_DOWN', 'broker is shutting down');
}
