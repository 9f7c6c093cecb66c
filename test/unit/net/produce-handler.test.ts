import t from 'tap';
import { BrookError, requests, type RequestOf } from '../../../protocol/index.js';
import { errorCodeOf } from '../../helpers/raw-connection.js';
import { produceRequest } from '../../helpers/opaque-batches.js';
import { Harness, settle } from './fakes.js';

function okFor(request: RequestOf<'produce'>, baseOffset = 0) {
  return { partitions: request.partitions.map((p) => ({ topic: p.topic, partition: p.partition, baseOffset })) };
}

void t.test('an admitted produce is answered with the core response, then its bytes are granted back', async (t) => {
  const h = new Harness().greet();
  h.send('produce', 2, produceRequest([300, 200]));
  t.equal(h.core.produces.length, 1);
  t.same(h.flush(), [], 'nothing before the appends complete');
  const pending = h.core.produces[0]!;
  pending.done.resolve(okFor(pending.request, 40));
  await settle();
  const frames = h.flush();
  t.same(
    frames.map((f) => [f.op, f.correlationId, f.body]),
    [
      [requests.produce.code, 2, okFor(pending.request, 40)],
      [33, 0, { bytes: 500 }],
    ],
  );
  t.same(h.core.metrics.of('requestDone').at(-1)?.[0], 'produce');
});

void t.test(
  'a produce beyond the window is refused whole with THROTTLED, and admitted once bytes come back',
  async (t) => {
    const h = new Harness().greet(); // produceWindowBytes 1000
    h.send('produce', 2, produceRequest([600]));
    h.send('produce', 3, produceRequest([300, 200]));
    t.equal(h.core.produces.length, 1, 'the second never reaches the core');
    const refused = h.conn.take();
    t.equal(refused.length, 1);
    t.equal(refused[0]?.correlationId, 3);
    t.same(refused[0]?.body, {
      partitions: [0, 1].map((partition) => ({
        topic: 't',
        partition,
        baseOffset: -1,
        error: { code: 14, message: 'produce of 500 bytes exceeds the window (600 of 1000 in flight)' },
      })),
    });
    t.same(h.core.metrics.of('produceThrottled'), [[]]);
    t.same(h.core.metrics.of('errorSent'), [['THROTTLED']]);
    t.same(
      h.flush().map((f) => f.body),
      [{ bytes: 500 }],
      'the client charged the refused bytes, so they come back too',
    );

    h.send('produce', 4, produceRequest([400]));
    t.equal(h.core.produces.length, 2, 'exactly filling the window is allowed');
    h.send('produce', 5, produceRequest([1]));
    t.equal(errorCodeOf(h.conn.take()[0]), undefined, 'THROTTLED is per partition, not an error frame');
    t.equal(h.core.produces.length, 2);
    h.flush();

    const first = h.core.produces[0]!;
    first.done.resolve(okFor(first.request));
    await settle();
    t.same(
      h.flush().map((f) => [f.correlationId, f.body]),
      [
        [2, okFor(first.request)],
        [0, { bytes: 600 }],
      ],
    );
    h.send('produce', 6, produceRequest([600]));
    t.equal(h.core.produces.length, 3, 'admitted again');
  },
);

void t.test('acks=0 sends no response, not even for a failure, but still grants', async (t) => {
  const h = new Harness().greet();
  h.send('produce', 2, produceRequest([100], 0));
  h.send('produce', 3, produceRequest([80], 0));
  h.core.produces[0]!.done.resolve(okFor(h.core.produces[0]!.request));
  h.core.produces[1]!.done.reject(new Error('disk on fire'));
  await settle();
  t.same(
    h.flush().map((f) => [f.op, f.body]),
    [[33, { bytes: 180 }]],
    'one grant for both, coalesced',
  );
});

