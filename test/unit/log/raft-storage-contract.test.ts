/**
 * The RaftStorage contract, checked with the same assertions against MemoryStorage (the reference the Raft
 * tests use) and RaftLogStorage over a real partition log. Compaction is MemoryStorage.compact on one side and
 * log retention on the other.
 */
import t, { type Test } from 'tap';
import { MemoryStorage } from '../../../broker/raft/memory-storage.js';
import type { Entry, HardState, SnapshotMeta } from '../../../broker/raft/messages.js';
import type { RaftLogStorageOptions } from '../../../broker/log/raft-log-storage.js';
import type { RaftStorage } from '../../../broker/raft/storage.js';
import { tempDir } from './log-fixtures.js';
import { configEntry, dataEntry, noopEntry, openStorage, plain } from './raft-fixtures.js';

interface Subject {
  readonly storage: RaftStorage;
  persist(snapshot: SnapshotMeta | null, entries: Entry[], hardState: HardState | null): void;
  /** Compacts through `index`, whose entry ends right before `logOffset`. */
  compact(index: number, logOffset: number): void;
}

const subjects: Record<string, (t: Test) => Subject> = {
  MemoryStorage: () => {
    const storage = new MemoryStorage([3, 1, 2]);
    return {
      storage,
      persist(snapshot, entries, hardState) {
        if (snapshot !== null) storage.applySnapshot(snapshot);
        storage.append(entries);
        if (hardState !== null) storage.setHardState(hardState);
      },
      compact(index, logOffset) {
        storage.compact(index, logOffset);
      },
    };
  },
  RaftLogStorage: (t) => logSubject(t, {}),
  // Every read goes to SQLite.
  'RaftLogStorage without its entry cache': (t) => logSubject(t, { entryCacheBytes: 0, entryCacheEntries: 0 }),
};

function logSubject(t: Test, options: RaftLogStorageOptions): Subject {
  // retentionBytes 0: retention deletes everything below the bound it is given.
  const { log, storage } = openStorage(t, tempDir(t), [3, 1, 2], { log: { retentionBytes: 0 }, storage: options });
  return {
    storage,
    persist(snapshot, entries, hardState) {
      storage.persist(snapshot, entries, hardState);
    },
    compact(index, logOffset) {
      t.equal(storage.endOffsetOfIndex(index), logOffset, 'the compaction point ends where the test expects');
      log.applyRetention(0, logOffset);
    },
  };
}

