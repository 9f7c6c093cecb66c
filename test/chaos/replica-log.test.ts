/**
 * The replica log reader on a real broker's files: what a producer wrote (and was acknowledged) is read back from
 * log.db with the same offsets after the broker stopped, and the checker passes it.
 */
import t from 'tap';
import { Admin, Producer, stringCodec } from '../../client/index.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { checkHistory, formatReport, violationCount, writeValue, type SentWrite } from './checker.js';
import { readReplicaLog } from './replica-log.js';

const TOPIC = 'replica-read';

void t.test('a broker log file read back matches the acknowledged writes', async (t) => {
  const broker = await startBrokerProcess(t);
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: 2 });
  const producer = new Producer<string>({ bootstrap: broker.bootstrap, codec: stringCodec(), lingerMs: 1 });
  t.teardown(() => producer.close());

  const writes: SentWrite[] = [];
  for (let seq = 0; seq < 60; seq++) {
    const partition = seq % 3 === 0 ? 1 : 0;
    // Sent in bursts of 10 so the log holds batches of several records.
    const meta = producer.send({ topic: TOPIC, partition, value: writeValue('w', seq) });
    writes.push({ producer: 'w', seq, partition, ackedOffset: -1 });
    const index = writes.length - 1;
    void meta.then((m) => {
      writes[index] = { producer: 'w', seq, partition, ackedOffset: m.offset };
    });
    if (seq % 10 === 9) await producer.flush();
  }
  await producer.flush();
  const ends = [writes.filter((w) => w.partition === 0).length, writes.filter((w) => w.partition === 1).length];

  await producer.close();
  await admin.close();
  await broker.stop();
  const reads = [0, 1].map((partition) => ({
    replica: 'broker 1',
    partition,
    ...readReplicaLog(broker.dataDir, TOPIC, partition),
  }));
  t.same(
    reads[1]?.records.map((r) => r.value),
    writes.filter((w) => w.partition === 1).map((w) => writeValue(w.producer, w.seq)),
    'the records of partition 1 in the order they were sent',
  );
  t.ok((reads[1]?.batches.length ?? 0) < 20, `records come in batches (${String(reads[1]?.batches.length)} rows)`);
  t.equal(reads[0]?.logStartOffset, 0);
  t.equal(reads[0]?.endOffset, ends[0]);
  const result = checkHistory({ writes, reads, committedEnd: ends });
  t.equal(violationCount(result), 0, 'no violations', { report: formatReport(result) });
  t.equal(result.counts.recordsRead, 60);
});
