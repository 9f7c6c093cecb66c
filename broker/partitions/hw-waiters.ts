/**
 * Requests waiting for a partition's high watermark to reach an offset: long-poll fetches (until there is data
 * past the fetch offset) and acks=all produces (until their batch is committed). Each waiter has its own timer,
 * cleared when it is satisfied; a partition with nobody waiting holds no timer.
 */

/** How a wait ended. */
export type WaitOutcome = 'reached' | 'timeout' | 'woken' | 'closed';

/** Schedules `fn` after `delayMs`; returns a function that cancels it. */
export type SetTimer = (fn: () => void, delayMs: number) => () => void;

/** Node's setTimeout, unref'd so a waiting request never keeps the process alive by itself. */
export const nodeTimer: SetTimer = (fn, delayMs) => {
  const timer = setTimeout(fn, delayMs);
  timer.unref();
  return () => {
    clearTimeout(timer);
  };
};

interface Waiter {
  readonly target: number;
  readonly settle: (outcome: WaitOutcome) => void;
}

export class HighWatermarkWaiters {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly setTimer: SetTimer = nodeTimer) {}

  /** Requests still waiting. */
  get size(): number {
    return this.waiters.size;
  }

  /**
   * Resolves 'reached' once {@link advanced} reports a high watermark >= `target` (at once if `current` already
   * is), 'timeout' after `timeoutMs`, 'woken' on {@link wakeAll}, 'closed' on {@link closeAll}.
   */
  wait(target: number, current: number, timeoutMs: number): Promise<WaitOutcome> {
    if (current >= target) return Promise.resolve('reached');
    if (timeoutMs <= 0) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        target,
        settle: (outcome) => {
          if (!this.waiters.delete(waiter)) return;
          cancel();
          resolve(outcome);
        },
      };
      this.waiters.add(waiter);
      const cancel = this.setTimer(() => {
        waiter.settle('timeout');
      }, timeoutMs);
    });
  }

  /** The high watermark moved to `highWatermark`: releases every waiter it satisfies. */
  advanced(highWatermark: number): void {
    for (const waiter of this.waiters) if (highWatermark >= waiter.target) waiter.settle('reached');
  }

  /** Releases every waiter early (the broker is stopping: long polls answer with what they have). */
  wakeAll(): void {
    for (const waiter of this.waiters) waiter.settle('woken');
  }

  /** Releases every waiter because the partition is gone. */
  closeAll(): void {
    for (const waiter of this.waiters) waiter.settle('closed');
  }
}