for (const [name, make] of Object.entries(subjects)) {
  void t.test(`${name}: a new storage is an empty log with the bootstrap config at index 0`, (t) => {
    const { storage } = make(t);
    t.equal(storage.firstIndex(), 1);
    t.equal(storage.lastIndex(), 0);
    t.equal(storage.term(0), 0);
    t.equal(storage.term(1), undefined);
    t.same(storage.initialState(), {
      hardState: { term: 0, vote: 0, commit: 0 },
      config: { voters: [1, 2, 3] },
      configIndex: 0,
      previousConfig: { voters: [1, 2, 3] },
    });
    t.same(storage.snapshot(), { index: 0, term: 0, config: { voters: [1, 2, 3] }, logOffset: 0 });
    t.same(storage.entries(1, 1, Infinity), []);
    t.end();
  });

  void t.test(`${name}: entries, terms, config history, conflicts, compaction, snapshots`, (t) => {
    const s = make(t);
    const { storage } = s;
    // Offsets: 1 -> [0], 2 -> [1, 3], 3 -> [4], 4 -> [5, 6], 5 -> [7].
    const first = [
      noopEntry(1, 1),
      dataEntry(2, 1, 3),
      configEntry(3, 1, [1, 2, 3, 4]),
      dataEntry(4, 2, 2),
      dataEntry(5, 2),
    ];
    s.persist(null, first, { term: 2, vote: 1, commit: 3 });
    t.equal(storage.firstIndex(), 1);
    t.equal(storage.lastIndex(), 5);
    t.same(
      [0, 1, 2, 3, 4, 5, 6].map((i) => storage.term(i)),
      [0, 1, 1, 1, 2, 2, undefined],
    );
    t.same(plain(storage.entries(1, 6, Infinity)), plain(first));
    t.same(plain(storage.entries(2, 4, Infinity)), plain(first.slice(1, 3)));
    t.equal(storage.entries(1, 6, 1).length, 1, 'always at least one entry');
    t.equal(storage.entries(1, 6, 16 + 16 + 120).length, 2, 'a noop and a 120-byte batch fit, not more');
    t.same(storage.entries(3, 3, Infinity), []);
    t.throws(() => storage.entries(0, 2, Infinity), RangeError);
    t.throws(() => storage.entries(1, 7, Infinity), RangeError);
    t.throws(() => storage.entries(3, 2, Infinity), RangeError);
    t.same(storage.initialState(), {
      hardState: { term: 2, vote: 1, commit: 3 },
      config: { voters: [1, 2, 3, 4] },
      configIndex: 3,
      previousConfig: { voters: [1, 2, 3] },
    });

    // Raft §5.3: a conflicting suffix is replaced; the config entry in it goes, and so does its config.
    const conflict = [dataEntry(3, 3), dataEntry(4, 3)];
    s.persist(null, conflict, null);
    t.equal(storage.lastIndex(), 4);
    t.same(
      [2, 3, 4, 5].map((i) => storage.term(i)),
      [1, 3, 3, undefined],
    );
    t.same(plain(storage.entries(1, 5, Infinity)), plain([...first.slice(0, 2), ...conflict]));
    t.match(storage.initialState(), { config: { voters: [1, 2, 3] }, configIndex: 0, hardState: { commit: 3 } });

    // Compaction through 2 (offsets 0..3 go): the term of the compaction point stays known.
    s.compact(2, 4);
    t.equal(storage.firstIndex(), 3);
    t.equal(storage.lastIndex(), 4);
    t.equal(storage.term(2), 1);
    t.equal(storage.term(1), undefined);
    t.same(storage.snapshot(), { index: 2, term: 1, config: { voters: [1, 2, 3] }, logOffset: 4 });
    t.same(plain(storage.entries(3, 5, Infinity)), plain(conflict));
    t.throws(() => storage.entries(2, 4, Infinity), RangeError);
    t.match(storage.initialState(), { config: { voters: [1, 2, 3] }, configIndex: 2 });

    // A config entry compacted away becomes the snapshot's config.
    s.persist(null, [configEntry(5, 3, [1, 2, 3, 5]), dataEntry(6, 3)], null);
    t.match(storage.initialState(), {
      config: { voters: [1, 2, 3, 5] },
      configIndex: 5,
      previousConfig: { voters: [1, 2, 3] },
    });
    s.compact(5, 7);
    t.same(storage.snapshot(), { index: 5, term: 3, config: { voters: [1, 2, 3, 5] }, logOffset: 7 });
    t.same(storage.initialState(), {
      hardState: { term: 2, vote: 1, commit: 3 },
      config: { voters: [1, 2, 3, 5] },
      configIndex: 5,
      previousConfig: { voters: [1, 2, 3, 5] },
    });

    // Installing a leader's snapshot restarts the log after it; entries at or below it are skipped.
    const snapshot = { index: 10, term: 5, config: { voters: [1, 2] }, logOffset: 40 };
    const after = [dataEntry(11, 5), dataEntry(12, 5, 4)];
    s.persist(snapshot, [dataEntry(9, 5), dataEntry(10, 5), ...after], { term: 5, vote: 0, commit: 10 });
    t.equal(storage.firstIndex(), 11);
    t.equal(storage.lastIndex(), 12);
    t.equal(storage.term(10), 5);
    t.equal(storage.term(9), undefined);
    t.same(storage.snapshot(), snapshot);
    t.same(plain(storage.entries(11, 13, Infinity)), plain(after));
    t.same(storage.initialState(), {
      hardState: { term: 5, vote: 0, commit: 10 },
      config: { voters: [1, 2] },
      configIndex: 10,
      previousConfig: { voters: [1, 2] },
    });
    t.end();
  });
}
