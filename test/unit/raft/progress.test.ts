import t from 'tap';
import { Inflights } from '../../../broker/raft/inflights.js';
import { Progress } from '../../../broker/raft/progress.js';

void t.test('Inflights is a ring buffer of last indices', (t) => {
  const inflights = new Inflights(3);
  t.equal(inflights.count(), 0);
  inflights.add(5);
  inflights.add(7);
  inflights.add(9);
  t.ok(inflights.full());
  t.throws(() => {
    inflights.add(10);
  }, /full/);
  inflights.freeLE(6);
  t.equal(inflights.count(), 2, 'frees 5');
  inflights.add(11);
  t.ok(inflights.full());
  t.end();
});

void t.test('Inflights wraps around and frees up to an index', (t) => {
  const inflights = new Inflights(3);
  for (const i of [1, 2, 3]) inflights.add(i);
  inflights.freeLE(2);
  inflights.add(4);
  inflights.add(5);
  t.ok(inflights.full(), 'wrapped around the buffer');
  inflights.freeLE(4);
  t.equal(inflights.count(), 1);
  inflights.freeLE(100);
  t.equal(inflights.count(), 0);
  inflights.add(6);
  inflights.freeFirstOne();
  t.equal(inflights.count(), 0);
  inflights.freeFirstOne();
  t.equal(inflights.count(), 0, 'freeing an empty buffer is harmless');
  t.throws(() => new Inflights(0), RangeError);
  t.end();
});

void t.test('Inflights grows on demand, keeping order across a wrapped buffer', (t) => {
  const inflights = new Inflights(8);
  for (const i of [1, 2, 3, 4]) inflights.add(i);
  inflights.freeLE(2);
  inflights.add(5);
  inflights.add(6);
  inflights.add(7);
  t.equal(inflights.count(), 5);
  inflights.freeLE(5);
  t.equal(inflights.count(), 2, '6 and 7 left, in order');
  for (const i of [8, 9, 10, 11, 12, 13]) inflights.add(i);
  t.ok(inflights.full());
  inflights.freeLE(12);
  t.equal(inflights.count(), 1);
  t.end();
});

void t.test('probe: one message at a time until the follower answers', (t) => {
  const pr = new Progress(10, 4);
  t.equal(pr.state, 'probe');
  t.notOk(pr.isPaused());
  pr.sentEntries(12);
  t.ok(pr.isPaused(), 'waits for the answer to its probe');
  t.equal(pr.next, 10, 'probing does not move next');
  t.ok(pr.maybeDecrTo(9, 5), 'rejection of the outstanding probe');
  t.equal(pr.next, 6, 'next jumps to just after the hint');
  t.notOk(pr.isPaused());
  t.notOk(pr.maybeDecrTo(9, 3), 'a second rejection of the same probe is stale');
  t.end();
});

void t.test('probe: maybeDecrTo never goes below match + 1 nor above the rejected index', (t) => {
  const pr = new Progress(10, 4);
  pr.match = 4;
  t.ok(pr.maybeDecrTo(9, 0));
  t.equal(pr.next, 5, 'not below match + 1');
  const other = new Progress(10, 4);
  t.ok(other.maybeDecrTo(9, 50));
  t.equal(other.next, 9, 'hint above the rejected index is capped');
  t.end();
});

void t.test('replicate: optimistic next, bounded by inflights', (t) => {
  const pr = new Progress(5, 2);
  t.ok(pr.maybeUpdate(4));
  pr.becomeReplicate();
  t.equal(pr.next, 5);
  pr.sentEntries(7);
  t.equal(pr.next, 8, 'optimistically past what was sent');
  pr.sentEntries(9);
  t.ok(pr.isPaused(), 'window of two full');
  t.ok(pr.maybeUpdate(7));
  pr.inflights.freeLE(7);
  t.notOk(pr.isPaused());
  t.notOk(pr.maybeDecrTo(6, 6), 'rejection at or below match is stale');
  t.ok(pr.maybeDecrTo(9, 8));
  t.equal(pr.next, 8, 'back to match + 1');
  t.end();
});

void t.test('maybeUpdate moves match forward only', (t) => {
  const pr = new Progress(5, 2);
  t.ok(pr.maybeUpdate(3));
  t.notOk(pr.maybeUpdate(2));
  t.equal(pr.match, 3);
  t.equal(pr.next, 5, 'next never moves back');
  t.ok(pr.maybeUpdate(8));
  t.equal(pr.next, 9);
  t.end();
});

void t.test('snapshot state pauses until the follower catches up; probe resumes after the snapshot', (t) => {
  const pr = new Progress(3, 2);
  pr.becomeSnapshot(20);
  t.equal(pr.state, 'snapshot');
  t.ok(pr.isPaused());
  pr.becomeProbe();
  t.equal(pr.next, 21, 'probe right after the snapshot');
  t.equal(pr.pendingSnapshot, 0);
  t.end();
});
