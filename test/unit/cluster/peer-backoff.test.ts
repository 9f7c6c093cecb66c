import t from 'tap';
import { Backoff } from '../../../broker/cluster/peer-backoff.js';
import { createRng, type Rng } from '../../../broker/raft/rng.js';

/** An Rng that always returns the same fraction of its bound. */
function fixedRng(fraction: number): Rng {
  return { nextInt: (bound) => Math.floor(fraction * bound) };
}

void t.test('delays double from minMs up to maxMs', (t) => {
  const top = new Backoff({ minMs: 50, maxMs: 1000, rng: fixedRng(0.999999) });
  t.same(
    Array.from({ length: 8 }, () => top.nextDelayMs()),
    [50, 100, 200, 400, 800, 1000, 1000, 1000],
    'the top of each jitter range',
  );
  const bottom = new Backoff({ minMs: 50, maxMs: 1000, rng: fixedRng(0) });
  t.same(
    Array.from({ length: 8 }, () => bottom.nextDelayMs()),
    [25, 50, 100, 200, 400, 500, 500, 500],
    'the bottom of each jitter range is half',
  );
  t.equal(bottom.attempts, 8);
  t.end();
});

void t.test('jitter spreads delays over [d/2, d] and a seed replays them', (t) => {
  const a = new Backoff({ minMs: 100, maxMs: 100, rng: createRng(1) });
  const b = new Backoff({ minMs: 100, maxMs: 100, rng: createRng(1) });
  const delays = Array.from({ length: 200 }, () => a.nextDelayMs());
  t.same(
    delays,
    Array.from({ length: 200 }, () => b.nextDelayMs()),
  );
  t.ok(
    delays.every((d) => d >= 50 && d <= 100),
    'all within [50, 100]',
  );
  t.ok(new Set(delays).size > 20, 'delays differ from each other');
  t.ok(Math.min(...delays) < 60 && Math.max(...delays) > 90, 'the whole range is used');
  t.end();
});

void t.test('reset starts over; a long outage does not overflow', (t) => {
  const backoff = new Backoff({ minMs: 50, maxMs: 1000, rng: fixedRng(0.999999) });
  for (let i = 0; i < 5000; i++) backoff.nextDelayMs();
  t.equal(backoff.nextDelayMs(), 1000);
  backoff.reset();
  t.equal(backoff.attempts, 0);
  t.equal(backoff.nextDelayMs(), 50);
  t.end();
});

void t.test('nonsensical bounds are refused', (t) => {
  const rng = createRng(1);
  t.throws(() => new Backoff({ minMs: 0, maxMs: 10, rng }), RangeError);
  t.throws(() => new Backoff({ minMs: 20, maxMs: 10, rng }), RangeError);
  t.throws(() => new Backoff({ minMs: Number.NaN, maxMs: 10, rng }), RangeError);
  t.end();
});
