import t from 'tap';
import {
  Admin,
  Consumer,
  Producer,
  msgpackCodec,
  partitionForKey,
  stringCodec,
  type ConsumerRecord,
} from '../../../client/index.js';
import { closeAtEnd, startTestBroker } from './helpers.js';
import { valueOf } from '../../helpers/consume.js';

interface Order {
  id: number;
  item: string;
}

async function takeN<T>(consumer: Consumer<T>, n: number): Promise<ConsumerRecord<T>[]> {
  const out: ConsumerRecord<T>[] = [];
  if (n === 0) return out;
  for await (const record of consumer) {
    out.push(record);
    if (out.length === n) break;
  }
  return out;
}

for (const transport of ['tcp', 'ws'] as const) {
  void t.test(`produce and consume typed records over ${transport}`, async (t) => {
    const broker = await startTestBroker(t);
    const bootstrap =
      transport === 'tcp' ? `127.0.0.1:${String(broker.tcpPort)}` : `ws://127.0.0.1:${String(broker.wsPort)}`;
    const admin = new Admin({ bootstrap });
    const producer = new Producer<Order>({ bootstrap, codec: msgpackCodec<Order>() });
    const consumer = new Consumer<Order>({ bootstrap, codec: msgpackCodec<Order>(), from: 'earliest' });
    closeAtEnd(t, admin, producer, consumer);
    await admin.createTopic('orders', { partitions: 3 });
    const sent = await Promise.all(
      Array.from({ length: 300 }, (_, id) =>
        producer.send({
          topic: 'orders',
          key: `customer-${String(id % 17)}`,
          value: { id, item: `sku-${String(id)}` },
          headers: { trace: `t${String(id)}` },
        }),
      ),
    );
    t.equal(sent.length, 300);
    await consumer.assign('orders');
    const received = await takeN(consumer, 300);
    t.same(
      received.map((r) => valueOf(r).id).sort((a, b) => a - b),
      Array.from({ length: 300 }, (_, i) => i),
    );
    for (const record of received) {
      const meta = sent[valueOf(record).id];
      t.equal(record.partition, meta?.partition);
      t.equal(record.offset, meta?.offset);
      t.equal(new TextDecoder().decode(record.headers[0]?.[1] ?? new Uint8Array()), `t${String(valueOf(record).id)}`);
    }
    // Per partition, offsets arrive in order without gaps.
    for (const p of [0, 1, 2]) {
      const offsets = received.filter((r) => r.partition === p).map((r) => r.offset);
      t.same(
        offsets,
        offsets.map((_, i) => i),
        `partition ${String(p)} in order`,
      );
    }
    const described = await admin.describeTopics(['orders']);
    t.equal(
      described[0]?.partitions.reduce((n, p) => n + p.highWatermark, 0),
      300,
    );
  });
}

for (const transport of ['tcp', 'ws'] as const) {
  void t.test(`a tombstone (null value) comes back as null with its key, over ${transport}`, async (t) => {
    const broker = await startTestBroker(t);
    const bootstrap =
      transport === 'tcp' ? `127.0.0.1:${String(broker.tcpPort)}` : `ws://127.0.0.1:${String(broker.wsPort)}`;
    const admin = new Admin({ bootstrap });
    // A string codec would have sent null as the text 'null': the tombstone must bypass it.
    const producer = new Producer<string>({ bootstrap, codec: stringCodec() });
    const consumer = new Consumer<string>({ bootstrap, codec: stringCodec(), from: 'earliest' });
    closeAtEnd(t, admin, producer, consumer);
    await admin.createTopic('accounts');
    await producer.send({ topic: 'accounts', key: 'alice', value: 'open' });
    await producer.send({ topic: 'accounts', key: 'alice', value: null });
    await consumer.assign('accounts');
    const [first, second] = await takeN(consumer, 2);
    t.equal(first?.value, 'open', 'the value before');
    t.equal(second?.value, null, 'the tombstone: null, the codec never asked to decode it');
    t.equal(new TextDecoder().decode(second?.key ?? new Uint8Array()), 'alice', 'with its key');
  });
}

