/**
 * Bounded in-flight sends for asynchronous publishers: the sender keeps up to `maxInFlight` records
 * unacknowledged (so the client pipelines freely) and waits for room beyond that (so memory stays bounded).
 */
export class AckWindow {
  private inFlight = 0;
  private failure: Error | undefined;
  private waiter: { ready: () => boolean; resolve: () => void } | undefined;
  private readonly resumeAt: number;

  constructor(private readonly maxInFlight: number) {
    // Resume at half the window, not at the first ack, so the sender wakes once per batch of acks.
    this.resumeAt = Math.max(0, Math.floor(maxInFlight / 2));
  }

  /** Counts one record as sent; resolves when there is room for the next (immediately if there is). */
  sent(): Promise<void> | undefined {
    this.inFlight++;
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.inFlight < this.maxInFlight) return undefined;
    return this.wait(() => this.inFlight <= this.resumeAt);
  }

  /** Counts `count` records as acknowledged. */
  acked(count = 1): void {
    this.inFlight -= count;
    this.wake();
  }

  /** Records a failed send; the sender's next wait rejects with it. */
  failed(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    this.inFlight--;
    this.wake();
  }

  /** Resolves once every sent record is acknowledged; rejects with the first failure. */
  drained(): Promise<void> {
    return this.wait(() => this.inFlight <= 0);
  }

  private async wait(ready: () => boolean): Promise<void> {
    while (this.failure === undefined && !ready()) {
      await new Promise<void>((resolve) => {
        this.waiter = { ready, resolve };
      });
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter === undefined || (this.failure === undefined && !waiter.ready())) return;
    this.waiter = undefined;
    waiter.resolve();
  }
}

/** Splits `records` over `producers` as evenly as possible. */
export function shares(records: number, producers: number): number[] {
  const base = Math.floor(records / producers);
  const extra = records % producers;
  return Array.from({ length: producers }, (_unused, i) => base + (i < extra ? 1 : 0));
}
