/**
 * Backup and restore of a data directory, as docs/operations.md describes it: stop the broker (SIGTERM: a graceful
 * stop closes every log), copy the whole directory, start a new broker on the copy, and every record is there at
 * the same partition and offset, with its key and value, and the topic takes new writes after the last offset.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Admin, Consumer, Producer, stringCodec, type ConsumerRecord } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { consumeToOffsets } from '../../helpers/consume.js';
import { tempDir } from '../../helpers/temp-dir.js';

const TOPIC = 'restore-orders';
const PARTITIONS = 3;
const RECORDS = 600;

/** What identifies a record after a restore. */
function summary(r: ConsumerRecord<string>): string {
  // Keys come back as bytes (the producer sent strings).
  const key = r.key === null ? 'null' : Buffer.from(r.key).toString('utf8');
  return `${String(r.partition)}@${String(r.offset)} ${key}=${r.value}`;
}

void t.test('a copy of a stopped broker data directory serves every record on a new broker', async (t) => {
  const original = await startBrokerProcess(t);
  const produced = new Set<string>();
  {
    const admin = new Admin({ bootstrap: original.bootstrap });
    const producer = new Producer<string>({ bootstrap: original.bootstrap, codec: stringCodec() });
    try {
      await admin.createTopic(TOPIC, { partitions: PARTITIONS });
      const acks = await Promise.all(
        Array.from({ length: RECORDS }, (_, i) =>
          producer.send({ topic: TOPIC, key: `k${String(i)}`, value: `order ${String(i)}` }),
        ),
      );
      acks.forEach((ack, i) =>
        produced.add(`${String(ack.partition)}@${String(ack.offset)} k${String(i)}=order ${String(i)}`),
      );
    } finally {
      await Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 })]);
    }
  }
  t.equal((await original.stop()).code, 0, 'the broker stops cleanly');

  const backup = path.join(tempDir(t, 'brook-backup-'), 'data');
  fs.cpSync(original.dataDir, backup, { recursive: true });
  t.comment(`backed up: ${fs.readdirSync(backup).sort().join(' ')}`);

  const restored = await startBrokerProcess(t, { dataDir: backup });
  const admin = new Admin({ bootstrap: restored.bootstrap });
  const consumer = new Consumer<string>({ bootstrap: restored.bootstrap, codec: stringCodec(), from: 'earliest' });
  const producer = new Producer<string>({ bootstrap: restored.bootstrap, codec: stringCodec() });
  t.teardown(() => Promise.all([admin.close(), consumer.close(), producer.close({ timeoutMs: 1_000 })]));
  const ends = (await admin.listOffsets(TOPIC, 'latest')).map((p) => p.offset);
  t.equal(
    ends.reduce((a, b) => a + b, 0),
    RECORDS,
    'the log ends add up to the records produced',
  );
  await consumer.assign(TOPIC);
  const read = await consumeToOffsets(consumer, TOPIC, ends);
  t.same(new Set(read.map(summary)), produced, 'every record at its partition and offset, with its key and value');
  t.equal(read.length, RECORDS, 'each record once');

  const next = await producer.send({ topic: TOPIC, partition: 0, key: 'after', value: 'restore' });
  t.equal(next.offset, ends[0], 'a new record follows the last restored offset');
});
