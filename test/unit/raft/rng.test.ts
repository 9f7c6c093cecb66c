import t from 'tap';
import { createRng } from '../../../broker/raft/index.js';

void t.test('same seed, same sequence; different seeds differ', (t) => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const seqA = Array.from({ length: 20 }, () => a.nextUint32());
  const seqB = Array.from({ length: 20 }, () => b.nextUint32());
  const seqC = Array.from({ length: 20 }, () => c.nextUint32());
  t.same(seqA, seqB);
  t.notSame(seqA, seqC);
  t.ok(seqA.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32));
  t.end();
});

void t.test('nextInt stays in range and covers it roughly evenly', (t) => {
  const rng = createRng(7);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 10000; i++) {
    const x = rng.nextInt(10);
    counts[x] = (counts[x] ?? 0) + 1;
  }
  t.ok(
    counts.every((n) => n > 850 && n < 1150),
    `counts ${counts.join(',')}`,
  );
  t.throws(() => rng.nextInt(0), RangeError);
  t.throws(() => rng.nextInt(1.5), RangeError);
  t.equal(rng.nextInt(1), 0);
  t.end();
});

void t.test('nextFloat is in [0, 1)', (t) => {
  const rng = createRng(0);
  for (let i = 0; i < 1000; i++) {
    const x = rng.nextFloat();
    if (x < 0 || x >= 1) t.fail(`out of range ${x}`);
  }
  t.pass('all in range');
  t.end();
});
