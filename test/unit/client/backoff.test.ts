import t from 'tap';
import { backoffDelayMs } from '../../../client/backoff.js';
import { fixedRandom } from './helpers/manual-clock.js';

const options = { initialMs: 100, maxMs: 5_000, jitter: 0.4 };

void t.test('doubles from initial up to max without jitter at the midpoint', (t) => {
  const mid = fixedRandom(0.5);
  t.same(
    [0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelayMs(n, options, mid)),
    [100, 200, 400, 800, 1600, 3200, 5000, 5000],
  );
  t.equal(backoffDelayMs(10_000, options, mid), 5000, 'huge attempt counts do not overflow');
  t.end();
});

void t.test('jitter spreads the delay by ±20% and never exceeds max', (t) => {
  t.equal(backoffDelayMs(2, options, fixedRandom(0)), 320);
  t.equal(backoffDelayMs(2, options, fixedRandom(0.999999)), 480);
  t.equal(backoffDelayMs(20, options, fixedRandom(0.999999)), 5000);
  t.equal(backoffDelayMs(20, options, fixedRandom(0)), 4000);
  t.end();
});
