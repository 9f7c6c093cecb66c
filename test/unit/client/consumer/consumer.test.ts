import t from 'tap';
import { RecordBatchBuilder, BatchAttributes } from '../../../../protocol/index.js';
import { jsonCodec } from '../../../../client/codecs.js';
import { ConsumerCore } from '../../../../client/consumer/consumer.js';
import type { ConsumerOptions } from '../../../../client/consumer/options.js';
import type { ConsumerRecord } from '../../../../client/consumer/partition-stream.js';
import { FakeBroker, endSubscription } from '../helpers/fake-broker.js';
import { ManualClock, settle } from '../helpers/manual-clock.js';
import { clientOptions, noPlatform } from '../helpers/options.js';
import { valueOf } from '../../../helpers/consume.js';

interface Order {
  id: number;
}

const json = jsonCodec<Order>();

function setup(extra: Partial<ConsumerOptions<Order>> = {}, partitions = 1) {
  const broker = new FakeBroker();
  broker.createTopic('orders', partitions);
  const clock = new ManualClock();
  const consumer = new ConsumerCore<Order>({ ...clientOptions(broker, clock), codec: json, ...extra }, noPlatform);
  return { broker, clock, consumer };
}

/** Appends a batch of orders with ids from..to-1 and the given timestamp. */
function append(broker: FakeBroker, partition: number, from: number, to: number, timestamp = 1000): void {
  const builder = new RecordBatchBuilder();
  for (let id = from; id < to; id++) builder.add({ key: null, value: json.encode({ id }), timestamp });
  broker.append('orders', partition, builder.build().bytes);
}

