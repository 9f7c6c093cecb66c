import t from 'tap';
import { ProduceWindow } from '../../../broker/net/produce-window.js';

void t.test('admits requests up to the window and refuses the one that would exceed it', (t) => {
  const w = new ProduceWindow(100);
  t.ok(w.tryAcquire(60));
  t.ok(w.tryAcquire(40), 'exactly full is allowed');
  t.equal(w.inFlightBytes, 100);
  t.notOk(w.tryAcquire(1));
  t.equal(w.inFlightBytes, 100, 'a refusal changes nothing');
  t.end();
});

void t.test('released bytes free the window and are owed back once', (t) => {
  const w = new ProduceWindow(100);
  w.tryAcquire(70);
  w.release(30);
  w.release(40);
  t.equal(w.inFlightBytes, 0);
  t.equal(w.pendingGrantBytes, 70);
  t.equal(w.takeGrant(), 70, 'one grant carries every release');
  t.equal(w.takeGrant(), 0);
  t.end();
});

void t.test('refunds are owed back without touching the window', (t) => {
  const w = new ProduceWindow(100);
  w.tryAcquire(100);
  w.refund(50);
  t.equal(w.inFlightBytes, 100);
  t.equal(w.takeGrant(), 50);
  t.end();
});

void t.test('releasing more than is in flight is a bug', (t) => {
  const w = new ProduceWindow(100);
  w.tryAcquire(10);
  t.throws(() => {
    w.release(11);
  }, RangeError);
  t.end();
});
