/** Allocates the u32 ids a connection puts on the wire (correlation ids, subscription ids). */

/** The largest id the wire carries (u32); ids wrap back to 1 after it, and 0 is reserved for "no request". */
const MAX_ID = 0xffffffff;

/** Hands out ids in increasing order, wrapping at u32, skipping ids still in use. */
export class IdSequence {
  private next = 1;

  /** @param inUse the ids that are taken right now (the live table the ids key). */
  constructor(private readonly inUse: { has(id: number): boolean }) {}

  /** The next id not in use. */
  take(): number {
    let id = this.next;
    while (this.inUse.has(id)) id = id >= MAX_ID ? 1 : id + 1;
    this.next = id >= MAX_ID ? 1 : id + 1;
    return id;
  }
}
