/**
 * The tail of a Raft log kept in memory: for the last few thousand entries their term and offsets, and for
 * the most recent ones (up to a byte budget) the entries themselves, so that a leader answering followers
 * that are a little behind reads neither SQLite nor re-encodes batches.
 */
import { entrySizeBytes, type Entry } from '../raft/messages.js';

/** A cached entry with the offsets its row got. `entry` is null once dropped for the byte budget. */
export interface CachedEntry {
  readonly index: number;
  readonly term: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  entry: Entry | null;
}

/** Bounds of an {@link EntryCache}. */
export interface EntryCacheLimits {
  /** Most entries whose term and offsets are kept. */
  readonly maxEntries: number;
  /** Most bytes (as {@link entrySizeBytes} counts them) of entries kept whole. */
  readonly maxBytes: number;
}

/** Consecutive entries ending at the last stored one. */
export class EntryCache {
  private items: CachedEntry[] = [];
  private head = 0;
  /** Position in `items` of the first entry still held whole. */
  private dataHead = 0;
  private bytes = 0;

  constructor(private readonly limits: EntryCacheLimits) {}

  /** Index of the first cached entry, or null when empty. */
  get firstIndex(): number | null {
    return this.items[this.head]?.index ?? null;
  }

  /** Index of the last cached entry, or null when empty. */
  get lastIndex(): number | null {
    return this.items.at(-1)?.index ?? null;
  }

  /** Index of the first entry held whole, or null when none is. */
  get firstWholeIndex(): number | null {
    return this.items[this.dataHead]?.index ?? null;
  }

  /** The cached entry at `index`, if any. */
  at(index: number): CachedEntry | undefined {
    const first = this.firstIndex;
    return first === null || index < first ? undefined : this.items[this.head + index - first];
  }

  /** Forgets everything. */
  clear(): void {
    this.items = [];
    this.head = this.dataHead = this.bytes = 0;
  }

  /** Forgets entries with index >= `index` (a truncated suffix). */
  truncateFrom(index: number): void {
    const first = this.firstIndex;
    if (first === null || index > (this.lastIndex ?? 0)) return;
    const keep = Math.max(this.head, this.head + index - first);
    for (let i = keep; i < this.items.length; i++) this.bytes -= sizeOf(this.items[i]);
    this.items.length = keep;
    this.dataHead = Math.min(this.dataHead, keep);
  }

  /** Forgets entries with index <= `index` (compacted by retention). */
  dropThrough(index: number): void {
    while (this.head < this.items.length && (this.items[this.head]?.index ?? Infinity) <= index) this.dropHead();
    this.dataHead = Math.max(this.dataHead, this.head);
    this.compact();
  }

  /** Appends an entry; it must follow the last cached one (else the cache restarts with it). */
  push(item: CachedEntry): void {
    const last = this.lastIndex;
    if (last !== null && item.index !== last + 1) this.clear();
    this.items.push(item);
    this.bytes += sizeOf(item);
    while (this.bytes > this.limits.maxBytes && this.dataHead < this.items.length) {
      const oldest = this.items[this.dataHead];
      if (oldest !== undefined) {
        this.bytes -= sizeOf(oldest);
        oldest.entry = null;
      }
      this.dataHead++;
    }
    while (this.items.length - this.head > this.limits.maxEntries) this.dropHead();
    this.dataHead = Math.max(this.dataHead, this.head);
    this.compact();
  }

  private dropHead(): void {
    this.bytes -= sizeOf(this.items[this.head]);
    this.head++;
  }

  /** Shifts the array down once its dead head is large, so memory stays bounded without a shift per entry. */
  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.items.length) return;
    this.items = this.items.slice(this.head);
    this.dataHead -= this.head;
    this.head = 0;
  }
}

function sizeOf(item: CachedEntry | undefined): number {
  return item === undefined || item.entry === null ? 0 : entrySizeBytes(item.entry);
}
