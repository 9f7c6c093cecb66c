import t from 'tap';
import { dueCount, intendedSendMs, runOpenLoop } from '../../../bench/open-loop.js';

void t.test('intendedSendMs: evenly spaced from the start', (t) => {
  t.equal(intendedSendMs(1000, 10_000, 0), 1000);
  t.equal(intendedSendMs(1000, 10_000, 10), 1001);
  t.equal(intendedSendMs(0, 1_000, 2500), 2500);
  t.end();
});

void t.test('dueCount: record 0 at once, then one per interval, capped at the total', (t) => {
  t.equal(dueCount(-1, 1000, 10), 0);
  t.equal(dueCount(0, 1000, 10), 1);
  t.equal(dueCount(0.999, 1000, 10), 1);
  t.equal(dueCount(1, 1000, 10), 2);
  t.equal(dueCount(5.5, 1000, 10), 6);
  t.equal(dueCount(1e6, 1000, 10), 10);
  t.end();
});

void t.test('runOpenLoop: sends every record once, in order, reporting intended (not actual) times', async (t) => {
  // A fake clock that advances 1 ms per sleep, except one 50 ms stall (the event loop was blocked).
  let now = 100;
  let sleeps = 0;
  const sent: { index: number; intendedMs: number; atMs: number }[] = [];
  const startMs = await runOpenLoop({
    ratePerSec: 1000,
    seconds: 0.2,
    nowMs: () => now,
    sleep: () => {
      sleeps++;
      now += sleeps === 20 ? 50 : 1;
      return Promise.resolve();
    },
    send: (index, intendedMs) => sent.push({ index, intendedMs, atMs: now }),
  });
  t.equal(startMs, 100);
  t.equal(sent.length, 200);
  t.same(
    sent.map((s) => s.index),
    Array.from({ length: 200 }, (_, i) => i),
  );
  t.ok(
    sent.every((s) => s.intendedMs === 100 + s.index),
    'each record reports its scheduled time',
  );
  // The clock reads 119 before the stall and 169 after it. The 50 records that fell due meanwhile (intended 120..169)
  // left in one burst at 169, each reporting its own intended time: the oldest is charged 49 ms of waiting.
  const burst = sent.filter((s) => s.atMs === 169);
  t.equal(burst.length, 50, 'everything due by the end of the stall, at once');
  t.equal(Math.max(...burst.map((s) => s.atMs - s.intendedMs)), 49);
  t.ok(
    sent.every((s) => s.atMs >= s.intendedMs),
    'never sent early',
  );
});
