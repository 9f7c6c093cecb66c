import t from 'tap';
import { Admin, Consumer, Producer, rawCodec } from '../../../client/index.js';
import { closeAtEnd, startTestBroker } from './helpers.js';
import { waitFor } from '../../helpers/wait-for.js';

const TOTAL = 20_000;
const WINDOW = 500;

void t.test('a consumer that stops reading makes the broker stop sending; reading again resumes', async (t) => {
  const broker = await startTestBroker(t);
  const bootstrap = `127.0.0.1:${String(broker.tcpPort)}`;
  const admin = new Admin({ bootstrap });
  const producer = new Producer<Uint8Array>({ bootstrap, codec: rawCodec(), batchBytes: 4096 });
  const slow = new Consumer<Uint8Array>({ bootstrap, codec: rawCodec(), from: 'earliest', creditRecords: WINDOW });
  const fast = new Consumer<Uint8Array>({ bootstrap, codec: rawCodec(), from: 'earliest' });
  closeAtEnd(t, admin, producer, slow, fast);
  await admin.createTopic('flow', { partitions: 1 });
  const tp = { topic: 'flow', partition: 0 };
  await slow.assign('flow');
  await fast.assign('flow');

  const value = new Uint8Array(100);
  for (let i = 0; i < TOTAL; i++) {
    await producer.whenWritable();
    producer.send({ topic: 'flow', value }).catch((err: unknown) => t.fail(String(err)));
  }
  await producer.flush();

  // The slow consumer is sent its whole credit window...
  const batchRecords = Math.ceil(4096 / 100); // a batch holds at most ~40 records of 100 bytes
  await waitFor(() => slow.bufferedRecords(tp) >= WINDOW, { what: 'the slow consumer to receive its credit' });
  // ...and no more, even while the fast consumer reads all the rest (the broker keeps pushing to it meanwhile).
  let fastCount = 0;
  for await (const batch of fast.batches()) {
    fastCount += batch.length;
    if (fastCount >= TOTAL) break;
  }
  t.equal(fastCount, TOTAL);
  const buffered = slow.bufferedRecords(tp);
  t.ok(buffered <= WINDOW + batchRecords, `at most the window plus one batch was sent: ${String(buffered)}`);
  t.equal(slow.position(tp), 0, 'the slow consumer has taken nothing');

  // Reading again refills the credit as records are taken, and everything arrives in order.
  let expected = 0;
  let maxBuffered = 0;
  for await (const records of slow.batches({ maxRecords: 100 })) {
    for (const record of records) {
      if (record.offset !== expected) t.fail(`offset ${String(record.offset)}, expected ${String(expected)}`);
      expected++;
    }
    maxBuffered = Math.max(maxBuffered, slow.bufferedRecords(tp));
    if (expected >= TOTAL) break;
  }
  t.equal(expected, TOTAL);
  t.ok(maxBuffered <= WINDOW + batchRecords, `the buffer never exceeded the window: ${String(maxBuffered)}`);
  t.equal(slow.position(tp), TOTAL);
  await waitFor(() => slow.bufferedRecords(tp) === 0, { what: 'an empty buffer' });
});

void t.test('produce window: many sends complete with a small broker window', async (t) => {
  const broker = await startTestBroker(t, {
    produceWindowBytes: 64 * 1024,
    maxFrameBytes: 64 * 1024,
    maxMessageBytes: 32 * 1024,
    deliverMaxBytes: 32 * 1024,
  });
  const bootstrap = `127.0.0.1:${String(broker.tcpPort)}`;
  const admin = new Admin({ bootstrap });
  const producer = new Producer<Uint8Array>({ bootstrap, codec: rawCodec(), lingerMs: 1 });
  closeAtEnd(t, admin, producer);
  await admin.createTopic('window', { partitions: 4 });
  const sends = Array.from({ length: 5000 }, (_, i) =>
    producer.send({ topic: 'window', key: String(i), value: new Uint8Array(200) }),
  );
  const metas = await Promise.all(sends);
  t.equal(metas.length, 5000);
  const offsets = await admin.listOffsets('window');
  t.equal(
    offsets.reduce((n, p) => n + p.offset, 0),
    5000,
    'everything appended once (no THROTTLED retries duplicated anything)',
  );
});
