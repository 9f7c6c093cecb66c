import t from 'tap';
import {
  BrookError,
  encodeFrame,
  notices,
  readRecordBatchHeader,
  requests,
  type Frame,
} from '../../../protocol/index.js';
import { errorCodeOf } from '../../helpers/raw-connection.js';
import { creditFrame, Harness } from './fakes.js';

const DELIVER = 32;
const SUBSCRIPTION_END = 34;

interface Deliver {
  subscriptionId: number;
  highWatermark: number;
  /** Each a stored RecordBatch v2, as the log holds it. */
  batches: Uint8Array[];
}

function delivers(frames: Frame[]): Deliver[] {
  return frames.filter((f) => f.op === DELIVER).map((f) => f.body as Deliver);
}

function offsets(frames: Frame[]): number[] {
  return delivers(frames).flatMap((d) => d.batches.map((b) => readRecordBatchHeader(b).baseOffset));
}

/** Bytes of one batch of 10 records in these tests (a RecordBatch v2 of 10 records takes at least 131). */
const BATCH_BYTES = 200;

/** A greeted session and a partition 't-0' holding `batches` batches of 10 records and BATCH_BYTES bytes each. */
function setup(batches: number, limits = {}) {
  const h = new Harness({ limits }).greet();
  const feed = h.core.addFeed('t');
  for (let i = 0; i < batches; i++) feed.append(10, BATCH_BYTES);
  return { h, feed };
}

const plenty = { records: 1_000_000, bytes: 1_000_000 };

void t.test('subscribe answers with the resolved offset, then delivers from it in order', (t) => {
  const { h, feed } = setup(3);
  feed.logStartOffset = 10;
  h.send('subscribe', 2, { subscriptionId: 5, topic: 't', partition: 0, offset: 'earliest', credit: plenty });
  const frames = h.flush();
  t.same(frames[0], {
    version: 1,
    op: requests.subscribe.code,
    correlationId: 2,
    body: { offset: 10, highWatermark: 30, logStartOffset: 10 },
  });
  t.same(offsets(frames), [10, 20], 'the batch containing the start offset, then the next');
  t.equal(delivers(frames)[0]?.subscriptionId, 5);
  t.equal(delivers(frames)[0]?.highWatermark, 30);
  feed.append(10, BATCH_BYTES);
  t.same(offsets(h.flush()), [30], 'continues right after the last batch delivered');
  t.same(h.core.metrics.of('delivered'), [
    ['t', 20, 2 * BATCH_BYTES],
    ['t', 10, BATCH_BYTES],
  ]);
  t.end();
});

void t.test("'latest' starts at the high watermark", (t) => {
  const { h, feed } = setup(2);
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 'latest', credit: plenty });
  const frames = h.flush();
  t.match(frames[0]?.body, { offset: 20 });
  t.same(offsets(frames), []);
  feed.append(1, 10);
  t.same(offsets(h.flush()), [20]);
  t.end();
});

void t.test('subscribe refusals keep the connection open', (t) => {
  const { h } = setup(1);
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 11, credit: plenty });
  h.send('subscribe', 3, { subscriptionId: 1, topic: 'missing', partition: 0, offset: 0, credit: plenty });
  h.send('subscribe', 4, { subscriptionId: 1, topic: 't', partition: 0, offset: 0, credit: plenty });
  h.send('subscribe', 5, { subscriptionId: 1, topic: 't', partition: 0, offset: 0, credit: plenty });
  const frames = h.conn.take();
  t.same(
    frames.map((f) => [f.correlationId, errorCodeOf(f) ?? 'ok']),
    [
      [2, 'OFFSET_OUT_OF_RANGE'],
      [3, 'UNKNOWN_TOPIC'],
      [4, 'ok'],
      [5, 'INVALID_REQUEST'],
    ],
    'the last reuses a live subscription id',
  );
  t.notOk(h.conn.closed);
  t.end();
});

