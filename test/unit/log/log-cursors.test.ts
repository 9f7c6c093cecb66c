/** The pure transitions of a log's start, stored end and queued end (broker/log/log-cursors.ts). */
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { LogErrorKind } from '../../../broker/log/log-error.js';
import {
  appended,
  committedThrough,
  headRemoved,
  queueDropped,
  raftWritten,
  recovered,
  reset,
  truncated,
  type LogCursors,
  type LogPoint,
} from '../../../broker/log/log-cursors.js';

const point = (offset: number, term: number, index: number): LogPoint => ({ offset, term, index });
const EMPTY = recovered(point(0, 0, 0), point(0, 0, 0));

function rejects(t: Test, step: () => unknown, message: RegExp, what: string): void {
  t.throws(step, { name: 'LogError', kind: LogErrorKind.INVALID_ARGUMENT, message }, what);
}

void t.test('appends take consecutive offsets and indices; commits and failed commits move the ends', (t) => {
  const one = appended(EMPTY, 3, 1);
  t.same(one.end, point(3, 1, 1), 'three records: offsets 0-2, index 1');
  t.same(one.committed, EMPTY.committed, 'nothing stored yet');
  const two = appended(one, 2, 2);
  t.same(two.end, point(5, 2, 2), 'the next batch follows it');
  t.same(committedThrough(two, two.end).committed, point(5, 2, 2), 'a commit stores everything queued');
  const first = committedThrough(two, one.end);
  t.same([first.committed, first.end], [point(3, 1, 1), point(5, 2, 2)], 'or a first group, the rest still queued');
  rejects(t, () => committedThrough(first, EMPTY.end), /moves the stored end back/, 'the stored end never goes back');
  rejects(t, () => committedThrough(one, point(9, 1, 4)), /out of order/, 'nor past the queued end');
  t.same(queueDropped(two).end, EMPTY.committed, 'a failed commit drops what was queued');
  rejects(t, () => appended(two, 1, 1), /term 1 is below the log's last term 2/, 'the term never goes back');
  rejects(t, () => appended(two, 0, 2), /append of 0 records/, 'an empty batch has no offsets');
  t.end();
});

void t.test('head removal, truncation, reset and Raft writes keep the cursors in order', (t) => {
  const appendedTwo = appended(appended(EMPTY, 3, 1), 2, 1);
  const stored = committedThrough(appendedTwo, appendedTwo.end);
  t.same(headRemoved(stored, point(3, 1, 1)).start, point(3, 1, 1), 'retention moves the start');
  rejects(
    t,
    () => headRemoved(headRemoved(stored, point(3, 1, 1)), point(0, 0, 0)),
    /moves the start back/,
    'never back',
  );
  rejects(t, () => headRemoved(stored, point(9, 1, 3)), /out of order/, 'not past the stored end');
  t.same(truncated(stored, point(3, 1, 1)).end, point(3, 1, 1), 'truncation moves both ends back');
  rejects(t, () => truncated(stored, point(7, 1, 3)), /past the stored end/, 'not forward');
  const queued = appended(stored, 1, 2);
  rejects(t, () => truncated(queued, point(3, 1, 1)), /with appends queued/, 'truncation needs an empty queue');
  rejects(t, () => reset(queued, point(10, 3, 5)), /with appends queued/, 'so does a reset');
  rejects(t, () => raftWritten(queued, point(0, 0, 0), point(9, 2, 4)), /with appends queued/, 'and a Raft write');
  t.same(reset(stored, point(10, 3, 5)), { start: point(10, 3, 5), committed: point(10, 3, 5), end: point(10, 3, 5) });
  rejects(
    t,
    () => raftWritten(stored, point(5, 2, 3), point(4, 2, 3)),
    /out of order/,
    'a Raft write ends after it starts',
  );
  rejects(t, () => recovered(point(0, 0, -1), point(0, 0, 0)), /not three non-negative integers/, 'points are sound');
  t.end();
});

/** One step of the property test. */
type Step =
  | { op: 'append'; count: number; termUp: number }
  | { op: 'commit'; groups: number }
  | { op: 'drop' }
  | { op: 'removeHead'; by: number }
  | { op: 'truncate'; by: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('append' as const), count: fc.integer({ min: 1, max: 5 }), termUp: fc.nat(1) }),
  fc.record({ op: fc.constant('commit' as const), groups: fc.nat(3) }),
  fc.constant({ op: 'drop' as const }),
  fc.record({ op: fc.constant('removeHead' as const), by: fc.nat(3) }),
  fc.record({ op: fc.constant('truncate' as const), by: fc.nat(3) }),
);

void t.test('any sequence of steps keeps start <= committed <= end, and stored offsets are never reused', (t) => {
  t.doesNotThrow(() => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let cursors: LogCursors = EMPTY;
        /** The stored batches, as the points after each one: what a real log would hold. */
        let stored: LogPoint[] = [];
        let queued: LogPoint[] = [];
        for (const s of steps) {
          if (s.op === 'append') {
            cursors = appended(cursors, s.count, cursors.end.term + s.termUp);
            queued.push(cursors.end);
          } else if (s.op === 'commit') {
            // A group commit stores the first `groups` queued batches (at least one); the rest stay queued.
            const through = queued[Math.min(Math.max(s.groups, 1), queued.length) - 1];
            if (through !== undefined) {
              cursors = committedThrough(cursors, through);
              stored = [...stored, ...queued.slice(0, queued.indexOf(through) + 1)];
              queued = queued.slice(queued.indexOf(through) + 1);
            }
          } else if (s.op === 'drop') {
            cursors = queueDropped(cursors);
            queued = [];
          } else if (s.op === 'removeHead') {
            const cut = stored[Math.min(s.by, stored.length) - 1];
            if (cut !== undefined) {
              cursors = headRemoved(cursors, cut);
              stored = stored.slice(stored.indexOf(cut) + 1);
            }
          } else if (queued.length === 0) {
            const keep = Math.max(stored.length - s.by, 0);
            const to = keep === 0 ? cursors.start : stored[keep - 1];
            if (to !== undefined) {
              cursors = truncated(cursors, to);
              stored = stored.slice(0, keep);
            }
          }
          const last = stored.at(-1) ?? cursors.start;
          if (cursors.committed.offset !== last.offset || cursors.committed.index !== last.index) return false;
          const { start, committed, end } = cursors;
          if (!(start.offset <= committed.offset && committed.offset <= end.offset)) return false;
          if (!(start.index <= committed.index && committed.index <= end.index)) return false;
        }
        return true;
      }),
      { seed: 20261203, numRuns: 500 },
    );
  }, '500 seeded sequences keep the cursors in order and in step with the stored batches');
  t.end();
});
