import t from 'tap';
import { decodeRecordBatch, requests, type DecodedRecord } from '../../../../protocol/index.js';
import { rawCodec, stringCodec } from '../../../../client/codecs.js';
import { partitionForKey } from '../../../../protocol/murmur2.js';
import type { ProducerOptions } from '../../../../client/producer/options.js';
import { NoLeaderError } from '../../../../client/producer/no-leader-error.js';
import { ProducerCore } from '../../../../client/producer/producer.js';
import type { RecordMetadata } from '../../../../client/producer/sender.js';
import { FakeBroker, type RequestHook, type StoredFakeBatch } from '../helpers/fake-broker.js';
import { ManualClock, SeededRandom, settle } from '../helpers/manual-clock.js';
import { clientOptions, noPlatform } from '../helpers/options.js';

interface Order {
  id: number;
}

function setup<T = Order>(extra: Partial<ProducerOptions<T>> = {}, partitions = 1) {
  const broker = new FakeBroker();
  broker.createTopic('orders', partitions);
  // Producers are idempotent by default: they ask for a producer id first.
  broker.hook = answerInitProducer;
  const clock = new ManualClock();
  const producer = new ProducerCore<T>({ ...clientOptions(broker, clock), ...extra }, noPlatform);
  return { broker, clock, producer };
}

/** Answers initProducer (producers are idempotent by default), leaves everything else to the fake broker. */
const answerInitProducer: RequestHook = (session, op, correlationId) => {
  if (op !== 'initProducer') return undefined;
  session.send(requests.initProducer.code, correlationId, { producerId: 1000, producerEpoch: 0 });
  return 'handled';
};

/** Holds every produce (nothing is acknowledged). */
const holdProduces: RequestHook = (session, op, correlationId, body) =>
  op === 'produce' ? 'handled' : answerInitProducer(session, op, correlationId, body);

function records(batches: readonly StoredFakeBatch[]): DecodedRecord[] {
  return batches.flatMap((b) => decodeRecordBatch(b.bytes));
}

const text = (bytes: Uint8Array | null): string => (bytes === null ? 'null' : new TextDecoder().decode(bytes));

void t.test('send resolves with partition and offset once acknowledged; values go through the codec', async (t) => {
  const { broker, clock, producer } = setup();
  const sent = [
    producer.send({ topic: 'orders', value: { id: 1 } }),
    producer.send({ topic: 'orders', value: { id: 2 }, key: 'k' }),
  ];
  await clock.advance(5);
  const [a, b] = await Promise.all(sent);
  t.same(a, { topic: 'orders', partition: 0, offset: 0, timestamp: clock.nowMs() - 5 });
  t.equal(b?.offset, 1);
  const stored = records(broker.batches('orders', 0));
  t.same(
    stored.map((r) => text(r.value)),
    ['{"id":1}', '{"id":2}'],
  );
  t.same(
    stored.map((r) => text(r.key)),
    ['null', 'k'],
  );
  t.equal(broker.batches('orders', 0).length, 1, 'both records in one batch');
  await producer.close();
});

void t.test('records linger lingerMs before their batch is sent', async (t) => {
  const { broker, clock, producer } = setup({ lingerMs: 50 });
  await producer.connect();
  const p = producer.send({ topic: 'orders', value: { id: 1 } });
  await clock.advance(10);
  producer.send({ topic: 'orders', value: { id: 2 } }).catch(() => undefined);
  await clock.advance(30);
  t.equal(broker.session.ops('produce').length, 0, 'nothing sent before 50 ms');
  await clock.advance(10);
  t.equal(broker.session.ops('produce').length, 1);
  t.equal((await p).offset, 0);
  t.equal(broker.batches('orders', 0)[0]?.count, 2);
  await producer.close();
});

