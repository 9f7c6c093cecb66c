import t from 'tap';
import { ReadyRing } from '../../../../client/consumer/ready-ring.js';

void t.test('members take turns in the order they became ready; the one served goes to the back', (t) => {
  const ring = new ReadyRing<string>();
  t.equal(ring.add('a'), true);
  t.equal(ring.add('b'), true);
  t.equal(ring.add('a'), false, 'a member is in the ring once');
  const always = () => true;
  t.same([ring.next(always), ring.next(always), ring.next(always)], ['a', 'b', 'a']);
  t.equal(ring.size, 2, 'served members stay in the ring');
  t.end();
});

void t.test('members no longer ready leave the ring on the way; removed ones are not served', (t) => {
  const ring = new ReadyRing<string>();
  for (const m of ['a', 'b', 'c']) ring.add(m);
  ring.remove('b');
  const ready = new Set(['c']);
  t.equal(
    ring.next((m) => ready.has(m)),
    'c',
    'a is skipped: not ready',
  );
  t.equal(ring.has('a'), false, 'a skipped member left the ring');
  t.equal(ring.has('b'), false);
  t.equal(
    ring.next(() => false),
    undefined,
    'nobody ready',
  );
  t.equal(ring.size, 0);
  ring.add('a');
  ring.clear();
  t.equal(
    ring.next(() => true),
    undefined,
    'cleared',
  );
  t.end();
});
