/**
 * The two queues of a connection's requests: those waiting for a session to be established ({@link SessionWaiters}),
 * and those sent and waiting for their response ({@link InFlightRequests}), keyed by correlation id. Each entry owns
 * a timer, so a request settles exactly once: by its outcome, its timeout, or the end of the session.
 */
import { BrookError, requests, type RequestOp, type ResponseOf } from '../protocol/index.js';
import type { Clock, TimerHandle } from './clock.js';
import { IdSequence } from './connection-ids.js';

interface InFlight {
  readonly op: RequestOp;
  readonly resolve: (body: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: TimerHandle;
}

/** Requests sent on the current session and waiting for a response, with their per-request timeouts. */
export class InFlightRequests {
  private readonly entries = new Map<number, InFlight>();
  private readonly ids = new IdSequence(this.entries);

  /**
   * @param clock runs the per-request timeouts.
   * @param peerName names the broker in timeout messages (read when the timeout fires).
   */
  constructor(
    private readonly clock: Clock,
    private readonly peerName: () => string,
  ) {}

  /** A correlation id no request in flight uses (also for requests sent without expecting a response). */
  takeCorrelationId(): number {
    return this.ids.take();
  }

  /**
   * Registers a request about to be sent and returns its correlation id. It rejects with REQUEST_TIMED_OUT unless
   * settled within `timeoutMs`.
   */
  add<K extends RequestOp>(
    op: K,
    timeoutMs: number,
    resolve: (response: ResponseOf<K>) => void,
    reject: (error: Error) => void,
  ): number {
    const correlationId = this.takeCorrelationId();
    const timer = this.clock.setTimeout(() => {
      if (this.entries.delete(correlationId)) {
        reject(
          new BrookError(
            'REQUEST_TIMED_OUT',
            `${op} to ${this.peerName()} got no response within ${String(timeoutMs)} ms`,
          ),
        );
      }
    }, timeoutMs);
    this.entries.set(correlationId, { op, resolve: resolve as (body: unknown) => void, reject, timer });
    return correlationId;
  }

  /**
   * Resolves the request a response answers, with the body parsed by the op's response schema (a body that does not
   * parse rejects that request). A response nobody waits for (timed out, or stray) is ignored.
   */
  resolve(correlationId: number, op: RequestOp, body: unknown): void {
    const entry = this.entries.get(correlationId);
    if (entry === undefined || entry.op !== op) return;
    this.entries.delete(correlationId);
    this.clock.clearTimeout(entry.timer);
    try {
      entry.resolve(requests[op].response.parse(body, ''));
    } catch (err: unknown) {
      entry.reject(BrookError.from(err));
    }
  }

  /** Rejects the request an error response answers (ignored if nobody waits for it). */
  reject(correlationId: number, error: BrookError): void {
    const entry = this.entries.get(correlationId);
    if (entry === undefined) return;
    this.entries.delete(correlationId);
    this.clock.clearTimeout(entry.timer);
    entry.reject(error);
  }

  /** Rejects every request in flight (the session ended). */
  failAll(error: BrookError): void {
    for (const [id, entry] of this.entries) {
      this.entries.delete(id);
      this.clock.clearTimeout(entry.timer);
      entry.reject(error);
    }
  }
}

interface Waiter {
  send(): void;
  fail(error: Error): void;
}

/** Work waiting for a session: released in order once one is up, or failed by its timeout or a final close. */
export class SessionWaiters {
  private readonly waiters = new Set<Waiter>();

  /** @param clock runs the waiting timeouts. */
  constructor(private readonly clock: Clock) {}

  /**
   * Runs `go` when {@link release} is called, or rejects: with `timedOut()` after `timeoutMs`, or with the error
   * given to {@link failAll}.
   */
  add(timeoutMs: number, go: () => void, reject: (error: Error) => void, timedOut: () => Error): void {
    const waiter: Waiter = {
      send: () => {
        this.clock.clearTimeout(timer);
        go();
      },
      fail: (error) => {
        this.clock.clearTimeout(timer);
        reject(error);
      },
    };
    const timer = this.clock.setTimeout(() => {
      this.waiters.delete(waiter);
      reject(timedOut());
    }, timeoutMs);
    this.waiters.add(waiter);
  }

  /** A session is up: runs every waiter, in the order they were added. */
  release(): void {
    for (const waiter of [...this.waiters]) {
      this.waiters.delete(waiter);
      waiter.send();
    }
  }

  /** The connection closed for good: rejects every waiter with `error`. */
  failAll(error: Error): void {
    for (const waiter of [...this.waiters]) waiter.fail(error);
    this.waiters.clear();
  }
}
