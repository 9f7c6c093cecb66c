/**
 * An in-memory {@link RaftStorage}, for tests and the simulator. Its write methods mirror what a driver
 * does with a Ready: `applySnapshot`, `append`, `setHardState`; `compact` is what retention does. Whatever
 * was written here is what survives a simulated crash.
 */
import { applyConfigEntry, makeConfig } from './membership.js';
import { EntryType, entrySizeBytes } from './messages.js';
import type { Config, Entry, HardState, NodeId, SnapshotMeta } from './messages.js';
import type { InitialState, RaftStorage } from './storage.js';

interface ConfigAt {
  readonly index: number;
  readonly config: Config;
}

export class MemoryStorage implements RaftStorage {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: SnapshotMeta;
  /** Entries after the snapshot: ents[i] has index snap.index + 1 + i. */
  private ents: Entry[] = [];
  /** The snapshot's config, then one element per config entry in `ents`, by index. */
  private configs: ConfigAt[];

  /** @param voters initial membership of a new group (a config at index 0); empty for a replica that joins. */
  constructor(voters: readonly NodeId[] = []) {
    this.snap = { index: 0, term: 0, config: makeConfig(voters), logOffset: 0 };
    this.configs = [{ index: 0, config: this.snap.config }];
  }

  initialState(): InitialState {
    const last = this.configs.at(-1) ?? { index: this.snap.index, config: this.snap.config };
    const previous = this.configs.at(-2) ?? last;
    return { hardState: this.hardState, config: last.config, configIndex: last.index, previousConfig: previous.config };
  }

  firstIndex(): number {
    return this.snap.index + 1;
  }

  lastIndex(): number {
    return this.snap.index + this.ents.length;
  }

  term(index: number): number | undefined {
    if (index === this.snap.index) return this.snap.term;
    return this.ents[index - this.snap.index - 1]?.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo < this.firstIndex() || hi > this.lastIndex() + 1 || lo > hi) {
      throw new RangeError(
        `entries [${String(lo)}, ${String(hi)}) out of [${String(this.firstIndex())}, ${String(this.lastIndex() + 1)})`,
      );
    }
    const result: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const entry = this.ents[i - this.snap.index - 1];
      if (entry === undefined) break;
      bytes += entrySizeBytes(entry);
      if (bytes > maxBytes && result.length > 0) break;
      result.push(entry);
    }
    return result;
  }

  snapshot(): SnapshotMeta {
    return this.snap;
  }

  /** The persisted hard state. */
  getHardState(): HardState {
    return this.hardState;
  }

  setHardState(hardState: HardState): void {
    this.hardState = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
  }

  /**
   * Appends contiguous entries. The stored suffix from the first entry's index on is replaced; entries at
   * or below the snapshot are skipped (already compacted).
   */
  append(entries: readonly Entry[]): void {
    const fresh = entries.filter((e) => e.index > this.snap.index);
    const first = fresh[0];
    if (first === undefined) return;
    if (first.index > this.lastIndex() + 1) {
      throw new Error(`append at ${String(first.index)} leaves a gap after ${String(this.lastIndex())}`);
    }
    this.ents.length = first.index - this.snap.index - 1;
    this.configs = this.configs.filter((c) => c.index < first.index);
    let config = this.configs.at(-1)?.config ?? this.snap.config;
    for (const entry of fresh) {
      this.ents.push(entry);
      if (entry.type === EntryType.Config) {
        config = applyConfigEntry(config, entry);
        this.configs.push({ index: entry.index, config });
      }
    }
  }

  /** Replaces the whole log with a snapshot point (a follower installing the leader's snapshot). */
  applySnapshot(snapshot: SnapshotMeta): void {
    if (snapshot.index <= this.snap.index) {
      throw new Error(`snapshot ${String(snapshot.index)} is older than stored ${String(this.snap.index)}`);
    }
    this.snap = snapshot;
    this.ents = [];
    this.configs = [{ index: snapshot.index, config: snapshot.config }];
  }

  /**
   * Drops entries up to and including `index`, which the caller must already have applied. `logOffset` is the
   * application's position right after `index` (what a follower installing this snapshot resets to).
   */
  compact(index: number, logOffset = 0): void {
    if (index <= this.snap.index) return;
    const term = this.term(index);
    if (term === undefined) {
      throw new RangeError(`compact ${String(index)} beyond last index ${String(this.lastIndex())}`);
    }
    const kept = this.configs.filter((c) => c.index > index);
    const base = this.configs.filter((c) => c.index <= index).at(-1) ?? {
      index: this.snap.index,
      config: this.snap.config,
    };
    this.ents = this.ents.slice(index - this.snap.index);
    this.snap = { index, term, config: base.config, logOffset };
    this.configs = [{ index, config: base.config }, ...kept];
  }
}
