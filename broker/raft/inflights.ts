/**
 * Flow control for one follower: the last indices of append messages sent but not yet acknowledged, in a
 * fixed-size ring buffer. When it is full the leader stops sending to that follower until acks free room.
 */
export class Inflights {
  private readonly buffer: number[];
  private start = 0;
  private size = 0;

  /** @param capacity maximum append messages in flight to one follower. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`inflight capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.buffer = new Array<number>(capacity).fill(0);
  }

  /** Records a message whose last entry is `lastIndex` (indices must be added in increasing order). */
  add(lastIndex: number): void {
    if (this.full()) throw new Error('cannot add to full inflights');
    this.buffer[(this.start + this.size) % this.capacity] = lastIndex;
    this.size++;
  }

  /** Frees every message whose last index is <= `index` (they were acknowledged). */
  freeLE(index: number): void {
    while (this.size > 0 && (this.buffer[this.start] ?? Infinity) <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.size--;
    }
    if (this.size === 0) this.start = 0;
  }

  /** Frees the oldest message: a heartbeat answer shows the follower is alive though an ack was lost. */
  freeFirstOne(): void {
    if (this.size === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
  }

  full(): boolean {
    return this.size === this.capacity;
  }

  count(): number {
    return this.size;
  }

  reset(): void {
    this.start = 0;
    this.size = 0;
  }
}
