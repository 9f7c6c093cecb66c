import t from 'tap';
import { ConsumptionLog, OwnershipLog } from '../../../bench/rebalance-log.js';

void t.test('OwnershipLog: owners from the hooks, complete and settled', (t) => {
  const log = new OwnershipLog(4);
  t.notOk(log.complete(), 'nothing owned yet');
  log.assigned('a', [0, 1], 10);
  log.assigned('b', [2, 3], 11);
  t.ok(log.complete());
  t.ok(log.settled(['a', 'b']));
  t.notOk(log.settled(['a', 'b', 'c']), 'c owns nothing: counts 2, 2, 0');
  t.same(log.ownedBy('a'), [0, 1]);
  t.equal(log.soleOwner(2), 'b');
  log.revoked('a', [1], 12);
  t.notOk(log.complete(), 'partition 1 has no owner');
  t.equal(log.soleOwner(1), undefined);
  log.assigned('c', [1], 13);
  t.ok(log.settled(['a', 'b', 'c']), 'counts 1, 2, 1');
  t.equal(log.doubleGrants, 0);
  t.throws(() => {
    log.assigned('a', [4], 14);
  }, RangeError);
  t.end();
});

void t.test('OwnershipLog: a grant of a partition another member still holds is counted and not complete', (t) => {
  const log = new OwnershipLog(2);
  log.assigned('a', [0, 1], 0);
  log.assigned('b', [1], 1);
  t.equal(log.doubleGrants, 1);
  t.same(log.ownersOf(1), ['a', 'b']);
  t.notOk(log.complete(), 'two owners is not one');
  log.assigned('a', [0], 2);
  t.equal(log.doubleGrants, 1, 'a grant to the owner itself is not a double grant');
  t.end();
});

void t.test('OwnershipLog.watch: the time of the change that first made the condition hold', (t) => {
  const log = new OwnershipLog(2);
  log.assigned('a', [0], 0);
  const already = log.watch(() => log.ownedBy('a').length === 1, 5);
  t.equal(already.atMs, 5, 'holds already: now');
  const whole = log.watch(() => log.complete(), 5);
  t.equal(whole.atMs, undefined);
  log.revoked('a', [0], 10);
  t.equal(whole.atMs, undefined);
  log.assigned('b', [0, 1], 20);
  t.equal(whole.atMs, 20);
  log.revoked('b', [1], 30);
  log.assigned('b', [1], 40);
  t.equal(whole.atMs, 20, 'the first time it held, not a later one');
  const never = log.watch(() => log.ownedBy('c').length > 0, 40);
  log.unwatch(never);
  log.assigned('c', [0], 50);
  t.equal(never.atMs, undefined, 'an unwatched condition is not evaluated');
  t.end();
});

void t.test('ConsumptionLog.longestGap: intervals overlapping the window', (t) => {
  const log = new ConsumptionLog(2);
  for (const at of [0, 10, 20, 70, 80, 200]) log.record(0, 'a', at);
  t.same(log.longestGap(0, 15, 75), { ms: 50, startMs: 20 }, '20 -> 70 inside the window');
  t.equal(log.longestGap(0, 75, 100).ms, 120, 'the interval 80 -> 200 overlaps the window end');
  t.equal(log.longestGap(0, 5, 15).ms, 10, 'the intervals around the window edges are 0 -> 10 and 10 -> 20');
  t.equal(log.longestGap(0, 210, 260).ms, 60, 'still open: from the last consumption (200) to the window end');
  t.same(log.longestGap(1, 100, 130), { ms: 30, startMs: 100 }, 'never consumed: the whole window');
  log.record(1, 'a', 120);
  t.equal(log.longestGap(1, 100, 130).ms, 20, 'before the first consumption the interval starts at the window');
  t.end();
});

void t.test('ConsumptionLog: firstBy, lastMs, size, and trim keeping the last consumption before the cut', (t) => {
  const log = new ConsumptionLog(1);
  t.equal(log.lastMs(0), undefined);
  log.record(0, 'a', 1);
  log.record(0, 'a', 5);
  log.record(0, 'b', 9);
  log.record(0, 'a', 12);
  t.equal(log.firstBy(0, 'b', 0), 9);
  t.equal(log.firstBy(0, 'a', 6), 12);
  t.equal(log.firstBy(0, 'b', 10), undefined);
  t.equal(log.lastMs(0), 12);
  t.equal(log.size, 4);
  log.trim(9);
  t.equal(log.size, 3, 'keeps 5 (the last before 9), 9 and 12');
  t.equal(log.longestGap(0, 6, 8).ms, 4, 'the interval 5 -> 9 is still known');
  t.equal(log.firstBy(0, 'b', 0), 9, 'members stay in step with times');
  t.throws(() => {
    log.record(1, 'a', 0);
  }, RangeError);
  t.end();
});
