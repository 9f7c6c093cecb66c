/**
 * The turn order of a consumer's partitions: the ones with records to hand out take turns, batch by batch, so that
 * one busy partition cannot starve the others. Pure: it knows nothing of streams beyond whether one is ready.
 */
export class ReadyRing<S> {
  /** Insertion order is turn order: a Set keeps it and answers membership at once. */
  private readonly members = new Set<S>();

  /** How many are waiting for a turn. */
  get size(): number {
    return this.members.size;
  }

  /** Whether `member` is waiting for a turn. */
  has(member: S): boolean {
    return this.members.has(member);
  }

  /** Puts `member` at the back of the ring unless it is in it already. Returns true if it was added. */
  add(member: S): boolean {
    if (this.members.has(member)) return false;
    this.members.add(member);
    return true;
  }

  /** Takes `member` out of the ring. */
  remove(member: S): void {
    this.members.delete(member);
  }

  /**
   * The member whose turn it is: the first that is still `ready`. Members found not ready on the way leave the ring
   * (they come back through {@link add}); the one returned goes to the back, behind the others.
   */
  next(ready: (member: S) => boolean): S | undefined {
    for (const member of this.members) {
      this.members.delete(member);
      if (!ready(member)) continue;
      this.members.add(member);
      return member;
    }
    return undefined;
  }

  /** Empties the ring. */
  clear(): void {
    this.members.clear();
  }
}
