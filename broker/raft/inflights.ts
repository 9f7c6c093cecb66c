/**
 * Flow control for one follower: the last indices of append messages sent but not yet acknowledged, in a
 * ring buffer of at most `capacity`. When it is full the leader stops sending to that follower until acks
 * free room. The buffer grows on demand, so thousands of idle groups cost next to nothing.
 */
export class Inflights {
  private buffer: number[] = [];
  private start = 0;
  private size = 0;

  /** @param capacity maximum append messages in flight to one follower. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`inflight capacity must be a positive integer, got ${String(capacity)}`);
    }
  }

  /** Records a message whose last entry is `lastIndex` (indices must be added in increasing order). */
  add(lastIndex: number): void {
    if (this.full()) throw new Error('cannot add to full inflights');
    if (this.size === this.buffer.length) this.grow();
    this.buffer[(this.start + this.size) % this.buffer.length] = lastIndex;
    this.size++;
  }

  /** Frees every message whose last index is <= `index` (they were acknowledged). */
  freeLE(index: number): void {
    while (this.size > 0 && (this.buffer[this.start] ?? Infinity) <= index) {
      this.start = (this.start + 1) % this.buffer.length;
      this.size--;
    }
    if (this.size === 0) this.start = 0;
  }

  /** Frees the oldest message: a heartbeat answer shows the follower is alive though an ack was lost. */
  freeFirstOne(): void {
    if (this.size === 0) return;
    this.start = (this.start + 1) % this.buffer.length;
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

  private grow(): void {
    const length = Math.min(this.capacity, Math.max(4, this.buffer.length * 2));
    const next = new Array<number>(length).fill(0);
    for (let i = 0; i < this.size; i++) next[i] = this.buffer[(this.start + i) % this.buffer.length] ?? 0;
    this.buffer = next;
    this.start = 0;
  }
}