/** Takes n records from the iterator. */
async function take(iterator: AsyncIterator<ConsumerRecord<Order>>, n: number): Promise<ConsumerRecord<Order>[]> {
  const out: ConsumerRecord<Order>[] = [];
  while (out.length < n) {
    const next = await iterator.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

void t.test('reads typed records from earliest, in offset order', async (t) => {
  const { broker, consumer } = setup({ from: 'earliest' });
  append(broker, 0, 0, 3, 1111);
  append(broker, 0, 3, 5);
  await consumer.assign('orders');
  const records = await take(consumer[Symbol.asyncIterator](), 5);
  t.same(
    records.map((r) => valueOf(r).id),
    [0, 1, 2, 3, 4],
  );
  t.same(
    records.map((r) => r.offset),
    [0, 1, 2, 3, 4],
  );
  t.match(records[0], { topic: 'orders', partition: 0, timestamp: 1111, key: null, headers: [] });
  t.equal(consumer.position({ topic: 'orders', partition: 0 }), 5);
  await consumer.close();
});

void t.test('latest only sees records produced after assign', async (t) => {
  const { broker, consumer } = setup();
  append(broker, 0, 0, 3);
  await consumer.assign('orders');
  t.equal(consumer.position({ topic: 'orders', partition: 0 }), 3);
  const it = consumer[Symbol.asyncIterator]();
  const next = it.next();
  append(broker, 0, 3, 4);
  const r = await next;
  t.equal(r.done === true ? -1 : r.value.offset, 3);
  await consumer.close();
});

void t.test('a numeric start skips earlier records of the first batch; control batches are skipped', async (t) => {
  const { broker, consumer } = setup();
  append(broker, 0, 0, 5);
  const control = new RecordBatchBuilder();
  control.add({ key: null, value: null, timestamp: 1 });
  broker.append('orders', 0, control.build(undefined, BatchAttributes.CONTROL).bytes);
  append(broker, 0, 6, 7);
  await consumer.assign([{ topic: 'orders', partition: 0 }], { from: { offset: 3 } });
  const records = await take(consumer[Symbol.asyncIterator](), 3);
  t.same(
    records.map((r) => r.offset),
    [3, 4, 6],
  );
  await consumer.close();
});

void t.test('the position passes a trailing control batch once the records before it are taken', async (t) => {
  const { broker, consumer } = setup({ from: 'earliest' });
  append(broker, 0, 0, 2);
  const control = new RecordBatchBuilder();
  control.add({ key: null, value: null, timestamp: 1 });
  broker.append('orders', 0, control.build(undefined, BatchAttributes.CONTROL).bytes);
  await consumer.assign('orders');
  const records = await take(consumer[Symbol.asyncIterator](), 2);
  t.same(
    records.map((r) => r.offset),
    [0, 1],
  );
  t.equal(consumer.position({ topic: 'orders', partition: 0 }), 3, 'at the high watermark, past the no-op at 2');
  await consumer.close();
});

void t.test('from a timestamp resolves through listOffsets', async (t) => {
  const { broker, consumer } = setup({ from: { timestamp: 2000 } });
  append(broker, 0, 0, 2, 1000);
  append(broker, 0, 2, 4, 2000);
  append(broker, 0, 4, 6, 3000);
  await consumer.assign('orders');
  const asked = broker.session.ops('listOffsets')[0]?.body;
  t.match(asked, { topic: 'orders', partition: 0, at: 2000 });
  const records = await take(consumer[Symbol.asyncIterator](), 4);
  t.same(
    records.map((r) => r.offset),
    [2, 3, 4, 5],
  );
  await consumer.close();
});

void t.test('credit is given back only as the application takes records', async (t) => {
  const { broker, consumer } = setup({ from: 'earliest', creditRecords: 8, creditBytes: 1_000_000 });
  for (let i = 0; i < 10; i++) append(broker, 0, i * 2, i * 2 + 2); // 10 batches of 2 records
  await consumer.assign('orders');
  await settle();
  const session = broker.session;
  t.same(session.credits, [{ records: 8, bytes: 1_000_000 }], 'only the initial credit');
  t.equal(broker.delivered, 8, 'the broker stopped at the credit window');
  await settle();
  t.equal(broker.delivered, 8, 'and stays stopped while the application reads nothing');
  const it = consumer[Symbol.asyncIterator]();
  await take(it, 4);
  t.equal(session.credits.length, 1, 'half the window taken: no refill yet');
  await take(it, 2);
  t.equal(session.credits.length, 1, '6 of 8 taken: exactly a quarter left, no refill yet');
  await take(it, 1); // starts the 4th batch: 8 taken (counted per batch), nothing left
  await settle();
  t.equal(session.credits.length, 2, 'below a quarter: one refill');
  t.equal(session.credits[1]?.records, 8, 'topped back up to the window');
  t.equal(broker.delivered, 16);
  const rest = await take(it, 13);
  t.same(
    rest.map((r) => valueOf(r).id),
    Array.from({ length: 13 }, (_, i) => i + 7),
  );
  await consumer.close();
});

void t.test('a paused partition stops yielding and, once its credit is spent, stops receiving', async (t) => {
  const { broker, consumer } = setup({ from: 'earliest', creditRecords: 4 }, 2);
  await consumer.assign('orders');
  const p0 = { topic: 'orders', partition: 0 };
  consumer.pause(p0);
  for (let i = 0; i < 5; i++) append(broker, 0, i, i + 1);
  append(broker, 1, 100, 101);
  await settle();
  const it = consumer[Symbol.asyncIterator]();
  const first = await it.next();
  t.equal(first.done === true ? -1 : first.value.partition, 1, 'only the unpaused partition yields');
  let got = false;
  const next = it.next().then(() => (got = true));
  await settle();
  t.notOk(got, 'nothing more while partition 0 is paused');
  const deliveredBefore = broker.delivered;
  t.equal(deliveredBefore, 5, '4 records of partition 0 (the credit) + 1 of partition 1');
  consumer.resume(p0);
  await next;
  const rest = await take(it, 3);
  t.same(
    rest.map((r) => valueOf(r).id),
    [1, 2, 3],
  );
  await consumer.close();
});

void t.test('partitions take turns batch by batch', async (t) => {
  const { broker, consumer } = setup({ from: 'earliest' }, 2);
  append(broker, 0, 0, 2);
  append(broker, 0, 2, 4);
  append(broker, 1, 10, 12);
  append(broker, 1, 12, 14);
  await consumer.assign('orders');
  await settle();
  const records = await take(consumer[Symbol.asyncIterator](), 8);
  t.same(
    records.map((r) => valueOf(r).id),
    [0, 1, 10, 11, 2, 3, 12, 13],
  );
  await consumer.close();
});

void t.test('batches() yields arrays of what is available', async (t) => {
  const { broker, consumer } = setup({ from: 'earliest' });
  append(broker, 0, 0, 3);
  append(broker, 0, 3, 6);
  await consumer.assign('orders');
  await settle();
  const it = consumer.batches({ maxRecords: 4 })[Symbol.asyncIterator]();
  const a = await it.next();
  const b = await it.next();
  t.same(a.done === true ? [] : a.value.map((r) => r.offset), [0, 1, 2, 3]);
  t.same(b.done === true ? [] : b.value.map((r) => r.offset), [4, 5]);
  t.equal(consumer.position({ topic: 'orders', partition: 0 }), 6);
  await consumer.close();
  t.same(await it.next(), { done: true, value: undefined }, 'done after close');
});

void t.test('seek replaces the subscription and drops buffered records', async (t) => {
  const { broker, consumer } = setup({ from: 'earliest' });
  append(broker, 0, 0, 10);
  await consumer.assign('orders');
  const it = consumer[Symbol.asyncIterator]();
  t.same(
    (await take(it, 2)).map((r) => r.offset),
    [0, 1],
  );
  await consumer.seek({ topic: 'orders', partition: 0 }, 7);
  t.equal(consumer.position({ topic: 'orders', partition: 0 }), 7);
  t.same(
    (await take(it, 3)).map((r) => r.offset),
    [7, 8, 9],
  );
  t.equal(broker.session.ops('unsubscribe').length, 1);
  t.equal(broker.session.ops('subscribe').length, 2);
  await consumer.close();
});

void t.test('after a reconnect the consumer re-subscribes from the next offset', async (t) => {
  const { broker, clock, consumer } = setup({ from: 'earliest' });
  append(broker, 0, 0, 3);
  await consumer.assign('orders');
  const it = consumer[Symbol.asyncIterator]();
  t.same(
    (await take(it, 3)).map((r) => r.offset),
    [0, 1, 2],
  );
  broker.session.server.close();
  await settle();
  append(broker, 0, 3, 5);
  await clock.advance(100);
  const resub = broker.session.ops('subscribe');
  t.equal(broker.sessions.length, 2);
  t.match(resub[0]?.body, { offset: 3 }, 'from where deliveries left off');
  t.same(
    (await take(it, 2)).map((r) => r.offset),
    [3, 4],
  );
  await consumer.close();
});

void t.test('records buffered before a reconnect count against the new credit', async (t) => {
  const { broker, clock, consumer } = setup({ from: 'earliest', creditRecords: 10 });
  append(broker, 0, 0, 6);
  await consumer.assign('orders');
  await settle();
  broker.session.server.close();
  await clock.advance(100);
  t.match(broker.session.ops('subscribe')[0]?.body, { offset: 6, credit: { records: 4 } });
  const records = await take(consumer[Symbol.asyncIterator](), 6);
  t.same(
    records.map((r) => r.offset),
    [0, 1, 2, 3, 4, 5],
  );
  await consumer.close();
});

void t.test('subscriptionEnd OFFSET_OUT_OF_RANGE: offsetReset earliest restarts from the log start', async (t) => {
  const { broker, consumer } = setup({ from: 'latest' });
  append(broker, 0, 0, 4);
  await consumer.assign('orders');
  const sub = [...broker.session.subscriptions.keys()][0] ?? -1;
  const part = broker.partition('orders', 0);
  if (part !== undefined) part.logStartOffset = 2;
  endSubscription(broker.session, sub, 'OFFSET_OUT_OF_RANGE');
  await settle();
  t.match(broker.session.ops('subscribe')[1]?.body, { offset: 'earliest' });
  const records = await take(consumer[Symbol.asyncIterator](), 2);
  t.same(
    records.map((r) => r.offset),
    [2, 3],
  );
  await consumer.close();
});

void t.test("offsetReset 'none': the iterator throws OFFSET_OUT_OF_RANGE", async (t) => {
  const { broker, consumer } = setup({ offsetReset: 'none' });
  await consumer.assign('orders');
  const sub = [...broker.session.subscriptions.keys()][0] ?? -1;
  endSubscription(broker.session, sub, 'OFFSET_OUT_OF_RANGE');
  await settle();
  await t.rejects(consumer[Symbol.asyncIterator]().next(), { code: 'OFFSET_OUT_OF_RANGE' });
  t.equal(broker.session.ops('subscribe').length, 1, 'no re-subscribe');
  await consumer.close();
});

void t.test('a deleted topic ends iteration with UNKNOWN_TOPIC', async (t) => {
  const { broker, consumer } = setup();
  await consumer.assign('orders');
  const sub = [...broker.session.subscriptions.keys()][0] ?? -1;
  endSubscription(broker.session, sub, 'UNKNOWN_TOPIC');
  await t.rejects(consumer[Symbol.asyncIterator]().next(), { code: 'UNKNOWN_TOPIC' });
  await consumer.close();
});

void t.test('assign of a missing topic rejects with UNKNOWN_TOPIC after metadataWaitMs', async (t) => {
  const { clock, consumer } = setup({ metadataWaitMs: 500 });
  const assigned = consumer.assign('missing');
  assigned.catch(() => undefined);
  await clock.advance(1000);
  await t.rejects(assigned, { code: 'UNKNOWN_TOPIC' });
  await consumer.close();
});

void t.test('close ends a waiting iterator', async (t) => {
  const { consumer } = setup();
  await consumer.assign('orders');
  const waiting = consumer[Symbol.asyncIterator]().next();
  await consumer.close();
  t.same(await waiting, { done: true, value: undefined });
  for await (const record of consumer) t.fail(`unexpected ${String(record.offset)}`);
});
