import t from 'tap';
import { MemoryStorage } from '../../../broker/raft/index.js';
import { RaftLog } from '../../../broker/raft/log.js';
import { Unstable } from '../../../broker/raft/unstable.js';
import { entry, storageWithTerms } from './helpers.js';

function logWithTerms(terms: number[], commit = 0): RaftLog {
  return new RaftLog(storageWithTerms([1, 2, 3], terms), commit, 0);
}

void t.test('Unstable: append, truncate and mark stable', (t) => {
  const u = new Unstable(5);
  u.truncateAndAppend([entry(5, 1), entry(6, 1)]);
  t.equal(u.maybeLastIndex(), 6);
  t.equal(u.maybeTerm(6), 1);
  t.equal(u.maybeTerm(4), undefined);
  u.truncateAndAppend([entry(6, 2), entry(7, 2)]);
  t.same(
    u.entries.map((e) => [e.index, e.term]),
    [
      [5, 1],
      [6, 2],
      [7, 2],
    ],
  );
  u.truncateAndAppend([entry(3, 3)]);
  t.equal(u.offset, 3, 'replacing below the offset moves it back');
  t.same(
    u.entries.map((e) => e.index),
    [3],
  );
  u.stableTo(3, 1);
  t.equal(u.offset, 3, 'term mismatch: the entry handed out was replaced, not stable');
  u.stableTo(3, 3);
  t.equal(u.offset, 4);
  t.same(u.entries, []);
  t.end();
});

void t.test('Unstable: a pending snapshot defines first and last index', (t) => {
  const u = new Unstable(1);
  u.restore({ index: 10, term: 4, config: { voters: [1] }, logOffset: 0 });
  t.equal(u.maybeFirstIndex(), 11);
  t.equal(u.maybeLastIndex(), 10);
  t.equal(u.maybeTerm(10), 4);
  u.stableSnapTo(9);
  t.not(u.snapshot, null, 'another index: not this snapshot');
  u.stableSnapTo(10);
  t.equal(u.snapshot, null);
  t.end();
});

void t.test('RaftLog reads stable and unstable entries as one log', (t) => {
  const log = logWithTerms([1, 1, 2]);
  t.equal(log.firstIndex(), 1);
  t.equal(log.lastIndex(), 3);
  log.append([entry(4, 3), entry(5, 3)]);
  t.equal(log.lastIndex(), 5);
  t.equal(log.term(5), 3);
  t.equal(log.term(0), 0, 'the initial snapshot point');
  t.equal(log.term(6), undefined);
  t.same(
    log.slice(2, 6, Infinity).map((e) => e.index),
    [2, 3, 4, 5],
  );
  t.same(
    log.slice(2, 6, 1).map((e) => e.index),
    [2],
    'at least one entry',
  );
  t.same(log.entriesFrom(6, Infinity), [], 'nothing after the end');
  t.equal(log.persistedIndex(), 3);
  t.end();
});

void t.test('RaftLog.append replaces a stored suffix (in the unstable view) and refuses to touch commits', (t) => {
  const log = logWithTerms([1, 1, 1, 1], 2);
  log.append([entry(3, 2)]);
  t.equal(log.lastIndex(), 3);
  t.equal(log.term(3), 2);
  t.equal(log.persistedIndex(), 2, 'entry 3 must be rewritten before it is stable again');
  t.throws(() => log.append([entry(2, 5)]), /committed/);
  t.throws(() => log.append([entry(9, 5)]), /gap/);
  t.end();
});

void t.test('findConflict and findConflictByTerm', (t) => {
  const log = logWithTerms([1, 1, 2, 2, 4]);
  t.equal(log.findConflict([entry(1, 1), entry(2, 1)]), 0, 'all present');
  t.equal(log.findConflict([entry(4, 2), entry(5, 4), entry(6, 4)]), 6, 'first new entry');
  t.equal(log.findConflict([entry(3, 3)]), 3, 'first conflicting entry');
  t.same(log.findConflictByTerm(5, 3), { index: 4, term: 2 }, 'skips term 4');
  t.same(log.findConflictByTerm(5, 1), { index: 2, term: 1 }, 'skips terms 4 and 2');
  t.same(log.findConflictByTerm(9, 9), { index: 5, term: 4 }, 'capped at the last index');
  t.same(log.findConflictByTerm(5, 0), { index: 0, term: 0 });
  t.end();
});

void t.test('isUpToDate compares last term, then length (§5.4.1)', (t) => {
  const log = logWithTerms([1, 2, 2]);
  t.ok(log.isUpToDate(3, 2));
  t.ok(log.isUpToDate(9, 2));
  t.ok(log.isUpToDate(1, 3));
  t.notOk(log.isUpToDate(2, 2));
  t.notOk(log.isUpToDate(9, 1));
  t.end();
});

void t.test('maybeCommit only commits entries of the given term (§5.4.2)', (t) => {
  const log = logWithTerms([1, 1, 2]);
  t.notOk(log.maybeCommit(2, 2), 'entry 2 is from term 1');
  t.equal(log.committed, 0);
  t.ok(log.maybeCommit(3, 2));
  t.equal(log.committed, 3);
  t.notOk(log.maybeCommit(2, 1), 'never backwards');
  t.throws(() => {
    log.commitTo(9);
  }, /beyond last index/);
  t.end();
});

void t.test('committed entries to apply, after the applied index and within the log', (t) => {
  const log = logWithTerms([1, 1, 1, 1], 3);
  t.ok(log.hasNextCommittedEntries());
  t.same(
    log.nextCommittedEntries(Infinity).map((e) => e.index),
    [1, 2, 3],
  );
  log.appliedTo(2);
  t.same(
    log.nextCommittedEntries(Infinity).map((e) => e.index),
    [3],
  );
  log.appliedTo(3);
  t.notOk(log.hasNextCommittedEntries());
  t.throws(() => {
    log.appliedTo(4);
  }, /applied/);
  t.end();
});

void t.test('a compacted prefix is gone: entriesFrom asks for a snapshot', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  storage.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]);
  storage.compact(2);
  const log = new RaftLog(storage, 2, 2);
  t.equal(log.firstIndex(), 3);
  t.equal(log.term(2), 1, 'term at the snapshot point is known');
  t.equal(log.term(1), undefined);
  t.equal(log.entriesFrom(2, Infinity), null);
  t.same(log.snapshot(), { index: 2, term: 1, config: { voters: [1, 2, 3] }, logOffset: 0 });
  t.same(log.findConflictByTerm(4, 1), { index: 2, term: 1 });
  t.same(log.findConflictByTerm(4, 0), { index: 1, term: 0 }, 'into the compacted prefix: unknown term');
  t.end();
});

void t.test('restore resets the log after a snapshot', (t) => {
  const log = logWithTerms([1, 1, 1]);
  log.restore({ index: 10, term: 3, config: { voters: [1, 2] }, logOffset: 0 });
  t.equal(log.committed, 10);
  t.equal(log.firstIndex(), 11);
  t.equal(log.lastIndex(), 10);
  t.equal(log.lastTerm(), 3);
  t.equal(log.persistedIndex(), 0);
  t.same(log.nextCommittedEntries(Infinity), []);
  t.end();
});

void t.test('constructor rejects a commit index outside the stored log', (t) => {
  t.throws(() => new RaftLog(storageWithTerms([1], [1]), 2, 0), /outside/);
  t.throws(() => new RaftLog(storageWithTerms([1], [1, 1]), 1, 2), /applied/);
  t.end();
});
