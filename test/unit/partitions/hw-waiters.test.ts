import t from 'tap';
import { HighWatermarkWaiters } from '../../../broker/partitions/hw-waiters.js';
import { ManualTimer } from './fixtures.js';

void t.test('a wait already satisfied, or with no time, ends at once without a timer', async (t) => {
  const timer = new ManualTimer();
  const waiters = new HighWatermarkWaiters(timer.set);
  t.equal(await waiters.wait(5, 5, 1000), 'reached');
  t.equal(await waiters.wait(6, 5, 0), 'timeout');
  t.equal(timer.armed, 0);
});

void t.test('waiters are released by the high watermark they need, and their timers cleared', async (t) => {
  const timer = new ManualTimer();
  const waiters = new HighWatermarkWaiters(timer.set);
  const low = waiters.wait(3, 0, 1000);
  const high = waiters.wait(10, 0, 1000);
  t.equal(timer.armed, 2);
  waiters.advanced(5);
  t.equal(await low, 'reached');
  t.equal(waiters.size, 1);
  t.equal(timer.armed, 1, 'the released waiter no longer holds a timer');
  timer.advance(1000);
  t.equal(await high, 'timeout');
  t.equal(waiters.size, 0);
  t.equal(timer.armed, 0);
});

void t.test('wakeAll and closeAll release everyone', async (t) => {
  const timer = new ManualTimer();
  const waiters = new HighWatermarkWaiters(timer.set);
  const a = waiters.wait(1, 0, 1000);
  waiters.wakeAll();
  t.equal(await a, 'woken');
  const b = waiters.wait(1, 0, 1000);
  waiters.closeAll();
  t.equal(await b, 'closed');
  t.equal(timer.armed, 0);
  timer.advance(5000);
  t.equal(waiters.size, 0);
});
