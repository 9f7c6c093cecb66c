import t from 'tap';
import { BrookError } from '../../../protocol/index.js';
import { ProduceWindow } from '../../../client/produce-window.js';
import { settle } from './helpers/manual-clock.js';

void t.test('acquire waits until grants make room, in order', async (t) => {
  const w = new ProduceWindow();
  w.reset(100);
  t.ok(w.tryAcquire(60));
  t.notOk(w.tryAcquire(50), 'does not fit');
  const order: string[] = [];
  const big = w.acquire(50).then(() => order.push('big'));
  const small = w.acquire(10).then(() => order.push('small'));
  await settle();
  t.same(order, [], 'both wait: the small one does not overtake the big one');
  t.notOk(w.tryAcquire(1), 'tryAcquire does not jump the queue either');
  w.release(10);
  await settle();
  t.same(order, ['big'], 'after 10 bytes back, 50 are free: the big request goes, the small one still waits');
  t.equal(w.availableBytes, 0);
  w.release(10);
  await settle();
  t.same(order, ['big', 'small']);
  await Promise.all([big, small]);
  t.equal(w.availableBytes, 0);
});

void t.test('grants never inflate the window beyond its capacity', (t) => {
  const w = new ProduceWindow();
  w.reset(100);
  w.release(50);
  t.equal(w.availableBytes, 100);
  t.end();
});

void t.test('a request larger than the whole window goes alone when the window is free', (t) => {
  const w = new ProduceWindow();
  w.reset(100);
  t.ok(w.tryAcquire(150));
  t.notOk(w.tryAcquire(1));
  w.release(150);
  t.equal(w.availableBytes, 100);
  t.end();
});

void t.test('disconnect fails waiters; a new session starts with a fresh window', async (t) => {
  const w = new ProduceWindow();
  t.notOk(w.tryAcquire(1), 'closed before the first hello');
  await t.rejects(w.acquire(1), { code: 'NETWORK_ERROR' });
  w.reset(10);
  t.ok(w.tryAcquire(10));
  const waiting = w.acquire(5);
  w.disconnect(new BrookError('NETWORK_ERROR', 'gone'));
  await t.rejects(waiting, { code: 'NETWORK_ERROR', retriable: true });
  w.release(10);
  t.equal(w.availableBytes, 0, 'grants from the dead session are ignored');
  w.reset(20);
  t.equal(w.availableBytes, 20);
});
