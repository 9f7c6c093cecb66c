import t from 'tap';
import { startBroker } from '../../../broker/index.js';
import { Admin, Consumer, Producer, type ConsumerRecord } from '../../../client/index.js';
import { closeAtEnd, tempDir } from './helpers.js';

void t.test('producer and consumer carry on across a broker restart', async (t) => {
  const dataDir = tempDir(t);
  let broker = await startBroker({ dataDir, port: 0, wsPort: 0, kafkaPort: 0, logLevel: 'silent' });
  const port = broker.tcpPort;
  const wsPort = broker.wsPort;
  t.teardown(() => broker.close());
  const bootstrap = `127.0.0.1:${String(port)}`;
  const options = { bootstrap, reconnectBackoffMs: { initial: 20, max: 200 } };
  const admin = new Admin(options);
  const producer = new Producer<number>({ ...options, lingerMs: 0 });
  const consumer = new Consumer<number>({ ...options, from: 'earliest' });
  closeAtEnd(t, admin, producer, consumer);
  await admin.createTopic('restart', { partitions: 1 });
  await consumer.assign('restart');
  const iterator = consumer[Symbol.asyncIterator]();
  const take = async (n: number): Promise<ConsumerRecord<number>[]> => {
    const out: ConsumerRecord<number>[] = [];
    while (out.length < n) {
      const next = await iterator.next();
      if (next.done === true) break;
      out.push(next.value);
    }
    return out;
  };

  for (let i = 0; i < 5; i++) await producer.send({ topic: 'restart', value: i });
  t.same(
    (await take(5)).map((r) => r.value),
    [0, 1, 2, 3, 4],
  );

  await broker.close();
  broker = await startBroker({ dataDir, port, wsPort, kafkaPort: 0, logLevel: 'silent' });

  // The producer reconnects (its first attempt may fail with a retriable error and be retried).
  for (let i = 5; i < 10; i++) await producer.send({ topic: 'restart', value: i });
  const after = await take(5);
  t.same(
    after.map((r) => r.value),
    [5, 6, 7, 8, 9],
    'the consumer re-subscribed from the next offset',
  );
  t.same(
    after.map((r) => r.offset),
    [5, 6, 7, 8, 9],
  );
});
