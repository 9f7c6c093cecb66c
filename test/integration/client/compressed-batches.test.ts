/**
 * Compressed batches end to end: a batch compressed with each of Kafka's codecs (as a Kafka client would send it) is
 * validated and stored by a real broker as it came, and Brook's Consumer decompresses and reads its records.
 */
import t from 'tap';
import { encodeBatch } from '../../../broker/kafka/batches.js';
import { Admin, Consumer, stringCodec } from '../../../client/index.js';
import { compressionOf, readRecordBatchHeader } from '../../../protocol/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { consumeToOffsets, valueOf } from '../../helpers/consume.js';
import { RawTcpConnection } from '../../helpers/raw-connection.js';

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const RECORDS = 50;

void t.test('every codec: the broker stores the compressed batch as sent and the Consumer reads it', async (t) => {
  const broker = await startBrokerProcess(t);
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  const raw = await RawTcpConnection.open(t, broker.tcpPort);
  await raw.hello();
  const utf8 = new TextEncoder();
  for (const codec of CODECS) {
    const topic = `z-${codec}`;
    await admin.createTopic(topic, { partitions: 1 });
    const records = Array.from({ length: RECORDS }, (_, i) => ({
      key: utf8.encode(`k${String(i)}`),
      value: utf8.encode(`${codec} value ${String(i)} `.repeat(4)),
      timestamp: 1_700_000_000_000 + i,
      headers: [['n', utf8.encode(String(i))]] as const,
    }));
    const batch = await encodeBatch(records, codec);
    const answer = await raw.request('produce', {
      acks: 1,
      timeoutMs: 10_000,
      partitions: [{ topic, partition: 0, batch }],
    });
    t.same(answer.partitions[0], { topic, partition: 0, baseOffset: 0 }, `${codec}: appended`);
    const fetched = await raw.request('fetch', { topic, partition: 0, offset: 0, maxBytes: 1 << 20, maxWaitMs: 0 });
    const stored = fetched.batches[0] ?? new Uint8Array();
    t.equal(compressionOf(readRecordBatchHeader(stored).attributes), codec, `${codec}: stored compressed`);
    t.same(Buffer.from(stored.subarray(21)), Buffer.from(batch.subarray(21)), `${codec}: the bytes as sent`);

    const consumer = new Consumer<string>({ bootstrap: broker.bootstrap, codec: stringCodec(), from: 'earliest' });
    await consumer.assign(topic);
    const read = await consumeToOffsets(consumer, topic, [RECORDS]);
    await consumer.close();
    t.same(
      read.map((r) => [r.offset, valueOf(r), new TextDecoder().decode(r.headers[0]?.[1] ?? new Uint8Array())]),
      records.map((r, i) => [i, new TextDecoder().decode(r.value), String(i)]),
      `${codec}: the Consumer decompresses every record`,
    );
  }
});
