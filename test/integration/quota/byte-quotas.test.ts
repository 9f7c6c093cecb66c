import t from 'tap';
import { Admin, Consumer, Producer, stringCodec } from '../../../client/index.js';
import { consumeToOffsets } from '../../helpers/consume.js';
import { metricSum } from '../../helpers/http.js';
import { closeAtEnd, startTestBroker } from '../client/helpers.js';
import { valueOf } from '../../helpers/consume.js';

const QUOTA_BYTES_PER_SEC = 100_000;
const RECORDS = 300;
const VALUE = 'x'.repeat(1000);
/** What the first window lets through before any throttle: all samples but one (10 x 100 ms here). */
const BURST_MS = 900;
/** Time the records take at the quota, less the burst the window allows (their framing only adds to it). */
const FLOOR_MS = (RECORDS * VALUE.length * 1000) / QUOTA_BYTES_PER_SEC - BURST_MS;

void t.test(
  'a producer and a consumer past their byte quotas are held to the rate; every record is stored',
  async (t) => {
    const broker = await startTestBroker(t, {
      quotaProduceBytesPerSec: QUOTA_BYTES_PER_SEC,
      quotaFetchBytesPerSec: QUOTA_BYTES_PER_SEC,
      quotaWindowSamples: 10,
      quotaSampleMs: 100,
      // Pushes of 16 kB, so that throttles fall between them (one push of everything would only delay the next).
      deliverMaxBytes: 16 * 1024,
    });
    const bootstrap = `127.0.0.1:${String(broker.tcpPort)}`;
    const admin = new Admin({ bootstrap });
    const producer = new Producer<string>({ bootstrap, codec: stringCodec() });
    const consumer = new Consumer<string>({ bootstrap, codec: stringCodec(), from: 'earliest' });
    closeAtEnd(t, admin, producer, consumer);
    await admin.createTopic('metered', { partitions: 1 });

    const producing = performance.now();
    const offsets: number[] = [];
    // Rounds of 10 records (10 kB), each sent when the last is acknowledged: a steady producer, as an application is.
    for (let round = 0; round < RECORDS / 10; round++) {
      const sent = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          producer.send({ topic: 'metered', value: `${String(round * 10 + i)}:${VALUE}` }),
        ),
      );
      for (const meta of sent) offsets.push(meta.offset);
    }
    const produceMs = performance.now() - producing;
    t.ok(
      produceMs >= FLOOR_MS,
      `300 kB at 100 kB/s take at least ${String(FLOOR_MS)} ms (took ${produceMs.toFixed(0)})`,
    );
    t.same(
      offsets,
      Array.from({ length: RECORDS }, (_, i) => i),
      'every send acknowledged, in order, without a gap',
    );

    const consuming = performance.now();
    await consumer.assign('metered');
    const received = await consumeToOffsets(consumer, 'metered', [RECORDS]);
    const consumeMs = performance.now() - consuming;
    t.ok(consumeMs >= FLOOR_MS, `reading them back is held to the fetch quota too (took ${consumeMs.toFixed(0)} ms)`);
    t.same(
      received.map((r) => valueOf(r).split(':')[0]),
      Array.from({ length: RECORDS }, (_, i) => String(i)),
      'every record stored, none dropped or repeated',
    );

    const metrics = (await broker.metrics.metricsText()).body;
    const labels = (quota: string) => ({ quota, principal: 'User:ANONYMOUS' });
    t.ok(metricSum(metrics, 'brook_quota_throttled_total', labels('produce')) > 0, 'produce throttles counted');
    t.ok(metricSum(metrics, 'brook_quota_throttle_ms_total', labels('produce')) >= FLOOR_MS / 2, 'with their time');
    t.ok(metricSum(metrics, 'brook_quota_throttled_total', labels('fetch')) > 0, 'fetch throttles counted');
  },
);

void t.test('without quotas the same load is not held back', async (t) => {
  const broker = await startTestBroker(t);
  const bootstrap = `127.0.0.1:${String(broker.tcpPort)}`;
  const admin = new Admin({ bootstrap });
  const producer = new Producer<string>({ bootstrap, codec: stringCodec() });
  closeAtEnd(t, admin, producer);
  await admin.createTopic('free', { partitions: 1 });
  for (let round = 0; round < RECORDS / 10; round++) {
    await Promise.all(Array.from({ length: 10 }, () => producer.send({ topic: 'free', value: VALUE })));
  }
  const metrics = (await broker.metrics.metricsText()).body;
  t.equal(metricSum(metrics, 'brook_quota_throttled_total'), 0, 'no throttle at all');
});
