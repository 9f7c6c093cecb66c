/**
 * The partition log as a Raft log: one batch row per Raft entry (see log-schema.ts and control.ts). Normal
 * entries carry a batch (batch-entry.ts) that becomes the row's payload; Noop and Config entries are control
 * batches of one record and one offset (control.ts). The snapshot point is the head of the log: the last row removed by
 * retention, or the point a follower reset to when it installed the leader's snapshot.
 */
import { decodeConfigEntry, makeConfig } from '../raft/membership.js';
import { EntryType, entrySizeBytes } from '../raft/messages.js';
import type { Config, Entry, HardState, NodeId, SnapshotMeta } from '../raft/messages.js';
import type { InitialState, RaftStorage } from '../raft/storage.js';
import type { BatchToAppend } from './batch.js';
import { decodeBatchEntry, encodeBatchEntry } from './batch-entry.js';
import { CONTROL_BATCH, CONTROL_CONFIG, CONTROL_MASK, controlBatch, controlData } from './control.js';
import { EntryCache } from './entry-cache.js';
import { LogError, LogErrorKind } from './log-error.js';
import type { AppendResult } from './append-queue.js';
import type { IndexedBatch, PartitionLog, RaftAppend, RaftStart, RaftWrite } from './partition-log.js';

/** Where a persisted entry landed in the partition log. */
export interface PersistedRange {
  readonly index: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
}

/** A Ready's write to the log, with the entries it stores. */
interface PlannedEntries {
  /** The entries after the snapshot point, in order. */
  readonly fresh: readonly Entry[];
  readonly write: RaftWrite;
}

/** Tuning of a {@link RaftLogStorage}. */
export interface RaftLogStorageOptions {
  /**
   * Most bytes of recently persisted entries kept whole in memory, so a leader sending them to followers
   * that are a little behind reads no SQLite. Default {@link DEFAULT_ENTRY_CACHE_BYTES}.
   */
  readonly entryCacheBytes?: number;
  /** Most recent entries whose term and offsets are kept in memory. Default {@link DEFAULT_ENTRY_CACHE_ENTRIES}. */
  readonly entryCacheEntries?: number;
}

/** Default of {@link RaftLogStorageOptions.entryCacheBytes}: small, as a broker holds thousands of partitions. */
export const DEFAULT_ENTRY_CACHE_BYTES = 256 * 1024;

/** Default of {@link RaftLogStorageOptions.entryCacheEntries}. */
export const DEFAULT_ENTRY_CACHE_ENTRIES = 4096;

/**
 * {@link RaftStorage} over a {@link PartitionLog}, plus the write side a driver calls with each Ready
 * ({@link persist}). It must be the only writer of the log while it is in use (retention excepted).
 */
export class RaftLogStorage implements RaftStorage {
  private readonly cache: EntryCache;
  /** The log's rewrite count the cache was last made consistent with. */
  private cacheRewrites: number;
  private snapshotConfig: { voters: readonly NodeId[] | null; config: Config } = {
    voters: null,
    config: { voters: [] },
  };

  /**
   * @param log the partition log, open.
   * @param initialVoters the group's membership when the log has never had one (a brand-new replica; empty
   *   for a replica that joins and learns it from the leader); recorded as the snapshot membership at once.
   */
  constructor(
    private readonly log: PartitionLog,
    initialVoters: readonly NodeId[],
    options: RaftLogStorageOptions = {},
  ) {
    if (log.snapshotVoters === null) log.setSnapshotVoters(makeConfig(initialVoters).voters);
    this.cache = new EntryCache({
      maxBytes: options.entryCacheBytes ?? DEFAULT_ENTRY_CACHE_BYTES,
      maxEntries: options.entryCacheEntries ?? DEFAULT_ENTRY_CACHE_ENTRIES,
    });
    this.cacheRewrites = log.rewriteCount;
  }

  initialState(): InitialState {
    const snapshot = { index: this.log.startIndex, config: this.currentSnapshotConfig() };
    // The last two config rows after the snapshot, oldest first.
    const configs = this.log
      .lastConfigRows()
      .reverse()
      .map((row) => ({ index: row.index, config: decodeConfigEntry(row.data).config }));
    const last = configs.at(-1) ?? snapshot;
    const previous = configs.length === 1 ? snapshot : (configs.at(-2) ?? last);
    return {
      hardState: this.log.hardState,
      config: last.config,
      configIndex: last.index,
      previousConfig: previous.config,
    };
  }

