/**
 * One million records through the real client and a real broker process: produced to a 4-partition topic with keys
 * that pin each record's partition and values carrying a per-partition sequence number, then consumed from the
 * beginning. Every record must arrive exactly once, in order per partition, at consecutive offsets.
 */
import t from 'tap';
import { Admin, Consumer, partitionForKey, Producer, rawCodec } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { valueOf } from '../../helpers/consume.js';

const TOTAL = 1_000_000;
const PARTITIONS = 4;
const TOPIC = 'million';

/** A key per partition: the first "key-<n>" that murmur2 places on it. */
function keysByPartition(): Uint8Array[] {
  const keys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(PARTITIONS);
  const encoder = new TextEncoder();
  for (let n = 0, found = 0; found < PARTITIONS; n++) {
    const key = encoder.encode(`key-${String(n)}`);
    const p = partitionForKey(key, PARTITIONS);
    if (keys[p] === undefined) {
      keys[p] = key;
      found++;
    }
  }
  return keys.map((k) => k ?? new Uint8Array());
}

void t.test(`${String(TOTAL)} records produced, then consumed exactly once in order per partition`, async (t) => {
  const broker = await startBrokerProcess(t);
  const bootstrap = broker.bootstrap;
  const admin = new Admin({ bootstrap });
  // Idempotent (acks 'all', which on one broker waits for nothing more than acks 1): "exactly once" needs it. A plain
  // producer retries a request whose answer it did not get, which stores the batch twice if the first try was
  // appended. With acks 1 this test failed twice on heavily loaded machines with exactly the first five batches
  // (5 in flight x 256 records) of a partition stored twice: the signature of in-flight requests retried together.
  const producer = new Producer<Uint8Array>({
    bootstrap,
    codec: rawCodec(),
    acks: 'all',
    lingerMs: 2,
    batchBytes: 512 * 1024,
  });
  const consumer = new Consumer<Uint8Array>({
    bootstrap,
    codec: rawCodec(),
    from: 'earliest',
    creditRecords: 100_000,
    creditBytes: 8 * 1024 * 1024,
  });
  t.teardown(() => Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 }), consumer.close()]));
  await admin.createTopic(TOPIC, { partitions: PARTITIONS });
  const keys = keysByPartition();

  // ---- produce: value = 4-byte big-endian sequence number within the partition -----------------------------------
  const produceStartMs = Date.now();
  const sent = new Array<number>(PARTITIONS).fill(0);
  let acked = 0;
  let firstError: unknown;
  const onAck = (): void => {
    acked++;
  };
  const onError = (err: unknown): void => {
    firstError ??= err;
  };
  for (let i = 0; i < TOTAL; i++) {
    const partition = i % PARTITIONS;
    const seq = sent[partition] ?? 0;
    sent[partition] = seq + 1;
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, seq);
    producer.send({ topic: TOPIC, key: keys[partition] ?? null, value }).then(onAck, onError);
    // Awaiting room only when the buffer is full keeps the loop synchronous most of the time.
    if ((i & 1023) === 1023) await producer.whenWritable();
    if (firstError !== undefined) break;
  }
  await producer.flush();
  t.ok(producer.identity !== undefined, 'the producer was idempotent');
  const produceMs = Date.now() - produceStartMs;
  t.equal(firstError, undefined, 'no send failed');
  t.equal(acked, TOTAL, 'every send was acknowledged');
  const ends = await admin.listOffsets(TOPIC, 'latest');
  t.same(
    ends.map((e) => e.offset),
    sent,
    'each partition holds exactly the records sent to it',
  );

  // ---- consume from the beginning --------------------------------------------------------------------------------
  const consumeStartMs = Date.now();
  await consumer.assign(TOPIC);
  const nextSeq = new Array<number>(PARTITIONS).fill(0);
  let received = 0;
  let problems = 0;
  const problem = (message: string): void => {
    // Report the first few precisely; a broken run must not print a million failures.
    if (problems++ < 10) t.fail(message);
  };
  for await (const batch of consumer.batches({ maxRecords: 50_000 })) {
    for (const record of batch) {
      const expected = nextSeq[record.partition];
      if (expected === undefined) {
        problem(`record from unexpected partition ${String(record.partition)}`);
        continue;
      }
      const seq =
        valueOf(record).byteLength === 4
          ? new DataView(valueOf(record).buffer, valueOf(record).byteOffset, 4).getUint32(0)
          : -1;
      if (seq !== expected)
        problem(`partition ${String(record.partition)}: sequence ${String(seq)}, expected ${String(expected)}`);
      if (record.offset !== expected)
        problem(`partition ${String(record.partition)}: offset ${String(record.offset)}, expected ${String(expected)}`);
      nextSeq[record.partition] = Math.max(expected, seq) + 1;
      received++;
    }
    if (received >= TOTAL || problems > 0) break;
  }
  const consumeMs = Date.now() - consumeStartMs;
  t.equal(problems, 0, 'every record in order, at consecutive offsets, exactly once');
  t.equal(received, TOTAL, 'every record received');
  t.same(nextSeq, sent, 'per partition, the last sequence received is the last sent');
  const tps = consumer.assignment();
  t.same(
    tps.map((tp) => consumer.position(tp)),
    tps.map((tp) => sent[tp.partition]),
    'positions end at the high watermarks',
  );
  t.same(
    tps.map((tp) => consumer.bufferedRecords(tp)),
    tps.map(() => 0),
    'nothing beyond the last record was delivered',
  );
  t.comment(
    `produced ${String(TOTAL)} in ${String(produceMs)} ms (${String(Math.round(TOTAL / (produceMs / 1000)))}/s), ` +
      `consumed in ${String(consumeMs)} ms (${String(Math.round(TOTAL / (consumeMs / 1000)))}/s)`,
  );
});