void t.test('grants of produces completing in one turn are coalesced into one push', async (t) => {
  const h = new Harness().greet();
  for (let i = 0; i < 3; i++) h.send('produce', 2 + i, produceRequest([100]));
  for (const p of h.core.produces) p.done.resolve(okFor(p.request));
  await settle();
  const frames = h.flush();
  t.same(
    frames.filter((f) => f.op === 33).map((f) => f.body),
    [{ bytes: 300 }],
  );
  t.equal(frames.filter((f) => f.op === requests.produce.code).length, 3);
});

void t.test('a batch above maxMessageBytes gets MESSAGE_TOO_LARGE; the rest of the request goes on', async (t) => {
  const h = new Harness({ limits: { produceWindowBytes: 100_000 } }).greet(); // maxMessageBytes 16 KiB
  h.send('produce', 2, produceRequest([100, 20_000]));
  const pending = h.core.produces[0]!;
  t.same(
    pending.request.partitions.map((p) => p.partition),
    [0],
  );
  pending.done.resolve(okFor(pending.request, 7));
  await settle();
  const [response, grant] = h.flush();
  t.match(response?.body, {
    partitions: [
      { partition: 0, baseOffset: 7 },
      { partition: 1, baseOffset: -1, error: { code: 9 } },
    ],
  });
  t.same(grant?.body, { bytes: 20_100 });
});

void t.test('a produce with only oversized batches never reaches the core', async (t) => {
  const h = new Harness({ limits: { produceWindowBytes: 100_000 } }).greet();
  h.send('produce', 2, produceRequest([20_000]));
  t.equal(h.core.produces.length, 0);
  await settle();
  t.match(h.flush()[0]?.body, { partitions: [{ partition: 0, error: { code: 9 } }] });
});

void t.test('a failed produce gets an error frame and its bytes back', async (t) => {
  const h = new Harness().greet();
  h.send('produce', 2, produceRequest([100]));
  h.core.produces[0]!.done.reject(new BrookError('NOT_LEADER'));
  await settle();
  const [error, grant] = h.flush();
  t.equal(errorCodeOf(error), 'NOT_LEADER');
  t.equal(error?.correlationId, 2);
  t.same(grant?.body, { bytes: 100 });
});

void t.test('drain resolves when in-flight produces are done and refuses new ones with SHUTTING_DOWN', async (t) => {
  const h = new Harness().greet();
  h.send('produce', 2, produceRequest([100]));
  let drained = false;
  const drain = h.session.drain().then(() => {
    drained = true;
  });
  await settle();
  t.notOk(drained, 'one produce still in flight');
  h.send('produce', 3, produceRequest([100]));
  t.match(h.conn.take()[0], { correlationId: 3, body: { partitions: [{ error: { code: 18 } }] } });
  t.equal(h.core.produces.length, 1);
  h.core.produces[0]!.done.resolve(okFor(h.core.produces[0]!.request));
  await drain;
  t.ok(drained);
  t.equal(h.flush()[0]?.correlationId, 2, 'the admitted one was answered');
});

void t.test('drain with nothing in flight resolves at once and refuses what comes after', async (t) => {
  const h = new Harness().greet();
  let drained = false;
  void h.session.drain().then(() => {
    drained = true;
  });
  // One microtask turn: enough for an already-resolved drain, too short for one that waits on anything.
  await Promise.resolve();
  t.ok(drained, 'resolved without waiting');
  t.same(h.conn.take(), [], 'nothing sent');
  h.send('produce', 2, produceRequest([100]));
  t.match(h.conn.take()[0], { correlationId: 2, body: { partitions: [{ error: { code: 18 } }] } }, 'SHUTTING_DOWN');
  t.equal(h.core.produces.length, 0, 'the core never saw it');
});

void t.test('a produce completing after the connection closed sends nothing but still settles', async (t) => {
  const h = new Harness().greet();
  h.send('produce', 2, produceRequest([100]));
  const drain = h.session.drain();
  h.session.close();
  h.core.produces[0]!.done.resolve(okFor(h.core.produces[0]!.request));
  await drain;
  t.same(h.flush(), []);
});
