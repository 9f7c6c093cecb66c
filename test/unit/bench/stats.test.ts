import t from 'tap';
import { pairedRatios, percentile, spread } from '../../../bench/stats.js';

void t.test('spread: median of odd and even counts, with min and max, whatever the order', (t) => {
  t.same(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
  t.same(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 });
  t.same(spread([7]), { median: 7, min: 7, max: 7 });
  t.throws(() => spread([]), /no values/);
  t.end();
});

void t.test('percentile: nearest rank', (t) => {
  const values = Array.from({ length: 1000 }, (_, i) => 1000 - i); // 1000..1, unsorted on purpose
  t.equal(percentile(values, 50), 500);
  t.equal(percentile(values, 99), 990);
  t.equal(percentile(values, 99.9), 999);
  t.equal(percentile(values, 100), 1000);
  t.equal(percentile(values, 0), 1, 'p0 is the smallest');
  t.equal(percentile([5, 1], 50), 1, 'half of two values: the lower one');
  t.throws(() => percentile(values, 101), RangeError);
  t.throws(() => percentile([], 50), /no values/);
  t.end();
});

void t.test('pairedRatios: run i against run i, summarised as median/min/max', (t) => {
  // Both systems slowed down in run 2 (a noisy neighbour): paired ratios stay at 5x.
  const ratios = pairedRatios([500, 250, 500], [100, 50, 100]);
  t.same(ratios, { median: 5, min: 5, max: 5 });
  t.same(pairedRatios([10, 30], [10, 10, 99]), { median: 2, min: 1, max: 3 }, 'pairs up to the shorter list');
  t.throws(() => pairedRatios([1], [0]), /no values/, 'a zero denominator leaves no pair');
  t.end();
});