void t.test(
  'a full batch goes without waiting for linger; batches for several partitions share a request',
  async (t) => {
    const { broker, clock, producer } = setup<Uint8Array>({ codec: rawCodec(), lingerMs: 10_000, batchBytes: 1000 }, 2);
    const first = producer.send({ topic: 'orders', value: new Uint8Array(10), partition: 1 });
    await settle();
    await clock.advance(0);
    const all: Promise<RecordMetadata>[] = [first];
    for (let i = 0; i < 12; i++) all.push(producer.send({ topic: 'orders', value: new Uint8Array(100), partition: 0 }));
    await settle();
    const produce = broker.session.ops('produce');
    t.equal(produce.length, 1, 'the batch of partition 0 filled up and went at once');
    t.equal(broker.batches('orders', 1).length, 0, 'partition 1 still lingers');
    await producer.flush();
    const second = broker.session.ops('produce')[1]?.body as { partitions: { partition: number }[] };
    t.same(
      second.partitions.map((p) => p.partition).sort(),
      [0, 1],
      'flush sends the rest, both partitions in one request',
    );
    await Promise.all(all);
    await producer.close();
  },
);

void t.test('keyed records land on the murmur2 partition; keyless ones stick to one partition per batch', async (t) => {
  const { broker, clock, producer } = setup<string>({ codec: stringCodec(), random: new SeededRandom(9) }, 6);
  const keys = ['a', 'b', 'order-1', 'order-2', 'zzz'];
  const sent = keys.map((key) => producer.send({ topic: 'orders', key, value: key }));
  await clock.advance(5);
  const metas = await Promise.all(sent);
  for (const [i, key] of keys.entries()) {
    t.equal(metas[i]?.partition, partitionForKey(new TextEncoder().encode(key), 6), key);
  }
  const keylessSent = [1, 2, 3].map((n) => producer.send({ topic: 'orders', value: String(n) }));
  await clock.advance(5);
  const keyless = await Promise.all(keylessSent);
  t.equal(new Set(keyless.map((m) => m.partition)).size, 1, 'one batch, one partition');
  const nextSent = producer.send({ topic: 'orders', value: 'after' });
  await clock.advance(5);
  t.not(
    (await nextSent).partition,
    keyless[0]?.partition,
    'once that batch was sent, the next keyless record moves on',
  );
  await producer.close();
  t.ok(broker.sessions.length >= 1);
});

void t.test('a record larger than maxMessageBytes rejects at once with MESSAGE_TOO_LARGE', async (t) => {
  const { broker, producer } = setup<Uint8Array>({ codec: rawCodec() });
  broker.limits = { ...broker.limits, maxMessageBytes: 1000 };
  await producer.connect();
  const small = producer.send({ topic: 'orders', value: new Uint8Array(10) });
  await producer.flush();
  await small;
  const before = broker.session.ops('produce').length;
  await t.rejects(producer.send({ topic: 'orders', value: new Uint8Array(2000) }), {
    code: 'MESSAGE_TOO_LARGE',
    retriable: false,
  });
  t.equal(broker.session.ops('produce').length, before, 'nothing was sent');
  await producer.close();
});

void t.test('an unknown topic fails with UNKNOWN_TOPIC after metadataWaitMs', async (t) => {
  const { clock, producer } = setup({ metadataWaitMs: 1000 });
  const p = producer.send({ topic: 'nope', value: { id: 1 } });
  p.catch(() => undefined);
  await clock.advance(2000);
  await t.rejects(p, { code: 'UNKNOWN_TOPIC' });
  await producer.close();
});

void t.test('a topic created a moment after the send is found by refreshing metadata', async (t) => {
  const { broker, clock, producer } = setup({ metadataWaitMs: 5000 });
  const p = producer.send({ topic: 'late', value: { id: 1 } });
  await clock.advance(150);
  broker.createTopic('late', 1);
  await clock.advance(1000);
  t.equal((await p).offset, 0);
  await producer.close();
});

void t.test('retriable errors are retried with backoff; order is kept', async (t) => {
  const { broker, clock, producer } = setup({ retryBackoffMs: { initial: 100, max: 1000 } });
  await producer.connect();
  broker.produceErrors = ['NOT_LEADER', 'NOT_ENOUGH_REPLICAS'];
  const p1 = producer.send({ topic: 'orders', value: { id: 1 } });
  await clock.advance(5);
  const p2 = producer.send({ topic: 'orders', value: { id: 2 } });
  await clock.advance(5);
  t.equal(broker.session.ops('produce').length, 1, 'first attempt failed; batch 2 waits behind the retry');
  await clock.advance(100);
  t.equal(broker.session.ops('produce').length, 2, 'retried after 100 ms, failed again');
  await clock.advance(200);
  const [m1, m2] = await Promise.all([p1, p2]);
  t.equal(m1.offset, 0);
  t.equal(m2.offset, 1, 'the later record still comes after the retried one');
  t.ok(broker.session.ops('metadata').length >= 2, 'NOT_LEADER refreshed metadata');
  await producer.close();
});