void t.test('delivery honours credit: nothing starts once it is spent, and a credit notice resumes it', (t) => {
  const { h, feed } = setup(5);
  h.send('subscribe', 2, {
    subscriptionId: 1,
    topic: 't',
    partition: 0,
    offset: 0,
    credit: { records: 15, bytes: 1e6 },
  });
  t.same(offsets(h.flush()), [0, 10], 'the second batch starts with 5 records left, overdrawing by one batch');
  t.same(h.core.metrics.of('deliveryStalled'), [['credit']]);
  feed.append(10, BATCH_BYTES);
  t.same(offsets(h.flush()), [], 'new data does not override spent credit');
  h.session.receive(creditFrame({ subscriptionId: 1, records: 5, bytes: 0 }));
  t.same(offsets(h.flush()), [], 'credit adds to the debt of -5: still 0');
  h.session.receive(creditFrame({ subscriptionId: 1, records: 25, bytes: 0 }));
  t.same(offsets(h.flush()), [20, 30, 40]);
  t.end();
});

void t.test('byte credit is honoured the same way', (t) => {
  const { h } = setup(5);
  h.send('subscribe', 2, {
    subscriptionId: 1,
    topic: 't',
    partition: 0,
    offset: 0,
    credit: { records: 1e6, bytes: 2.5 * BATCH_BYTES },
  });
  t.same(offsets(h.flush()), [0, 10, 20]);
  h.session.receive(creditFrame({ subscriptionId: 1, records: 0, bytes: BATCH_BYTES }));
  t.same(offsets(h.flush()), [30]);
  t.end();
});

void t.test('a subscription with no credit delivers nothing until granted some', (t) => {
  const { h } = setup(2);
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 0, credit: { records: 0, bytes: 0 } });
  t.same(offsets(h.flush()), []);
  h.session.receive(creditFrame({ subscriptionId: 1, records: 1, bytes: 1 }));
  t.same(offsets(h.flush()), [0]);
  t.end();
});

void t.test('a deliver frame holds at most deliverMaxBytes of records bytes', (t) => {
  const { h } = setup(5, { deliverMaxBytes: 2.5 * BATCH_BYTES });
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 0, credit: plenty });
  t.same(
    delivers(h.flush()).map((d) => d.batches.map((b) => readRecordBatchHeader(b).baseOffset)),
    [[0, 10], [20, 30], [40]],
  );
  t.end();
});

void t.test('socket backpressure pauses delivery and drain resumes it', (t) => {
  const { h, feed } = setup(3); // socketBufferBytes 4096
  h.conn.buffered = 5000;
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 0, credit: plenty });
  t.same(offsets(h.flush()), [], 'the socket holds more than socketBufferBytes');
  t.same(h.core.metrics.of('deliveryStalled'), [['socket']]);
  feed.append(10, BATCH_BYTES);
  t.same(offsets(h.flush()), [], 'new data waits for the drain');
  h.conn.drain(4097);
  t.same(offsets(h.flush()), [], 'still above the bound');
  h.conn.drain(0);
  t.same(offsets(h.flush()), [0, 10, 20, 30]);
  t.same(h.core.metrics.of('deliveryStalled'), [['socket']], 'one stall, counted once');
  t.end();
});

void t.test('delivery stops as soon as the socket fills up', (t) => {
  const { h } = setup(6, { deliverMaxBytes: BATCH_BYTES });
  const send = h.conn.send.bind(h.conn);
  h.conn.send = (frame) => {
    send(frame);
    h.conn.buffered += 3000; // each frame fills the socket a lot
  };
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 0, credit: plenty });
  h.conn.buffered = 0; // the subscribe response
  t.same(offsets(h.flush()), [0, 10], 'stops once above 4096');
  h.conn.drain(0);
  t.same(offsets(h.flush()), [20, 30]);
  t.end();
});

void t.test('one delivery turn is bounded even when the socket takes everything at once', (t) => {
  const { h } = setup(100, { deliverMaxBytes: BATCH_BYTES, socketBufferBytes: 10 * BATCH_BYTES });
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 0, credit: plenty });
  h.conn.take();
  t.ok(h.deferred.runOne());
  const first = offsets(h.conn.take()).length;
  t.ok(first > 0 && first < 100, `the first turn delivered ${String(first)} of 100 batches`);
  t.equal(h.deferred.pending, 1, 'and deferred the rest');
  t.equal(offsets(h.flush()).length, 100 - first);
  t.end();
});

void t.test('subscriptions of one connection take turns', (t) => {
  const h = new Harness({ limits: { deliverMaxBytes: 100 } }).greet();
  const a = h.core.addFeed('a');
  const b = h.core.addFeed('b');
  for (let i = 0; i < 3; i++) {
    a.append(1, 100);
    b.append(1, 100);
  }
  h.send('subscribe', 2, { subscriptionId: 1, topic: 'a', partition: 0, offset: 0, credit: plenty });
  h.send('subscribe', 3, { subscriptionId: 2, topic: 'b', partition: 0, offset: 0, credit: plenty });
  t.same(
    delivers(h.flush()).map((d) => d.subscriptionId),
    [1, 2, 1, 2, 1, 2],
  );
  t.end();
});

