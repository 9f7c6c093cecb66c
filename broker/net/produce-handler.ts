/**
 * A session's produce path: the connection's window (THROTTLED beyond it), oversized batches, the call to the core,
 * the response (none for acks=0) and the grants, coalesced into one push per event-loop turn.
 */
import { BrookError, type RequestOf } from '../../protocol/index.js';
import { ProduceWindow } from './produce-window.js';
import { produceCost, refuseAll, splitOversized } from './produce-request.js';
import { asBrookError, requestDone, type SessionContext } from './session-context.js';

export class ProduceHandler {
  private readonly window: ProduceWindow;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private grantScheduled = false;
  private draining = false;

  constructor(private readonly ctx: SessionContext) {
    this.window = new ProduceWindow(ctx.limits.produceWindowBytes);
  }

  /** Handles one validated produce request. */
  handle(correlationId: number, request: RequestOf<'produce'>, startedMs: number): void {
    const cost = produceCost(request);
    if (this.draining) {
      this.refuse(correlationId, request, cost, new BrookError('SHUTTING_DOWN'), startedMs);
    } else if (!this.window.tryAcquire(cost)) {
      this.ctx.core.metrics.produceThrottled();
      const error = new BrookError(
        'THROTTLED',
        `produce of ${String(cost)} bytes exceeds the window (${String(this.window.inFlightBytes)} of ${String(this.window.windowBytes)} in flight)`,
      );
      this.refuse(correlationId, request, cost, error, startedMs);
    } else {
      this.inFlight++;
      void this.run(correlationId, request, cost, startedMs);
    }
  }

  /** Refuses new produce requests (SHUTTING_DOWN) and resolves once the admitted ones are done. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(
    correlationId: number,
    request: RequestOf<'produce'>,
    cost: number,
    startedMs: number,
  ): Promise<void> {
    const { forward, refused } = splitOversized(request, this.ctx.limits.maxMessageBytes);
    for (let i = 0; i < refused.length; i++) this.ctx.core.metrics.errorSent('MESSAGE_TOO_LARGE');
    try {
      const response = forward === null ? { partitions: [] } : await this.ctx.core.handlers.produce(forward);
      if (request.acks !== 0) {
        this.ctx.out.respond('produce', correlationId, {
          partitions: refused.length === 0 ? response.partitions : [...response.partitions, ...refused],
        });
      }
    } catch (err: unknown) {
      const error = asBrookError(this.ctx, err, 'produce');
      if (request.acks !== 0) this.ctx.out.fail(correlationId, error);
      else this.ctx.logger?.debug({ code: error.code }, 'acks=0 produce failed');
    } finally {
      this.window.release(cost);
      this.scheduleGrant();
      requestDone(this.ctx, 'produce', startedMs);
      this.inFlight--;
      if (this.inFlight === 0) this.wakeIdleWaiters();
    }
  }

  private refuse(
    correlationId: number,
    request: RequestOf<'produce'>,
    cost: number,
    error: BrookError,
    startedMs: number,
  ): void {
    this.ctx.core.metrics.errorSent(error.code);
    if (request.acks !== 0) this.ctx.out.respond('produce', correlationId, refuseAll(request, error));
    this.window.refund(cost);
    this.scheduleGrant();
    requestDone(this.ctx, 'produce', startedMs);
  }

  private scheduleGrant(): void {
    if (this.grantScheduled || this.window.pendingGrantBytes === 0) return;
    this.grantScheduled = true;
    this.ctx.defer(() => {
      this.grantScheduled = false;
      const bytes = this.window.takeGrant();
      if (bytes > 0) this.ctx.out.push('grant', { bytes });
    });
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