void t.test('non-retriable errors fail at once without a retry', async (t) => {
  const { broker, clock, producer } = setup();
  await producer.connect();
  broker.produceErrors = ['CORRUPT_BATCH'];
  const retried = producer.send({ topic: 'orders', value: { id: 1 } });
  await clock.advance(5);
  await clock.advance(200);
  t.equal((await retried).offset, 0, 'CORRUPT_BATCH is retriable');
  broker.produceErrors = ['UNAUTHORIZED'];
  const refused = producer.send({ topic: 'orders', value: { id: 2 } });
  refused.catch(() => undefined);
  await clock.advance(5);
  await t.rejects(refused, { code: 'UNAUTHORIZED' });
  const attempts = broker.session.ops('produce').length;
  await clock.advance(5000);
  t.equal(broker.session.ops('produce').length, attempts, 'never sent again');
  await producer.close();
});

void t.test('retries stop at deliveryTimeoutMs with REQUEST_TIMED_OUT', async (t) => {
  const { broker, clock, producer } = setup({ deliveryTimeoutMs: 1000, retryBackoffMs: { initial: 100, max: 200 } });
  await producer.connect();
  broker.produceErrors = Array.from({ length: 100 }, () => 'NOT_ENOUGH_REPLICAS' as const);
  const p = producer.send({ topic: 'orders', value: { id: 1 } });
  p.catch(() => undefined);
  await clock.advance(1500);
  const err = await p.catch((e: unknown) => e);
  t.match(err, { code: 'REQUEST_TIMED_OUT' });
  t.match((err as Error).message, /NOT_ENOUGH_REPLICAS|not enough in-sync/);
  await producer.close();
});

void t.test(
  'a partition without a leader fails after leaderWaitMs with NoLeaderError, not deliveryTimeoutMs',
  async (t) => {
    const { broker, clock, producer } = setup({ leaderWaitMs: 1000, retryBackoffMs: { initial: 100, max: 200 } });
    await producer.connect();
    // NOT_LEADER naming no other leader: the broker knows none (a majority of the replicas is down).
    broker.produceErrors = Array.from({ length: 100 }, () => 'NOT_LEADER' as const);
    const p = producer.send({ topic: 'orders', value: { id: 1 } });
    p.catch(() => undefined);
    await clock.advance(900);
    t.equal(
      await Promise.race([
        p.then(
          () => 'settled',
          () => 'settled',
        ),
        Promise.resolve('pending'),
      ]),
      'pending',
    );
    await clock.advance(400);
    const err = await p.catch((e: unknown) => e);
    t.type(err, NoLeaderError);
    t.match(err, { code: 'NOT_LEADER', topic: 'orders', partition: 0, name: 'NoLeaderError' });
    t.match((err as Error).message, /^orders\/0 has no reachable leader: none for \d+ ms \(leaderWaitMs\)/);
    await producer.close();
  },
);

void t.test('an answer from a leader restarts the leaderWaitMs clock', async (t) => {
  const { broker, clock, producer } = setup({ leaderWaitMs: 1000, retryBackoffMs: { initial: 200, max: 200 } });
  await producer.connect();
  // Each NOT_LEADER costs two 200 ms backoffs (the retry, then one more while the dropped metadata is fetched again):
  // leaderless for about 800 ms, then a leader answers (not enough replicas), then leaderless for about 800 ms more.
  broker.produceErrors = ['NOT_LEADER', 'NOT_LEADER', 'NOT_ENOUGH_REPLICAS', 'NOT_LEADER', 'NOT_LEADER'];
  const p = producer.send({ topic: 'orders', value: { id: 1 } });
  await clock.advance(3000);
  t.equal((await p).offset, 0, 'acknowledged: no 1000 ms stretch without a leader');
  await producer.close();
});

