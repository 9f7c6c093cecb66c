/**
 * A session's produce path: the connection's window (THROTTLED beyond it), oversized batches, the call to the core,
 * the response (none for acks=0) and the grants, coalesced into one push per event-loop turn; both held back by the
 * produce quota's throttle time.
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
    const answer = await this.append(correlationId, request);
    const { core, clock } = this.ctx;
    const throttleTimeMs = core.quotas.record('produce', this.ctx.quotaEntity(), cost, clock.nowMs());
    // Over its quota, the client waits for both its answer and its window (Kafka's throttle): it cannot send more
    // than the window ahead, and nothing it sent is dropped.
    this.ctx.holds.after(throttleTimeMs, () => {
      answer(throttleTimeMs);
      this.window.release(cost);
      this.scheduleGrant();
      requestDone(this.ctx, 'produce', startedMs);
      this.inFlight--;
      if (this.inFlight === 0) this.wakeIdleWaiters();
    });
  }

  /** Appends what the request may append; resolves with what sends its answer (nothing for acks=0). */
  private async append(
    correlationId: number,
    request: RequestOf<'produce'>,
  ): Promise<(throttleTimeMs: number) => void> {
    const { forward, refused } = splitOversized(request, this.ctx.limits.maxMessageBytes);
    for (let i = 0; i < refused.length; i++) this.ctx.core.metrics.errorSent('MESSAGE_TOO_LARGE');
    try {
      const response = forward === null ? { partitions: [] } : await this.ctx.core.handlers.produce(forward);
      return (throttleTimeMs) => {
        if (request.acks === 0) return;
        const partitions = refused.length === 0 ? response.partitions : [...response.partitions, ...refused];
        this.ctx.out.respond(
          'produce',
          correlationId,
          throttleTimeMs > 0 ? { partitions, throttleTimeMs } : { partitions },
        );
      };
    } catch (err: unknown) {
      const error = asBrookError(this.ctx, err, 'produce');
      return () => {
        if (request.acks !== 0) this.ctx.out.fail(correlationId, error);
        else this.ctx.logger?.debug({ code: error.code }, 'acks=0 produce failed');
      };
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
