import t from 'tap';
import { Credit } from '../../../broker/net/credit.js';
import { resolveStartOffset, Subscription } from '../../../broker/net/subscription.js';
import { FakeFeed } from './fakes.js';

function feedWith(...batches: [count: number, bytes: number][]): FakeFeed {
  const feed = new FakeFeed('t', 0);
  for (const [count, bytes] of batches) feed.append(count, bytes);
  return feed;
}

void t.test('start offsets: earliest, latest, or a number within the log', (t) => {
  const feed = feedWith([10, 100], [10, 100]);
  feed.logStartOffset = 5;
  t.equal(resolveStartOffset(feed, 'earliest'), 5);
  t.equal(resolveStartOffset(feed, 'latest'), 20);
  t.equal(resolveStartOffset(feed, 5), 5);
  t.equal(resolveStartOffset(feed, 20), 20, 'the high watermark itself is valid');
  t.throws(() => resolveStartOffset(feed, 4), { code: 'OFFSET_OUT_OF_RANGE' });
  t.throws(() => resolveStartOffset(feed, 21), { code: 'OFFSET_OUT_OF_RANGE' });
  t.end();
});

void t.test('takes batches while credit lasts, overdrawing by at most one batch', (t) => {
  const feed = feedWith([10, 100], [10, 100], [10, 100]);
  const sub = new Subscription(1, feed, 0, new Credit(15, 10_000));
  const first = sub.take(10_000);
  t.same(
    first.map((b) => b.baseOffset),
    [0, 10],
    'the second batch starts with 5 records of credit left',
  );
  t.equal(sub.credit.recordsLeft, -5);
  t.equal(sub.nextOffset, 20);
  t.notOk(sub.ready, 'no credit: not ready');
  sub.credit.add(10, 0);
  t.same(
    sub.take(10_000).map((b) => b.baseOffset),
    [20],
  );
  t.end();
});

void t.test('byte credit bounds the read; the batch that overdraws goes in the next deliver', (t) => {
  const feed = feedWith([1, 100], [1, 100], [1, 100]);
  const sub = new Subscription(1, feed, 0, new Credit(100, 150));
  t.same(
    sub.take(10_000).map((b) => b.baseOffset),
    [0],
    'reads no more than the byte credit',
  );
  t.ok(sub.ready, '50 bytes of credit left');
  t.same(
    sub.take(10_000).map((b) => b.baseOffset),
    [1],
    'a batch starts while bytes are positive',
  );
  t.equal(sub.credit.bytesLeft, -50);
  t.notOk(sub.ready);
  t.end();
});

void t.test('a deliver holds at most deliverMaxBytes, but always one batch', (t) => {
  const feed = feedWith([1, 300], [1, 300], [1, 300]);
  const sub = new Subscription(1, feed, 0, new Credit(100, 10_000));
  t.same(
    sub.take(700).map((b) => b.baseOffset),
    [0, 1],
  );
  t.same(
    sub.take(100).map((b) => b.baseOffset),
    [2],
    'one batch above the limit still goes',
  );
  t.end();
});

void t.test('nothing at the high watermark: awaits data', (t) => {
  const feed = feedWith([2, 10]);
  const sub = new Subscription(1, feed, 0, new Credit(100, 10_000));
  t.equal(sub.take(1000).length, 1);
  t.same(sub.take(1000), []);
  t.ok(sub.awaitingData);
  t.notOk(sub.ready);
  t.end();
});

void t.test('a start inside a batch delivers that whole batch and continues after it', (t) => {
  const feed = feedWith([10, 10], [10, 10]);
  const sub = new Subscription(1, feed, 5, new Credit(1, 10_000));
  t.same(
    sub.take(1000).map((b) => b.baseOffset),
    [0],
  );
  t.equal(sub.nextOffset, 10);
  t.end();
});
