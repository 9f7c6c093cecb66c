import t from 'tap';
import { PeerLiveness } from '../../../broker/cluster/liveness.js';

void t.test('a peer never heard from is not live, and reported dead once after a timeout from the start', (t) => {
  const liveness = new PeerLiveness(3);
  t.equal(liveness.isLive(2), false);
  t.equal(liveness.mayBeLive(2), true, 'may be live: not heard from yet, but the start was just now');
  for (let i = 0; i < 3; i++) t.same(liveness.tick([2, 3]), [], `tick ${String(i + 1)}: within the timeout`);
  t.equal(liveness.mayBeLive(2), true);
  t.same(liveness.tick([2, 3]), [2, 3], 'both reported on the fourth silent tick');
  t.equal(liveness.mayBeLive(2), false, 'no longer presumed live');
  t.same(liveness.tick([2, 3]), [], 'not reported again');
  t.end();
});

void t.test('a peer first named after the start timeout is dead at the next tick unless heard', (t) => {
  const liveness = new PeerLiveness(2);
  for (let i = 0; i < 3; i++) liveness.tick([]);
  t.equal(liveness.mayBeLive(5), false, 'the start grace is over');
  liveness.heard(6);
  t.same(liveness.tick([5, 6]), [5], 'only the silent one');
  t.equal(liveness.mayBeLive(6), true);
  t.end();
});

void t.test('silence longer than the timeout kills a peer; hearing from it revives it', (t) => {
  const liveness = new PeerLiveness(3);
  t.equal(liveness.heard(2), true, 'the first message makes it live');
  t.equal(liveness.heard(2), false, 'the next ones change nothing');
  for (let i = 0; i < 3; i++) t.same(liveness.tick([2]), [], `tick ${String(i + 1)}: within the timeout`);
  t.equal(liveness.isLive(2), true);
  t.same(liveness.tick([2]), [2], 'the fourth silent tick exceeds it');
  t.equal(liveness.isLive(2), false);
  t.equal(liveness.heard(2), true, 'a message from a dead peer makes it live again');
  t.equal(liveness.isLive(2), true, 'alive again at the next message');
  t.end();
});

void t.test('a failed link kills a peer at once, and only once', (t) => {
  const liveness = new PeerLiveness(10);
  liveness.heard(2);
  t.equal(liveness.lost(2), true);
  t.equal(liveness.isLive(2), false);
  t.equal(liveness.mayBeLive(2), false, 'not even during the start grace');
  t.equal(liveness.lost(2), false, 'already dead');
  t.same(liveness.tick([2]), [], 'not reported again by the timeout');
  t.end();
});
