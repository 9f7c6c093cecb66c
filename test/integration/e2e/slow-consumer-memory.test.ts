/**
 * A consumer that subscribes with a small credit window and then never reads must not make the broker buffer what
 * it cannot send: 200 MB produced to the partition it reads leaves the broker process's RSS far below 200 MB of
 * growth, and the broker pushes no more than the credit (plus one batch). Once the consumer reads, credit flows
 * again and it gets every record, in order.
 */
import t from 'tap';
import { Admin, Consumer, Producer, rawCodec } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { consumeBatches } from '../../helpers/consume.js';
import { httpGet, metricSum } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait-for.js';
import { valueOf } from '../../helpers/consume.js';

const TOPIC = 'slow';
const VALUE_BYTES = 1024;
const TOTAL_BYTES = 200 * 1024 * 1024;
const TOTAL = TOTAL_BYTES / VALUE_BYTES;
const CREDIT_RECORDS = 2_000;
const CREDIT_BYTES = 1024 * 1024;
const BATCH_BYTES = 256 * 1024;
/** Bytes of one record batch as stored (values plus per-record framing), an upper bound. */
const MAX_BATCH_BYTES = BATCH_BYTES + 4 * 1024;
/**
 * What the broker may grow by while 200 MB wait unread: a bound that does not depend on the data. Each storage shard's
 * writer thread brings its own V8 heap, SQLite page cache and malloc arena, which grow to their working size under
 * load: with them the growth measured 85 MiB at 200 MB and 88 MiB at 600 MB of produce (on synchronous commits it was
 * 55 MiB); unread data held in memory would grow with the produce instead.
 */
const MAX_RSS_GROWTH_BYTES = 100 * 1024 * 1024;
const MiB = 1024 * 1024;

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

void t.test(
  'a consumer that never reads: broker memory stays flat under 200 MB of produce, then credit flows',
  async (t) => {
    const broker = await startBrokerProcess(t);
    const bootstrap = broker.bootstrap;
    const admin = new Admin({ bootstrap });
    const producer = new Producer<Uint8Array>({
      bootstrap,
      codec: rawCodec(),
      acks: 1,
      batchBytes: BATCH_BYTES,
      lingerMs: 2,
    });
    const consumer = new Consumer<Uint8Array>({
      bootstrap,
      codec: rawCodec(),
      from: 'earliest',
      creditRecords: CREDIT_RECORDS,
      creditBytes: CREDIT_BYTES,
    });
    t.teardown(() => Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 }), consumer.close()]));
    await admin.createTopic(TOPIC, { partitions: 1 });
    const tp = { topic: TOPIC, partition: 0 };
    await consumer.assign([tp]);
    // Connections, the partition's database and the code paths of produce are warm before the baseline is taken.
    await producer.connect();

    const metric = async (name: string, labels: Record<string, string> = {}): Promise<number> =>
      metricSum((await httpGet(broker.wsPort, '/metrics')).body, name, labels);

    const rssBeforeBytes = broker.rssBytes();
    let rssPeakBytes = rssBeforeBytes;
    const sampler = setInterval(() => {
      if (broker.alive) rssPeakBytes = Math.max(rssPeakBytes, broker.rssBytes());
    }, 50);
    t.teardown(() => {
      clearInterval(sampler);
    });

    // ---- 200 MB to the partition the consumer reads and does not take from -----------------------------------------
    const startMs = Date.now();
    let acked = 0;
    let firstError: unknown;
    for (let i = 0; i < TOTAL; i++) {
      const value = new Uint8Array(VALUE_BYTES);
      new DataView(value.buffer).setUint32(0, i);
      producer.send({ topic: TOPIC, partition: 0, value }).then(
        () => {
          acked++;
        },
        (err: unknown) => {
          firstError ??= err;
        },
      );
      if ((i & 255) === 255) await producer.whenWritable();
      if (firstError !== undefined) break;
    }
    await producer.flush();
    const produceMs = Date.now() - startMs;
    clearInterval(sampler);
    rssPeakBytes = Math.max(rssPeakBytes, broker.rssBytes());
    const rssAfterBytes = broker.rssBytes();
    t.equal(firstError, undefined, 'no send failed');
    t.equal(acked, TOTAL, `all ${String(TOTAL)} records (${mib(TOTAL_BYTES)}) acknowledged in ${String(produceMs)} ms`);
    t.ok(
      rssPeakBytes - rssBeforeBytes < MAX_RSS_GROWTH_BYTES,
      `broker RSS ${mib(rssBeforeBytes)} before, ${mib(rssAfterBytes)} after, ${mib(rssPeakBytes)} at peak: ` +
        `growth below ${mib(MAX_RSS_GROWTH_BYTES)}`,
    );

    // ---- the consumer got its credit's worth and no more ------------------------------------------------------------
    // A metadata round trip makes sure the broker has taken every produce; deliveries it made are counted by then.
    await admin.listOffsets(TOPIC);
    const fetchedRecords = await metric('brook_fetch_records_total', { topic: TOPIC });
    const fetchedBytes = await metric('brook_fetch_bytes_total', { topic: TOPIC });
    const creditStalls = await metric('brook_delivery_stalls_total', { reason: 'credit' });
    t.ok(
      fetchedRecords > 0,
      `the broker pushed the credit's worth (${String(fetchedRecords)} records, ${String(fetchedBytes)} bytes)`,
    );
    t.ok(
      fetchedBytes <= CREDIT_BYTES + MAX_BATCH_BYTES,
      `pushed bytes ${String(fetchedBytes)} <= credit ${String(CREDIT_BYTES)} + one batch`,
    );
    t.ok(
      fetchedRecords <= CREDIT_RECORDS + MAX_BATCH_BYTES / VALUE_BYTES,
      `pushed records ${String(fetchedRecords)} <= credit ${String(CREDIT_RECORDS)} + one batch`,
    );
    t.ok(creditStalls >= 1, `delivery stalled for lack of credit (${String(creditStalls)} times)`);
    const buffered = consumer.bufferedRecords(tp);
    t.ok(buffered <= fetchedRecords, `the consumer holds what was pushed, no more (${String(buffered)} records)`);
    await waitFor(() => consumer.bufferedRecords(tp) === fetchedRecords, {
      what: `the consumer to hold the ${String(fetchedRecords)} records pushed`,
    });

    // ---- reading gives credit back: every record arrives, in order -------------------------------------------------
    const readStartMs = Date.now();
    let next = 0;
    let outOfOrder = 0;
    await consumeBatches(
      consumer,
      (batch) => {
        for (const record of batch) {
          const seq = new DataView(valueOf(record).buffer, valueOf(record).byteOffset, 4).getUint32(0);
          if (record.offset !== next || seq !== next) {
            if (outOfOrder++ === 0)
              t.fail(`offset ${String(record.offset)} with value #${String(seq)}, expected ${String(next)}`);
          }
          next = record.offset + 1;
        }
        return next >= TOTAL || outOfOrder > 0;
      },
      { timeoutMs: 60_000, maxRecords: 20_000 },
    );
    t.equal(outOfOrder, 0, 'records in order');
    t.equal(next, TOTAL, 'the consumer read every record once it read');
    t.comment(`read ${mib(TOTAL_BYTES)} in ${String(Date.now() - readStartMs)} ms`);
    t.ok(
      (await metric('brook_fetch_records_total', { topic: TOPIC })) >= TOTAL,
      'the broker pushed the rest as credit came back',
    );
  },
);
