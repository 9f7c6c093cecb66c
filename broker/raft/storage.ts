/**
 * What the Raft core reads from stable storage. The core never writes: the driver persists what
 * `ready()` hands it (see RaftNode.ready) with its own storage API, then calls `advance()`.
 */
import type { Config, Entry, HardState, SnapshotMeta } from './messages.js';

/** State a replica restarts from. */
export interface InitialState {
  readonly hardState: HardState;
  /**
   * Membership as of the last stable entry: the snapshot's config changed by every config entry after it,
   * committed or not (thesis §4.1: a replica uses the latest config in its log).
   */
  readonly config: Config;
  /** Index of the config entry that produced `config`; the snapshot index if none follows the snapshot. */
  readonly configIndex: number;
  /**
   * Membership just before the entry at `configIndex`. The core reverts to it if that entry is truncated
   * (only the latest config entry can be uncommitted). Equal to `config` when `configIndex` is the snapshot.
   */
  readonly previousConfig: Config;
}

/**
 * Read side of a replica's stable Raft log. Indices start at 1; the log holds entries
 * `[firstIndex(), lastIndex()]`, and `firstIndex() - 1` is the snapshot (compaction) point whose term is
 * still known. An empty log has `lastIndex() === firstIndex() - 1`.
 *
 * Implementations: {@link MemoryStorage} (tests, simulator); later the partition log.
 */
export interface RaftStorage {
  initialState(): InitialState;
  /** Index of the first entry still stored (snapshot index + 1). */
  firstIndex(): number;
  /** Index of the last stored entry (the snapshot index if there is none). */
  lastIndex(): number;
  /** Term of the entry at `index`, for `index` in [firstIndex() - 1, lastIndex()]; otherwise undefined. */
  term(index: number): number | undefined;
  /**
   * Entries in [lo, hi), with `firstIndex() <= lo <= hi <= lastIndex() + 1`, stopping once their total size
   * would exceed `maxBytes` (but always at least one entry when lo < hi).
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** The compaction point: index firstIndex() - 1, its term and the membership as of it. */
  snapshot(): SnapshotMeta;
}
