import t from 'tap';
import { partitionForKey } from '../../../protocol/murmur2.js';
import { Partitioner } from '../../../client/partitioner.js';
import { SeededRandom } from './helpers/manual-clock.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

void t.test('keyed records use murmur2 whatever the strategy', (t) => {
  for (const strategy of ['sticky', 'round-robin'] as const) {
    const p = new Partitioner(strategy, new SeededRandom(1));
    for (const key of ['a', 'order-17', 'foobar'])
      t.equal(p.partition('t', utf8(key), 12), partitionForKey(utf8(key), 12));
  }
  t.end();
});

void t.test('sticky: keyless records stay on one partition until its batch closes', (t) => {
  const p = new Partitioner('sticky', new SeededRandom(7));
  const first = p.partition('t', null, 8);
  for (let i = 0; i < 100; i++) t.equal(p.partition('t', null, 8), first);
  p.batchClosed('t', (first + 1) % 8, 8);
  t.equal(p.partition('t', null, 8), first, 'another partition closing a batch does not move it');
  p.batchClosed('t', first, 8);
  const second = p.partition('t', null, 8);
  t.not(second, first, 'moves to a different partition');
  t.ok(second >= 0 && second < 8);
  // Over many switches every partition gets used.
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const cur = p.partition('t', null, 8);
    seen.add(cur);
    p.batchClosed('t', cur, 8);
  }
  t.equal(seen.size, 8);
  t.end();
});

void t.test('sticky: topics are independent; one partition stays put', (t) => {
  const p = new Partitioner('sticky', new SeededRandom(3));
  const a = p.partition('a', null, 4);
  p.partition('b', null, 4);
  p.batchClosed('b', p.partition('b', null, 4), 4);
  t.equal(p.partition('a', null, 4), a);
  p.batchClosed('single', 0, 1);
  t.equal(p.partition('single', null, 1), 0);
  t.end();
});

void t.test('round-robin rotates one record at a time', (t) => {
  const p = new Partitioner('round-robin', new SeededRandom(5));
  const seq = Array.from({ length: 8 }, () => p.partition('t', null, 4));
  for (let i = 1; i < seq.length; i++) t.equal(seq[i], ((seq[i - 1] ?? 0) + 1) % 4);
  t.end();
});

void t.test('a custom function decides, and is checked', (t) => {
  const p = new Partitioner(({ key, partitions }) => (key === null ? partitions - 1 : 0), new SeededRandom());
  t.equal(p.partition('t', null, 3), 2);
  t.equal(p.partition('t', utf8('k'), 3), 0);
  const bad = new Partitioner(() => 9, new SeededRandom());
  t.throws(() => bad.partition('t', null, 3), RangeError);
  t.end();
});
