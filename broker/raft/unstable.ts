/**
 * The tail of the Raft log that is not on stable storage yet: entries from `offset` on, and possibly a
 * snapshot installed from the leader. `ready()` hands these out; `advance()` marks them stable.
 */
import type { Entry, SnapshotMeta } from './messages.js';

export class Unstable {
  /** Snapshot received from the leader, not yet persisted. */
  snapshot: SnapshotMeta | null = null;
  /** Entries [offset, offset + entries.length). */
  entries: Entry[] = [];
  /** Index of entries[0]. May lie at or below storage's last index: persisting then overwrites storage. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** First log index if a pending snapshot defines it. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === null ? undefined : this.snapshot.index + 1;
  }

  /** Last log index if the unstable part defines it. */
  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === null ? undefined : this.snapshot.index;
  }

  /** Term at `index` if the unstable part holds it. */
  maybeTerm(index: number): number | undefined {
    if (index < this.offset) {
      return this.snapshot !== null && this.snapshot.index === index ? this.snapshot.term : undefined;
    }
    return this.entries[index - this.offset]?.term;
  }

  /**
   * Entries up to (index, term) were persisted. Ignored if the log changed since they were handed out
   * (the entry at `index` was replaced by one of another term, or is gone).
   */
  stableTo(index: number, term: number): void {
    if (index < this.offset || this.maybeTerm(index) !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  /** The snapshot at `index` was persisted. */
  stableSnapTo(index: number): void {
    if (this.snapshot !== null && this.snapshot.index === index) this.snapshot = null;
  }

  /** Drops every entry: the log now starts right after the snapshot. */
  restore(snapshot: SnapshotMeta): void {
    this.offset = snapshot.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  /** Appends `entries` (contiguous, non-empty), first dropping whatever sits at or after entries[0].index. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const after = first.index;
    if (after === this.offset + this.entries.length) {
      this.entries.push(...entries);
    } else if (after <= this.offset) {
      // Replaces everything unstable, and possibly a stable suffix too (overwritten when persisted).
      this.offset = after;
      this.entries = [...entries];
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(entries);
    }
  }

  /** Entries [lo, hi), which must lie within the unstable part. */
  slice(lo: number, hi: number): Entry[] {
    const upper = this.offset + this.entries.length;
    if (lo < this.offset || hi > upper || lo > hi) {
      throw new RangeError(
        `unstable slice [${String(lo)}, ${String(hi)}) out of [${String(this.offset)}, ${String(upper)})`,
      );
    }
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
