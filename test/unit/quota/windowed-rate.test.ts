import t from 'tap';
import { WindowedRate } from '../../../broker/quota/windowed-rate.js';

// 10 samples of 100 ms: a 1 s window, never measured over less than 900 ms.
const window = { samples: 10, sampleMs: 100 };

void t.test('the rate is the window total over at least all samples but one', (t) => {
  const rate = new WindowedRate(window);
  rate.record(900, 0);
  t.equal(rate.ratePerSec(0), 1000, 'a first burst is measured over 900 ms, not over 0');
  rate.record(300, 990);
  t.equal(rate.ratePerSec(990), (1200 * 1000) / 990, 'over the elapsed time once it is longer');
  t.equal(rate.ratePerSec(1000), 300 / 0.9, 'the first sample left the window');
  t.end();
});

void t.test('throttle time is what the window total takes at the quota, minus the window', (t) => {
  const rate = new WindowedRate(window);
  rate.record(500, 0);
  t.equal(rate.throttleMs(1000, 0), 0, '500 B in 900 ms is within 1000 B/s');
  rate.record(1400, 10);
  // 1900 B take 1900 ms at 1000 B/s; 900 ms of window are behind us.
  t.equal(rate.throttleMs(1000, 10), 1000);
  t.equal(rate.throttleMs(1000, 510), 1000, 'the window is never shorter than 900 ms');
  t.equal(rate.throttleMs(1000, 950), 950, 'past 900 ms, waiting counts');
  t.equal(rate.throttleMs(1000, 1000), 0, 'the sample has left the window: the client waited long enough');
  t.end();
});

void t.test('a throttle is at most the whole window', (t) => {
  const rate = new WindowedRate(window);
  rate.record(1_000_000, 0);
  t.equal(rate.throttleMs(1000, 0), 1000, 'not 999 s for one huge request');
  t.end();
});

void t.test('samples older than the window are forgotten', (t) => {
  const rate = new WindowedRate(window);
  t.ok(rate.isIdle(0), 'nothing recorded yet');
  for (let ms = 0; ms < 2000; ms += 50) rate.record(10, ms);
  t.notOk(rate.isIdle(1999));
  t.equal(rate.ratePerSec(1999), (20 * 10 * 1000) / 999, 'only the last second of samples counts');
  t.ok(rate.isIdle(3000), 'a whole window later');
  t.equal(rate.ratePerSec(3000), 0);
  t.end();
});
