/**
 * The Raft log as the core sees it: stable entries read through {@link RaftStorage}, followed by the
 * {@link Unstable} tail, plus the commit and apply cursors.
 */
import { entrySizeBytes } from './messages.js';
import type { Entry, SnapshotMeta } from './messages.js';
import type { RaftStorage } from './storage.js';
import { Unstable } from './unstable.js';

/** Where two logs start to differ, as a (index, term) probe point. */
export interface LogPosition {
  readonly index: number;
  readonly term: number;
}

export class RaftLog {
  readonly storage: RaftStorage;
  readonly unstable: Unstable;
  /** Highest index known committed. */
  committed: number;
  /** Highest index handed to the application as committed (and acknowledged with advance()). */
  applied: number;

  constructor(storage: RaftStorage, committed: number, applied: number) {
    this.storage = storage;
    this.unstable = new Unstable(storage.lastIndex() + 1);
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    if (committed < first - 1 || committed > last) {
      throw new RangeError(`commit ${String(committed)} outside stored log [${String(first - 1)}, ${String(last)}]`);
    }
    if (applied < first - 1 || applied > committed) {
      throw new RangeError(`applied ${String(applied)} outside [${String(first - 1)}, ${String(committed)}]`);
    }
    this.committed = committed;
    this.applied = applied;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term at `index`, or undefined if compacted away or beyond the last index. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    return this.unstable.maybeTerm(index) ?? this.storage.term(index);
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    if (term === undefined) throw new Error(`term of last index ${String(this.lastIndex())} unavailable`);
    return term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: a log is at least as up to date if its last term is higher, or equal with an index >=. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Index of the first of `entries` that is not in this log with the same term (a conflict, or simply a
   * new entry), or 0 if all are already here.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The highest position at or below `index` whose term is <= `term`. Entries above it cannot match a log
   * whose entry at `index` has `term`, so a leader can skip them all at once. Returns term 0 when the
   * answer lies in the compacted prefix.
   */
  findConflictByTerm(index: number, term: number): LogPosition {
    let i = Math.min(index, this.lastIndex());
    for (; i > 0; i--) {
      const ourTerm = this.term(i);
      if (ourTerm === undefined) return { index: i, term: 0 };
      if (ourTerm <= term) return { index: i, term: ourTerm };
    }
    return { index: 0, term: 0 };
  }

  /** Appends contiguous entries, dropping any suffix they replace. Never touches committed entries. */
  append(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    if (first.index - 1 < this.committed) {
      throw new Error(`append at ${String(first.index)} would overwrite committed ${String(this.committed)}`);
    }
    if (first.index > this.lastIndex() + 1) {
      throw new Error(`append at ${String(first.index)} leaves a gap after ${String(this.lastIndex())}`);
    }
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * Entries from `lo` to the end, at most `maxBytes` (at least one). Null if `lo` is compacted away: the
   * follower needs a snapshot.
   */
  entriesFrom(lo: number, maxBytes: number): Entry[] | null {
    if (lo < this.firstIndex()) return null;
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  /** Entries [lo, hi) within [firstIndex, lastIndex + 1], limited to `maxBytes` (at least one). */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    const first = this.firstIndex();
    const last = this.lastIndex();
    if (lo < first || hi > last + 1 || lo > hi) {
      throw new RangeError(`slice [${String(lo)}, ${String(hi)}) out of [${String(first)}, ${String(last + 1)})`);
    }
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    let result: Entry[] = [];
    if (lo < offset) {
      result = this.storage.entries(lo, Math.min(hi, offset), maxBytes);
      // Storage stopped early because of maxBytes: do not add unstable entries after a gap.
      if (result.length < Math.min(hi, offset) - lo) return result;
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      result = result.length === 0 ? tail : result.concat(tail);
    }
    return limitSize(result, maxBytes);
  }

  /** Committed entries not yet applied, limited to `maxBytes` (at least one if any). */
  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= lo) return [];
    return this.slice(lo, this.committed + 1, maxBytes);
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** The snapshot a lagging follower should install: a pending one, else storage's compaction point. */
  snapshot(): SnapshotMeta {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /**
   * Last index up to which this log's entries are on stable storage. A pending snapshot means nothing in
   * this log's view is stable yet (only followers install snapshots, so a leader never sees that case).
   */
  persistedIndex(): number {
    if (this.unstable.snapshot !== null) return 0;
    return this.unstable.offset - 1;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) {
      throw new Error(`commit ${String(index)} beyond last index ${String(this.lastIndex())}`);
    }
    this.committed = index;
  }

  /** Raft §5.4.2: commit `index` only if its entry is from `term` (the leader's current term). */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    if (index > this.committed || index < this.applied) {
      throw new Error(`applied ${String(index)} outside [${String(this.applied)}, ${String(this.committed)}]`);
    }
    this.applied = index;
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index);
  }

  /** Installs a snapshot from the leader: the log restarts right after it, everything up to it committed. */
  restore(snapshot: SnapshotMeta): void {
    this.committed = snapshot.index;
    this.unstable.restore(snapshot);
  }
}

function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === undefined) break;
    total += entrySizeBytes(entry);
    if (total > maxBytes && i > 0) return entries.slice(0, i);
  }
  return entries;
}