void t.test('after unsubscribe is answered no deliver follows for that id', (t) => {
  const { h, feed } = setup(1);
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 0, credit: plenty });
  h.flush();
  feed.append(10, BATCH_BYTES); // a pump is now scheduled
  h.send('unsubscribe', 3, { subscriptionId: 1 });
  const frames = h.flush();
  t.same(
    frames.map((f) => [f.op, f.correlationId]),
    [[requests.unsubscribe.code, 3]],
  );
  t.equal(feed.listeners.size, 0, 'stopped watching the partition');
  feed.append(10, BATCH_BYTES);
  h.session.receive(creditFrame({ subscriptionId: 1, records: 10, bytes: 10 }));
  t.same(h.flush(), [], 'credit for a dead id is ignored');
  h.send('unsubscribe', 4, { subscriptionId: 1 });
  t.equal(errorCodeOf(h.conn.take()[0]), 'UNKNOWN_SUBSCRIPTION');
  t.end();
});

void t.test('subscriptionEnd UNKNOWN_TOPIC when the partition closes', (t) => {
  const { h, feed } = setup(1);
  h.send('subscribe', 2, { subscriptionId: 9, topic: 't', partition: 0, offset: 0, credit: plenty });
  h.flush();
  feed.emit('closed');
  const [end] = h.flush();
  t.equal(end?.op, SUBSCRIPTION_END);
  t.match(end?.body, { subscriptionId: 9, error: { code: 4 } });
  t.equal(feed.listeners.size, 0);
  feed.emit('data');
  t.same(h.flush(), []);
  h.send('subscribe', 3, { subscriptionId: 9, topic: 't', partition: 0, offset: 0, credit: plenty });
  t.equal(errorCodeOf(h.conn.take()[0]), undefined, 'the id is free again');
  t.end();
});

void t.test('subscriptionEnd OFFSET_OUT_OF_RANGE when retention deletes the position', (t) => {
  const { h, feed } = setup(1);
  h.send('subscribe', 2, {
    subscriptionId: 9,
    topic: 't',
    partition: 0,
    offset: 0,
    credit: { records: 5, bytes: 1e6 },
  });
  h.flush();
  feed.append(10, BATCH_BYTES);
  feed.append(10, BATCH_BYTES);
  feed.logStartOffset = 20;
  h.session.receive(creditFrame({ subscriptionId: 9, records: 100, bytes: 0 }));
  const [end] = h.flush();
  t.equal(end?.op, SUBSCRIPTION_END);
  t.match(end?.body, { subscriptionId: 9, error: { code: 8 } });
  t.same(h.core.metrics.of('errorSent'), [['OFFSET_OUT_OF_RANGE']]);
  t.end();
});

void t.test('any other read failure ends the subscription with that error', (t) => {
  const { h, feed } = setup(0);
  h.send('subscribe', 2, { subscriptionId: 9, topic: 't', partition: 0, offset: 0, credit: plenty });
  h.flush();
  feed.failWith = new BrookError('NOT_LEADER');
  feed.append(1, 1);
  t.match(h.flush()[0]?.body, { subscriptionId: 9, error: { code: 12 } });
  t.end();
});

void t.test('a credit notice whose body fails its schema is a connection error (INVALID_REQUEST, close)', (t) => {
  const { h } = setup(0);
  h.session.receive(encodeFrame(notices.credit.code, 0, { subscriptionId: 1, records: -1, bytes: 0 }, false));
  t.equal(errorCodeOf(h.conn.take()[0]), 'INVALID_REQUEST');
  t.ok(h.conn.closed);
  t.end();
});

void t.test('closing the session stops watching every partition', (t) => {
  const { h, feed } = setup(1);
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 0, credit: plenty });
  h.send('subscribe', 3, { subscriptionId: 2, topic: 't', partition: 0, offset: 0, credit: plenty });
  t.equal(feed.listeners.size, 2);
  h.conn.take();
  h.session.close();
  t.equal(feed.listeners.size, 0);
  t.same(h.flush(), [], 'pending deliveries are dropped');
  t.end();
});
