import t from 'tap';
import { Queue } from '../../../client/queue.js';

void t.test('FIFO order across compaction, drain empties it', (t) => {
  const q = new Queue<number>();
  for (let i = 0; i < 5000; i++) q.push(i);
  for (let i = 0; i < 3000; i++) t.equal(q.shift(), i);
  t.equal(q.length, 2000);
  t.equal(q.peek(), 3000);
  q.push(5000);
  t.same(
    q.drain(),
    Array.from({ length: 2001 }, (_, i) => 3000 + i),
  );
  t.equal(q.length, 0);
  t.equal(q.shift(), undefined);
  t.end();
});