void t.test('the produce window bounds bytes in flight: sends wait for grants', async (t) => {
  const { broker, clock, producer } = setup<Uint8Array>({ codec: rawCodec(), lingerMs: 0, batchBytes: 10_000 });
  broker.limits = { ...broker.limits, produceWindowBytes: 3000, maxMessageBytes: 3000 };
  broker.autoGrant = false;
  const sent: Promise<RecordMetadata>[] = [];
  for (let i = 0; i < 5; i++) {
    sent.push(producer.send({ topic: 'orders', value: new Uint8Array(900) }));
    await clock.advance(1);
  }
  const produced = () => broker.session.ops('produce');
  const inFlight = () =>
    produced().reduce(
      (n, r) =>
        n + (r.body as { partitions: { batch: Uint8Array }[] }).partitions.reduce((m, p) => m + p.batch.byteLength, 0),
      0,
    );
  t.ok(inFlight() <= 3000, `in flight ${String(inFlight())} <= window`);
  const before = produced().length;
  t.ok(before < 5, 'some batches wait for the window');
  broker.session.releaseGrants();
  await clock.advance(1);
  t.ok(produced().length > before, 'a grant lets the waiting batches go');
  for (let i = 0; i < 5; i++) {
    broker.session.releaseGrants();
    await clock.advance(1);
  }
  await Promise.all(sent);
  t.equal(
    produced().reduce((n, r) => n + (r.body as { partitions: unknown[] }).partitions.length, 0),
    5,
  );
  await producer.close();
});

void t.test('bufferMemoryBytes: send waits for room, whenWritable resolves when there is room', async (t) => {
  const { broker, clock, producer } = setup<Uint8Array>({ codec: rawCodec(), bufferMemoryBytes: 3000, lingerMs: 0 });
  broker.autoGrant = true;
  broker.hook = holdProduces; // hold every produce: nothing is acknowledged
  await producer.connect();
  const sends: Promise<RecordMetadata>[] = [];
  for (let i = 0; i < 5; i++) sends.push(producer.send({ topic: 'orders', value: new Uint8Array(1000) }));
  for (const s of sends) s.catch(() => undefined);
  await settle();
  t.ok(producer.bufferedRecordBytes <= 3000, 'the buffer holds at most bufferMemoryBytes');
  t.ok(producer.bufferedRecordBytes >= 2000);
  let writable = false;
  void producer.whenWritable().then(() => (writable = true));
  await settle();
  t.notOk(writable, 'full: not writable');
  // Let the broker answer again: held requests time out and retry, and everything gets through.
  broker.hook = answerInitProducer;
  await clock.advance(30_000);
  await clock.advance(1000);
  t.ok(writable);
  const metas = await Promise.all(sends);
  t.same(
    metas.map((m) => m.offset).sort((a, b) => a - b),
    [0, 1, 2, 3, 4],
  );
  t.equal(producer.bufferedRecordBytes, 0);
  await producer.close();
});

void t.test('acks=0 resolves once written, with offset -1', async (t) => {
  const { broker, clock, producer } = setup({ acks: 0 });
  const p = producer.send({ topic: 'orders', value: { id: 1 } });
  await clock.advance(5);
  const meta = await p;
  t.equal(meta.offset, -1);
  t.equal((broker.session.ops('produce')[0]?.body as { acks: number }).acks, 0);
  t.equal(broker.batches('orders', 0).length, 1);
  await producer.close();
});

void t.test('acks option maps to the wire (all = -1)', async (t) => {
  const { broker, clock, producer } = setup({ acks: 1 });
  const p = producer.send({ topic: 'orders', value: { id: 1 } });
  await clock.advance(5);
  await p;
  t.equal((broker.session.ops('produce')[0]?.body as { acks: number }).acks, 1);
  await producer.close();
  const other = setup();
  const q = other.producer.send({ topic: 'orders', value: { id: 1 } });
  await other.clock.advance(5);
  await q;
  t.equal((other.broker.session.ops('produce')[0]?.body as { acks: number }).acks, -1);
  await other.producer.close();
});

