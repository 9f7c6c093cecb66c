import t from 'tap';
import { MemoryStorage, encodeConfigEntry } from '../../../broker/raft/index.js';
import type { Entry } from '../../../broker/raft/index.js';
import { entry } from './helpers.js';

function configEntry(index: number, term: number, voters: number[], nodeId: number): Entry {
  return {
    index,
    term,
    type: 'config',
    data: encodeConfigEntry({ change: { type: 'addVoter', nodeId }, config: { voters } }),
  };
}

void t.test('a new storage is an empty log with the bootstrap config at index 0', (t) => {
  const storage = new MemoryStorage([3, 1, 2]);
  t.equal(storage.firstIndex(), 1);
  t.equal(storage.lastIndex(), 0);
  t.equal(storage.term(0), 0);
  t.same(storage.initialState(), {
    hardState: { term: 0, vote: 0, commit: 0 },
    config: { voters: [1, 2, 3] },
    configIndex: 0,
    previousConfig: { voters: [1, 2, 3] },
  });
  t.end();
});

void t.test('append replaces the suffix from its first index', (t) => {
  const storage = new MemoryStorage([1]);
  storage.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
  storage.append([entry(2, 2)]);
  t.equal(storage.lastIndex(), 2);
  t.equal(storage.term(2), 2);
  t.throws(() => {
    storage.append([entry(9, 2)]);
  }, /gap/);
  storage.append([]);
  t.equal(storage.lastIndex(), 2);
  t.end();
});

void t.test('entries honours bounds and maxBytes', (t) => {
  const storage = new MemoryStorage([1]);
  storage.append([entry(1, 1, 'aaaa'), entry(2, 1, 'bbbb'), entry(3, 1, 'cccc')]);
  t.equal(storage.entries(1, 4, Infinity).length, 3);
  t.equal(storage.entries(1, 4, 1).length, 1, 'at least one');
  t.equal(storage.entries(1, 4, 40).length, 2, 'two entries of 4 + 16 bytes');
  t.same(storage.entries(2, 2, Infinity), []);
  t.throws(() => storage.entries(0, 2, Infinity), RangeError);
  t.throws(() => storage.entries(1, 5, Infinity), RangeError);
  t.end();
});

void t.test('config history: latest config, the one before, and reverting on truncation', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  storage.append([entry(1, 1), configEntry(2, 1, [1, 2, 3, 4], 4), entry(3, 1)]);
  t.match(storage.initialState(), {
    config: { voters: [1, 2, 3, 4] },
    configIndex: 2,
    previousConfig: { voters: [1, 2, 3] },
  });
  storage.append([entry(2, 2)]);
  t.match(storage.initialState(), { config: { voters: [1, 2, 3] }, configIndex: 0 }, 'config entry truncated');
  t.end();
});

void t.test('compact and applySnapshot move the snapshot point', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  storage.append([entry(1, 1), configEntry(2, 1, [1, 2, 3, 4], 4), entry(3, 2), entry(4, 2)]);
  storage.compact(3);
  t.same(storage.snapshot(), { index: 3, term: 2, config: { voters: [1, 2, 3, 4] }, logOffset: 0 });
  t.equal(storage.firstIndex(), 4);
  t.equal(storage.lastIndex(), 4);
  t.match(storage.initialState(), { config: { voters: [1, 2, 3, 4] }, configIndex: 3 });
  storage.compact(2);
  t.equal(storage.firstIndex(), 4, 'compacting behind the snapshot does nothing');
  t.throws(() => {
    storage.compact(9);
  }, RangeError);
  storage.applySnapshot({ index: 10, term: 5, config: { voters: [1, 2] }, logOffset: 0 });
  t.equal(storage.firstIndex(), 11);
  t.equal(storage.lastIndex(), 10);
  t.equal(storage.term(10), 5);
  t.throws(() => {
    storage.applySnapshot({ index: 10, term: 5, config: { voters: [1] }, logOffset: 0 });
  }, /older/);
  storage.append([entry(11, 5), entry(12, 5)]);
  storage.append([entry(9, 5), entry(10, 5), entry(11, 6)]);
  t.equal(storage.term(11), 6, 'entries at or below the snapshot are skipped');
  t.equal(storage.lastIndex(), 11);
  t.end();
});

void t.test('hard state is kept as a copy', (t) => {
  const storage = new MemoryStorage([1]);
  const hs = { term: 2, vote: 1, commit: 0 };
  storage.setHardState(hs);
  t.same(storage.getHardState(), hs);
  t.not(storage.getHardState(), hs);
  t.end();
});
