import t from 'tap';
import { requests, type Frame } from '../../../protocol/index.js';
import { ClientQuotas } from '../../../broker/quota/client-quotas.js';
import { ANONYMOUS } from '../../../broker/net/session.js';
import { errorCodeOf } from '../../helpers/raw-connection.js';
import { batchAt, produceRequest } from '../../helpers/opaque-batches.js';
import { Harness, settle } from './fakes.js';

const GRANT = 33;
const DELIVER = 32;

/** A greeted session whose produce and fetch quotas are 1000 B/s, measured over 10 samples of 100 ms. */
function quotaHarness(limits = {}): Harness {
  const h = new Harness({ limits });
  h.core.quotas = new ClientQuotas(
    { limits: { produce: 1000, fetch: 1000, partitionCreation: 10 }, window: { samples: 10, sampleMs: 100 } },
    ANONYMOUS,
  );
  return h.greet();
}

function summary(frames: Frame[]): [number, number, unknown][] {
  return frames.map((f) => [f.op, f.correlationId, f.body]);
}

void t.test('a produce past the quota is answered, and its window granted back, after the throttle time', async (t) => {
  const h = quotaHarness();
  h.send('produce', 2, produceRequest([900]));
  h.core.produces[0]?.done.resolve({ partitions: [{ topic: 't', partition: 0, baseOffset: 0 }] });
  await settle();
  t.same(
    summary(h.flush()),
    [
      [requests.produce.code, 2, { partitions: [{ topic: 't', partition: 0, baseOffset: 0 }] }],
      [GRANT, 0, { bytes: 900 }],
    ],
    '900 B in the first 900 ms are within 1000 B/s: no throttle time',
  );
  h.send('produce', 3, produceRequest([900]));
  h.core.produces[1]?.done.resolve({ partitions: [{ topic: 't', partition: 0, baseOffset: 1 }] });
  await settle();
  t.same(h.flush(), [], '1800 B take 1800 ms at the quota: the answer and the credit wait 900 ms');
  h.elapse(899);
  t.same(h.flush(), [], 'still held');
  h.elapse(1);
  t.same(summary(h.flush()), [
    [requests.produce.code, 3, { partitions: [{ topic: 't', partition: 0, baseOffset: 1 }], throttleTimeMs: 900 }],
    [GRANT, 0, { bytes: 900 }],
  ]);
  t.equal(h.core.produces.length, 2, 'every produce reached the core: nothing is dropped');
});

void t.test('a fetch past the quota is answered after the throttle time, which it carries', async (t) => {
  const h = quotaHarness();
  const batches = [batchAt(0, 1, 600).bytes];
  h.core.handlers.fetch = () => Promise.resolve({ highWatermark: 1, logStartOffset: 0, batches });
  const fetch = { topic: 't', partition: 0, offset: 0, maxBytes: 1000, maxWaitMs: 0 };
  h.send('fetch', 2, fetch);
  await settle();
  const answered = (frames: Frame[]) =>
    frames.map((f) => [f.correlationId, (f.body as { throttleTimeMs?: number }).throttleTimeMs]);
  t.same(answered(h.conn.take()), [[2, undefined]], 'within the quota: at once, no throttle time');
  h.send('fetch', 3, fetch);
  await settle();
  t.same(h.conn.take(), [], '1200 B: held 300 ms');
  h.elapse(300);
  t.same(answered(h.conn.take()), [[3, 300]]);
});

void t.test('push delivery past the fetch quota pauses for the throttle time', (t) => {
  const h = quotaHarness();
  const feed = h.core.addFeed('t');
  feed.append(1, 600);
  feed.append(1, 600);
  const credit = { records: 1_000_000, bytes: 1_000_000 };
  h.send('subscribe', 2, { subscriptionId: 1, topic: 't', partition: 0, offset: 'earliest', credit });
  const first = h.flush().filter((f) => f.op === DELIVER);
  t.equal(first.length, 2, 'a deliver per batch (deliverMaxBytes 1000): the quota is past after the second');
  feed.append(1, 600);
  t.same(h.flush(), [], 'nothing more while throttled (1200 B take 1200 ms: 300 ms left)');
  h.elapse(300);
  t.equal(h.flush().filter((f) => f.op === DELIVER).length, 1, 'delivery resumes once the throttle is over');
  t.end();
});

void t.test('draining a session releases what the quota holds', async (t) => {
  const h = quotaHarness();
  h.send('produce', 2, produceRequest([900]));
  h.send('produce', 3, produceRequest([70]));
  for (const p of h.core.produces) p.done.resolve({ partitions: [] });
  await settle();
  h.flush();
  t.ok(h.runtime.pendingTimers > 0, 'an answer is held');
  await h.session.drain();
  t.equal(h.runtime.pendingTimers, 0, 'no timer left behind');
  t.ok(
    h.flush().some((f) => f.correlationId === 3),
    'the held answer went out at once',
  );
});

void t.test('createTopics is refused with QUOTA_EXCEEDED once the partition creation quota is spent', async (t) => {
  const h = quotaHarness();
  const topic = (name: string, partitions: number) => ({ name, partitions, replicationFactor: 1, config: {} });
  h.send('createTopics', 2, { topics: [topic('a', 15)] });
  await settle();
  t.equal(errorCodeOf(h.conn.take()[0]), undefined, 'a request is let through while the rate is within the quota');
  h.send('createTopics', 3, { topics: [topic('b', 1)] });
  await settle();
  const refused = h.conn.take()[0];
  t.equal(errorCodeOf(refused), 'QUOTA_EXCEEDED', '15 partitions at 10/s: the next must wait 600 ms');
  t.match(refused?.body, { message: /retry in 600 ms/ });
  h.elapse(1000);
  h.send('createTopics', 4, { topics: [topic('b', 1)] });
  await settle();
  t.equal(errorCodeOf(h.conn.take()[0]), undefined, 'allowed again after the window');
});

void t.test('a subscribe past maxSubscriptionsPerConnection is refused with LIMIT_EXCEEDED', (t) => {
  const h = new Harness({ limits: { maxSubscriptionsPerConnection: 2 } }).greet();
  h.core.addFeed('t');
  const credit = { records: 1, bytes: 1 };
  for (const id of [1, 2, 3]) {
    h.send('subscribe', id + 1, { subscriptionId: id, topic: 't', partition: 0, offset: 'latest', credit });
  }
  const frames = h.flush();
  t.same(
    frames.map((f) => errorCodeOf(f)),
    [undefined, undefined, 'LIMIT_EXCEEDED'],
  );
  t.match(frames[2]?.body, { message: 'a connection may hold at most 2 subscriptions' });
  h.send('unsubscribe', 5, { subscriptionId: 1 });
  h.send('subscribe', 6, { subscriptionId: 3, topic: 't', partition: 0, offset: 'latest', credit });
  t.equal(errorCodeOf(h.flush().at(-1)), undefined, 'a place freed by unsubscribe can be taken');
  t.end();
});
