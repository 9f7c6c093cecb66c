import t from 'tap';
import { latencySummary } from '../../../bench/latency.js';
import type { LatencySample } from '../../../bench/system.js';

void t.test('percentiles of deliverMs - sendMs, in ms, within HDR precision', (t) => {
  // Latencies 1..1000 ms, one each.
  const samples: LatencySample[] = Array.from({ length: 1000 }, (_, i) => ({
    sendMs: 100 + i,
    deliverMs: 100 + 2 * i + 1,
  }));
  const s = latencySummary(samples);
  t.equal(s.count, 1000);
  t.ok(Math.abs((s.p50Ms ?? 0) - 500) <= 0.5, `p50 ${String(s.p50Ms)}`);
  t.ok(Math.abs((s.p99Ms ?? 0) - 990) <= 1, `p99 ${String(s.p99Ms)}`);
  t.ok(Math.abs((s.p999Ms ?? 0) - 999) <= 1, `p99.9 ${String(s.p999Ms)}`);
  t.ok(Math.abs((s.maxMs ?? 0) - 1000) <= 1, `max ${String(s.maxMs)}`);
  t.end();
});

void t.test('sub-millisecond latencies keep microsecond resolution', (t) => {
  const s = latencySummary([{ sendMs: 0, deliverMs: 0.25 }]);
  t.equal(s.p50Ms, 0.25);
  t.equal(s.maxMs, 0.25);
  t.end();
});

void t.test('no samples: nulls, not zeros', (t) => {
  t.same(latencySummary([]), { count: 0, p50Ms: null, p99Ms: null, p999Ms: null, maxMs: null });
  t.end();
});

void t.test('coordinated omission: a stalled sender is charged from the intended send times', (t) => {
  // 1,000 records at 1 per ms. The sender stalls for 100 ms at record 500: records 500..599 go out together at
  // 600 ms. Every record arrives 1 ms after it actually left.
  const intended = (i: number): number => i;
  const actual = (i: number): number => (i >= 500 && i < 600 ? 600 : i);
  const fromIntended = latencySummary(
    Array.from({ length: 1000 }, (_, i) => ({ sendMs: intended(i), deliverMs: actual(i) + 1 })),
  );
  const fromActual = latencySummary(
    Array.from({ length: 1000 }, (_, i) => ({ sendMs: actual(i), deliverMs: actual(i) + 1 })),
  );
  // Measured from the actual send the stall vanishes: every record looks 1 ms.
  t.equal(fromActual.p99Ms, 1);
  t.equal(fromActual.maxMs, 1);
  // Measured from the intended send the 100 records that waited show: 10% of the records are above 1 ms, the worst
  // waited the whole stall.
  t.ok((fromIntended.p99Ms ?? 0) >= 90, `p99 ${String(fromIntended.p99Ms)}`);
  t.ok(Math.abs((fromIntended.maxMs ?? 0) - 101) <= 0.1, `max ${String(fromIntended.maxMs)}`);
  t.equal(fromIntended.p50Ms, 1);
  t.end();
});

void t.test('clock noise never makes a negative latency', (t) => {
  t.equal(latencySummary([{ sendMs: 10, deliverMs: 9.999 }]).maxMs, 0);
  t.end();
});