  firstIndex(): number {
    return this.log.startIndex + 1;
  }

  lastIndex(): number {
    return this.log.committedLastIndex;
  }

  term(index: number): number | undefined {
    const log = this.log;
    if (index === log.committedLastIndex) return log.committedLastTerm;
    if (index === log.startIndex) return log.startTerm;
    if (!Number.isSafeInteger(index) || index < log.startIndex || index > log.committedLastIndex) return undefined;
    const cached = this.cached(index);
    if (cached !== undefined) return cached.term;
    return log.rowAtIndex(index)?.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo < this.firstIndex() || hi > this.lastIndex() + 1 || lo > hi) {
      throw new RangeError(
        `entries [${String(lo)}, ${String(hi)}) out of [${String(this.firstIndex())}, ${String(this.lastIndex() + 1)})`,
      );
    }
    this.syncCache();
    const result: Entry[] = [];
    let bytes = 0;
    const take = (entry: Entry): boolean => {
      bytes += entrySizeBytes(entry);
      if (bytes > maxBytes && result.length > 0) return false;
      result.push(entry);
      return true;
    };
    let next = lo;
    const sqlEnd = Math.min(hi, this.cache.firstWholeIndex ?? hi);
    if (next < sqlEnd) {
      for (const batch of this.log.batchesByIndex(next, sqlEnd)) {
        if (batch.index !== next) throw missingEntry(next);
        if (!take(entryOfBatch(batch))) return result;
        next++;
      }
    }
    for (; next < hi; next++) {
      const entry = this.cache.at(next)?.entry;
      if (entry === undefined || entry === null) throw missingEntry(next);
      if (!take(entry)) break;
    }
    return result;
  }

  snapshot(): SnapshotMeta {
    return {
      index: this.log.startIndex,
      term: this.log.startTerm,
      config: this.currentSnapshotConfig(),
      logOffset: this.log.logStartOffset,
    };
  }

  /**
   * Persists what a Ready hands over, in ONE SQLite transaction, durable as the log's flush policy makes
   * commits: `snapshot` resets the log to start at `snapshot.logOffset` right after `snapshot.index`;
   * `entries` replace the stored suffix from their first index (a Raft conflict) and are appended (entries at
   * or below the snapshot point are skipped, as they are already compacted); `hardState` is recorded.
   * Returns where each appended entry landed. Throws a {@link LogError}; then nothing was written.
   */
  persist(snapshot: SnapshotMeta | null, entries: readonly Entry[], hardState: HardState | null): PersistedRange[] {
    const write = this.raftWrite(snapshot, entries, hardState);
    return this.persisted(write, this.log.writeRaft(write.write));
  }

  /**
   * {@link persist} on the shard's writer thread: returns at once, and `done` hears where each entry landed, or why
   * nothing was written. The driver sends nothing that depends on this write before `done` (etcd raft's asynchronous
   * storage writes), and submits no other write meanwhile.
   */
  submit(
    snapshot: SnapshotMeta | null,
    entries: readonly Entry[],
    hardState: HardState | null,
    done: (err: LogError | null, persisted: readonly PersistedRange[]) => void,
  ): void {
    let write: PlannedEntries;
    try {
      write = this.raftWrite(snapshot, entries, hardState);
    } catch (err) {
      done(err instanceof LogError ? err : new LogError(LogErrorKind.INVALID_ARGUMENT, String(err)), []);
      return;
    }
    this.log.submitRaft(write.write, (err, results) => {
      if (err === null) done(null, this.persisted(write, results));
      else done(err, []);
    });
  }

  /** The log write a Ready asks for (entries at or below the snapshot point skipped); throws on a malformed Ready. */
  private raftWrite(
    snapshot: SnapshotMeta | null,
    entries: readonly Entry[],
    hardState: HardState | null,
  ): PlannedEntries {
    let reset: RaftStart | null = null;
    if (snapshot !== null) {
      if (snapshot.index <= this.log.startIndex) {
        throw new LogError(
          LogErrorKind.INVALID_ARGUMENT,
          `snapshot at index ${String(snapshot.index)} is not after the log start index ${String(this.log.startIndex)}`,
        );
      }
      reset = {
        offset: snapshot.logOffset,
        index: snapshot.index,
        term: snapshot.term,
        voters: snapshot.config.voters,
      };
    }
    const startIndex = reset === null ? this.log.startIndex : reset.index;
    const fresh = entries.filter((e) => e.index > startIndex);
    const first = fresh[0];
    const batches: RaftAppend[] = fresh.map((entry, i) => {
      if (first !== undefined && entry.index !== first.index + i) {
        throw new LogError(
          LogErrorKind.INVALID_ARGUMENT,
          `entries are not consecutive at index ${String(entry.index)}`,
        );
      }
      return { batch: batchOfEntry(entry), term: entry.term };
    });
    // In step with the log before the write, so that the entries it stores extend the cache.
    this.syncCache();
    return { fresh, write: { reset, firstIndex: first?.index ?? 0, batches, hardState } };
  }

  /** Brings the entry cache in step with a stored write; returns where each entry landed. */
  private persisted(planned: PlannedEntries, results: readonly AppendResult[]): PersistedRange[] {
    const { fresh, write } = planned;
    if (write.reset !== null) this.cache.clear();
    const first = fresh[0];
    if (first !== undefined) this.cache.truncateFrom(first.index);
    const persisted: PersistedRange[] = [];
    fresh.forEach((entry, i) => {
      const range = results[i];
      if (range === undefined) return;
      const { baseOffset, lastOffset } = range;
      this.cache.push({ index: entry.index, term: entry.term, baseOffset, lastOffset, entry });
      persisted.push({ index: entry.index, baseOffset, lastOffset });
    });
    this.cacheRewrites = this.log.rewriteCount;
    return persisted;
  }

  /**
   * End offset (last offset + 1) of the entry at `index`; for the snapshot index, the log start offset. The
   * driver turns the commit index into the high watermark with it. Throws RangeError outside
   * [firstIndex() - 1, lastIndex()].
   */
  endOffsetOfIndex(index: number): number {
    const log = this.log;
    if (index === log.committedLastIndex) return log.committedEndOffset;
    if (index === log.startIndex) return log.logStartOffset;
    const cached = this.cached(index);
    if (cached !== undefined) return cached.lastOffset + 1;
    const row = log.rowAtIndex(index);
    if (row === null) {
      throw new RangeError(
        `index ${String(index)} is outside [${String(log.startIndex)}, ${String(log.committedLastIndex)}]`,
      );
    }
    return row.lastOffset + 1;
  }

  private cached(index: number): { term: number; lastOffset: number } | undefined {
    this.syncCache();
    return this.cache.at(index);
  }

  /** Drops what the log no longer holds: entries compacted by retention, everything after a rewrite. */
  private syncCache(): void {
    const log = this.log;
    if (log.rewriteCount !== this.cacheRewrites || this.cache.lastIndex !== log.committedLastIndex) {
      this.cache.clear();
      this.cacheRewrites = log.rewriteCount;
      return;
    }
    const first = this.cache.firstIndex;
    if (first !== null && first <= log.startIndex) this.cache.dropThrough(log.startIndex);
  }

  private currentSnapshotConfig(): Config {
    const voters = this.log.snapshotVoters;
    if (voters !== this.snapshotConfig.voters) {
      this.snapshotConfig = { voters, config: makeConfig(voters ?? []) };
    }
    return this.snapshotConfig.config;
  }
}

/** The row an entry is stored as. */
function batchOfEntry(entry: Entry): BatchToAppend {
  if (entry.type === EntryType.Normal) {
    const batch = decodeBatchEntry(entry.data);
    if ((batch.attributes & CONTROL_MASK) !== 0) {
      throw new LogError(LogErrorKind.INVALID_ARGUMENT, `entry ${String(entry.index)} holds a control batch`);
    }
    return batch;
  }
  return controlBatch(entry.type === EntryType.Config ? 'config' : 'noop', entry.data);
}

/** The entry a stored row holds (the converse of {@link batchOfEntry}). */
function entryOfBatch(batch: IndexedBatch): Entry {
  const { index, term } = batch;
  if ((batch.attributes & CONTROL_BATCH) === 0) {
    return { index, term, type: EntryType.Normal, data: encodeBatchEntry(batch) };
  }
  const type = (batch.attributes & CONTROL_CONFIG) !== 0 ? EntryType.Config : EntryType.Noop;
  return { index, term, type, data: controlData(batch.bytes) };
}

function missingEntry(index: number): LogError {
  return new LogError(LogErrorKind.STORAGE_ERROR, `the log has no entry at index ${String(index)}`);
}