void t.test('keyed records land on the murmur2 partition (as a Java Kafka client would place them)', async (t) => {
  const broker = await startTestBroker(t);
  const bootstrap = `127.0.0.1:${String(broker.tcpPort)}`;
  const admin = new Admin({ bootstrap });
  const producer = new Producer<string>({ bootstrap, codec: stringCodec() });
  const consumer = new Consumer<string>({ bootstrap, codec: stringCodec(), from: 'earliest' });
  closeAtEnd(t, admin, producer, consumer);
  await admin.createTopic('keyed', { partitions: 7 });
  const keys = ['21', 'foobar', 'abc', 'a-little-bit-long-string', 'user-1', 'user-2', 'user-3', 'é'];
  await Promise.all(keys.map((key) => producer.send({ topic: 'keyed', key, value: key })));
  await consumer.assign('keyed');
  const received = await takeN(consumer, keys.length);
  for (const record of received) {
    const expected = partitionForKey(new TextEncoder().encode(valueOf(record)), 7);
    t.equal(record.partition, expected, `key ${record.value} on partition ${String(expected)}`);
    t.equal(new TextDecoder().decode(record.key ?? new Uint8Array()), record.value);
  }
  // "21" hashes to -973932308 in Kafka: toPositive(...) % 7.
  t.equal(received.find((r) => r.value === '21')?.partition, (-973932308 & 0x7fffffff) % 7);
});

void t.test('a consumer can start from a timestamp', async (t) => {
  const broker = await startTestBroker(t);
  const bootstrap = `127.0.0.1:${String(broker.tcpPort)}`;
  const admin = new Admin({ bootstrap });
  const producer = new Producer<number>({ bootstrap, lingerMs: 0 });
  closeAtEnd(t, admin, producer);
  await admin.createTopic('timed', { partitions: 1 });
  const base = 1_700_000_000_000;
  for (let i = 0; i < 5; i++) await producer.send({ topic: 'timed', value: i, timestamp: base + i * 1000 });
  const [found] = await admin.listOffsets('timed', { timestamp: base + 2500 });
  t.same(found, { partition: 0, offset: 3, timestamp: base + 3000 });
  const consumer = new Consumer<number>({ bootstrap, from: { timestamp: base + 2000 } });
  closeAtEnd(t, consumer);
  await consumer.assign('timed');
  const received = await takeN(consumer, 3);
  t.same(
    received.map((r) => [r.offset, r.value, r.timestamp]),
    [
      [2, 2, base + 2000],
      [3, 3, base + 3000],
      [4, 4, base + 4000],
    ],
  );
});

void t.test('acks 0 and 1 and all; errors come back as BrookErrors', async (t) => {
  const broker = await startTestBroker(t, { maxMessageBytes: 64 * 1024 });
  const bootstrap = `127.0.0.1:${String(broker.tcpPort)}`;
  const admin = new Admin({ bootstrap });
  closeAtEnd(t, admin);
  await admin.createTopic('acks', { partitions: 1 });
  for (const acks of [0, 1, 'all'] as const) {
    const producer = new Producer<string>({ bootstrap, acks, codec: stringCodec() });
    const meta = await producer.send({ topic: 'acks', value: `acks=${String(acks)}` });
    t.equal(meta.offset === -1, acks === 0, `acks=${String(acks)} offset ${String(meta.offset)}`);
    await producer.close();
  }
  const [latest] = await admin.listOffsets('acks');
  t.equal(latest?.offset, 3, 'all three were appended');
  const producer = new Producer<string>({ bootstrap, codec: stringCodec(), metadataWaitMs: 200 });
  closeAtEnd(t, producer);
  await t.rejects(producer.send({ topic: 'acks', value: 'x'.repeat(100_000) }), { code: 'MESSAGE_TOO_LARGE' });
  await t.rejects(producer.send({ topic: 'no-such-topic', value: 'x' }), { code: 'UNKNOWN_TOPIC' });
  await t.rejects(admin.createTopic('acks'), { code: 'TOPIC_EXISTS' });
  await t.rejects(admin.createTopic('bad', { config: { 'cleanup.policy': 'compact' } }), { code: 'INVALID_TOPIC' });
});