void t.test('flush waits for everything sent before it; headers and timestamps are kept', async (t) => {
  const { broker, producer } = setup({ lingerMs: 60_000 });
  const sent = producer.send({
    topic: 'orders',
    value: { id: 1 },
    timestamp: 1234,
    headers: { a: 'x', b: new Uint8Array([1]), c: null },
  });
  await producer.flush();
  t.equal((await sent).timestamp, 1234);
  const [stored] = records(broker.batches('orders', 0));
  t.equal(stored?.timestamp, 1234);
  t.same(
    stored?.headers.map(([k, v]) => [k, v === null ? null : [...v]]),
    [
      ['a', [120]],
      ['b', [1]],
      ['c', null],
    ],
  );
  await producer.close();
});

void t.test('in-flight sends fail with NETWORK_ERROR on a drop and are retried on the new connection', async (t) => {
  const { broker, clock, producer } = setup();
  await producer.connect();
  broker.hook = holdProduces;
  const p = producer.send({ topic: 'orders', value: { id: 1 } });
  await clock.advance(5);
  broker.hook = answerInitProducer;
  broker.session.server.close();
  await clock.advance(100);
  await clock.advance(200);
  t.equal((await p).offset, 0);
  t.equal(broker.sessions.length, 2);
  await producer.close();
});

void t.test('send after close rejects with CLOSED; close flushes first', async (t) => {
  const { broker, producer } = setup({ lingerMs: 60_000 });
  const p = producer.send({ topic: 'orders', value: { id: 1 } });
  await producer.close();
  t.equal((await p).offset, 0);
  t.equal(broker.batches('orders', 0).length, 1);
  await t.rejects(producer.send({ topic: 'orders', value: { id: 2 } }), { code: 'CLOSED' });
});

void t.test('write(): no promise per record; false once the buffer is full; failures surface in flush', async (t) => {
  const { broker, clock, producer } = setup<Uint8Array>({ codec: rawCodec(), bufferMemoryBytes: 2500, lingerMs: 0 });
  await producer.connect();
  await producer.send({ topic: 'orders', value: new Uint8Array(1) }); // learn the topic's metadata
  broker.hook = holdProduces;
  const results: boolean[] = [];
  for (let i = 0; i < 3; i++) results.push(producer.write({ topic: 'orders', value: new Uint8Array(1000) }));
  t.same(results, [true, true, false], 'the third write fills the buffer');
  let writable = false;
  void producer.whenWritable().then(() => (writable = true));
  broker.hook = answerInitProducer;
  await clock.advance(30_000); // the held request times out and is retried
  await clock.advance(1_000);
  t.ok(writable);
  await producer.flush();
  t.equal(
    broker.batches('orders', 0).reduce((n, b) => n + b.count, 0),
    4,
  );
  broker.produceErrors = ['INVALID_TOPIC', 'INVALID_TOPIC'];
  producer.write({ topic: 'orders', value: new Uint8Array(1) });
  producer.write({ topic: 'orders', value: new Uint8Array(1), partition: 0 });
  const flushed = producer.flush();
  await t.rejects(flushed, { code: 'INVALID_TOPIC', message: /2 written record\(s\) failed/ });
  await producer.flush(); // the failure was reported once
  t.throws(
    () => producer.write({ topic: 'orders', value: 'not bytes' as unknown as Uint8Array, partition: -1 }),
    RangeError,
  );
  await producer.close();
  t.throws(() => producer.write({ topic: 'orders', value: new Uint8Array(1) }), { code: 'CLOSED' });
});

void t.test('metadata older than metadataMaxAgeMs is used while a background refresh runs', async (t) => {
  const { broker, clock, producer } = setup({ metadataMaxAgeMs: 1000 });
  const first = producer.send({ topic: 'orders', value: { id: 1 } });
  await clock.advance(5);
  await first;
  const before = broker.session.ops('metadata').length;
  await clock.advance(2000);
  const second = producer.send({ topic: 'orders', value: { id: 2 } });
  producer.send({ topic: 'orders', value: { id: 3 } }).catch(() => undefined);
  await clock.advance(5);
  t.equal((await second).offset, 1, 'sent with the stale metadata, without waiting');
  t.equal(broker.session.ops('metadata').length, before + 1, 'one background refresh');
  await producer.close();
});
