/**
 * The produce window (protocol rule 6): the bytes of produce requests a connection may have in flight. hello grants
 * the window; each produce spends the sum of its batches' records bytes; `grant` pushes give bytes back. Pure: no
 * timers, no I/O. Waiters are served in order, so a large request is not starved by small ones.
 */
import { BrookError } from '../protocol/index.js';

interface Waiter {
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class ProduceWindow {
  private capacity = 0;
  private available = 0;
  private open = false;
  private readonly waiters: Waiter[] = [];

  /** The window the broker granted at hello, in bytes (0 before the first hello). */
  get capacityBytes(): number {
    return this.capacity;
  }

  /** Bytes that may be sent now. */
  get availableBytes(): number {
    return this.available;
  }

  /** Requests waiting for room. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** A new session began with a fresh window of `capacityBytes`: nothing of it is in flight. */
  reset(capacityBytes: number): void {
    this.capacity = capacityBytes;
    this.available = capacityBytes;
    this.open = true;
    this.wake();
  }

  /** The session ended: whatever was in flight is gone with it, and waiters fail with `error` (retriable). */
  disconnect(error: BrookError): void {
    this.open = false;
    this.available = 0;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** Takes `bytes` at once if they fit and nobody is waiting ahead; returns whether it did. */
  tryAcquire(bytes: number): boolean {
    if (!this.open || this.waiters.length > 0 || !this.fits(bytes)) return false;
    this.available -= bytes;
    return true;
  }

  /** Resolves once `bytes` have been taken from the window; rejects if the session ends first. */
  acquire(bytes: number): Promise<void> {
    if (this.tryAcquire(bytes)) return Promise.resolve();
    if (!this.open) return Promise.reject(new BrookError('NETWORK_ERROR', 'not connected'));
    return new Promise((resolve, reject) => {
      this.waiters.push({ bytes, resolve, reject });
    });
  }

  /** The broker gave `bytes` back (a `grant` push), or a request it never counted returns its bytes unspent. */
  release(bytes: number): void {
    if (!this.open) return;
    // Never above the window: a grant for bytes already returned locally must not inflate it.
    this.available = Math.min(this.capacity, this.available + bytes);
    this.wake();
  }

  /** A request larger than the whole window may go alone once the window is completely free. */
  private fits(bytes: number): boolean {
    return bytes <= this.available || (this.available === this.capacity && this.capacity > 0);
  }

  private wake(): void {
    while (this.open && this.waiters.length > 0) {
      const head = this.waiters[0];
      if (head === undefined || !this.fits(head.bytes)) return;
      this.waiters.shift();
      this.available -= head.bytes;
      head.resolve();
    }
  }
}
