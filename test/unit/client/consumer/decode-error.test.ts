/**
 * A record the codec cannot decode (issue 14: strings produced by the CLI, read with the default JSON codec): a typed
 * DecodeError with topic, partition and offset; the position stays at the record until the application seeks past
 * it ('throw', as Kafka), or the record is passed over ('skip'); the records around it are never lost.
 */
import t from 'tap';
import { RecordBatchBuilder } from '../../../../protocol/index.js';
import { jsonCodec } from '../../../../client/codecs.js';
import { ConsumerCore } from '../../../../client/consumer/consumer.js';
import { DecodeError } from '../../../../client/consumer/decode-error.js';
import type { ConsumerOptions } from '../../../../client/consumer/options.js';
import type { ConsumerRecord } from '../../../../client/consumer/partition-stream.js';
import { FakeBroker } from '../helpers/fake-broker.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { clientOptions, noPlatform } from '../helpers/options.js';
import { valueOf } from '../../../helpers/consume.js';

interface Order {
  id: number;
}

const json = jsonCodec<Order>();
const TP = { topic: 'orders', partition: 0 };

/** Offsets 0-3 in one batch: {id:0}, 'a', 'b', {id:3}; offset 4 in a second batch: {id:4}. */
function setup(extra: Partial<ConsumerOptions<Order>> = {}) {
  const broker = new FakeBroker();
  broker.createTopic('orders', 1);
  const text = new TextEncoder();
  const first = new RecordBatchBuilder();
  for (const value of [json.encode({ id: 0 }), text.encode('a'), text.encode('b'), json.encode({ id: 3 })]) {
    first.add({ key: null, value, timestamp: 1 });
  }
  broker.append('orders', 0, first.build().bytes);
  const second = new RecordBatchBuilder();
  second.add({ key: null, value: json.encode({ id: 4 }), timestamp: 1 });
  broker.append('orders', 0, second.build().bytes);
  const consumer = new ConsumerCore<Order>(
    { ...clientOptions(broker, new ManualClock()), codec: json, from: 'earliest', ...extra },
    noPlatform,
  );
  return { broker, consumer };
}

async function nextValue(iterator: AsyncIterator<ConsumerRecord<Order>>): Promise<number> {
  const next = await iterator.next();
  if (next.done === true) throw new Error('iteration ended');
  return valueOf(next.value).id;
}

void t.test("'throw' (default): a DecodeError at the record, again until seek moves past it", async (t) => {
  const { consumer } = setup();
  await consumer.assign('orders');
  const it = consumer[Symbol.asyncIterator]();
  t.equal(await nextValue(it), 0);
  const err = await it.next().catch((e: unknown) => e);
  t.type(err, DecodeError);
  t.match(err, { name: 'DecodeError', topic: 'orders', partition: 0, offset: 1, cause: SyntaxError });
  t.match((err as Error).message, /orders\/0 at offset 1: .*seek to 2 to skip it/);
  t.equal(consumer.position(TP), 1, 'the position stays at the undecodable record');
  await t.rejects(it.next(), { name: 'DecodeError', offset: 1 }, 'thrown again while not skipped');
  await consumer.seek(TP, 2);
  await t.rejects(it.next(), { name: 'DecodeError', offset: 2 }, 'the second bad record');
  t.equal(consumer.position(TP), 2);
  await consumer.seek(TP, 3);
  t.equal(await nextValue(it), 3, 'the good record after two bad ones arrives');
  t.equal(await nextValue(it), 4);
  t.equal(consumer.position(TP), 5);
  await consumer.close();
});

void t.test("'skip': undecodable records are passed over, the rest arrive", async (t) => {
  const { consumer } = setup({ onDecodeError: 'skip' });
  await consumer.assign('orders');
  const it = consumer[Symbol.asyncIterator]();
  t.same([await nextValue(it), await nextValue(it), await nextValue(it)], [0, 3, 4]);
  t.equal(consumer.position(TP), 5);
  await consumer.close();
});

void t.test("batches(): the records before an undecodable one come out, then it is thrown ('throw')", async (t) => {
  const { consumer } = setup();
  await consumer.assign('orders');
  const it = consumer.batches()[Symbol.asyncIterator]();
  const first = await it.next();
  t.same(first.done === true ? [] : first.value.map((r) => r.offset), [0]);
  await t.rejects(it.next(), { name: 'DecodeError', offset: 1 });
  t.equal(consumer.position(TP), 1);
  await consumer.seek(TP, 3);
  const rest = await it.next();
  t.same(rest.done === true ? [] : rest.value.map((r) => valueOf(r).id), [3, 4]);
  await consumer.close();
});

void t.test("batches() with 'skip' yields every decodable record", async (t) => {
  const { consumer } = setup({ onDecodeError: 'skip' });
  await consumer.assign('orders');
  const it = consumer.batches()[Symbol.asyncIterator]();
  const ids: number[] = [];
  while (ids.length < 3) {
    const next = await it.next();
    if (next.done === true) break;
    ids.push(...next.value.map((r) => valueOf(r).id));
  }
  t.same(ids, [0, 3, 4]);
  t.equal(consumer.position(TP), 5);
  await consumer.close();
});

void t.test('onDecodeError is checked', (t) => {
  const broker = new FakeBroker();
  t.throws(
    () =>
      new ConsumerCore<Order>(
        { ...clientOptions(broker, new ManualClock()), onDecodeError: 'stop' as 'skip' },
        noPlatform,
      ),
    RangeError,
  );
  t.end();
});
