// Regression (issue 11): producer ids are sequential and visible through fetch; an attacker that produced with a
// victim's producer id and next sequence had its record stored, and the victim's batch with that sequence was then
// answered as a duplicate (success, an offset) while the log held the attacker's record: acknowledged data lost.
// Expected now: the attacker's batch is refused UNAUTHORIZED and stores nothing; the victim's batch is appended.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import {
  decodeRecordBatch,
  producerIdOf,
  RecordBatchBuilder,
  type DecodedRecord,
  type ProduceBatch,
} from '../../protocol/index.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { RawTcpConnection } from '../helpers/raw-connection.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOPIC = 'payments';

function batchOf(value: string, producerId: number, baseSequence: number): ProduceBatch {
  const builder = new RecordBatchBuilder();
  builder.add({ key: null, value: Buffer.from(value), timestamp: 1_700_000_000_000 });
  return builder.build({ producerId, producerEpoch: 0, baseSequence }).bytes;
}

void t.test("another principal's producer id is refused and stores nothing", async (t) => {
  const dir = tempDir(t, 'brook-producer-ids-');
  const usersFile = path.join(dir, 'users');
  fs.writeFileSync(usersFile, 'victim:victim-pw\nattacker:attacker-pw\n');
  const broker = await startBrokerProcess(t, { args: ['--users-file', usersFile] });
  const victim = await RawTcpConnection.open(t, broker.tcpPort);
  await victim.hello(10_000, { username: 'victim', password: 'victim-pw' });
  const attacker = await RawTcpConnection.open(t, broker.tcpPort);
  await attacker.hello(10_000, { username: 'attacker', password: 'attacker-pw' });
  await victim.request('createTopics', { topics: [{ name: TOPIC, partitions: 1, replicationFactor: 1, config: {} }] });
  const produce = (conn: RawTcpConnection, batch: ProduceBatch) =>
    conn.request('produce', { acks: -1, timeoutMs: 10_000, partitions: [{ topic: TOPIC, partition: 0, batch }] });

  const { producerId } = await victim.request('initProducer', {});
  t.equal((await produce(victim, batchOf('victim-0', producerId, 0))).partitions[0]?.error, undefined);

  // The attacker reads the victim's producer id and next sequence from the log, and writes first.
  const fetched = await attacker.request('fetch', {
    topic: TOPIC,
    partition: 0,
    offset: 0,
    maxBytes: 65_536,
    maxWaitMs: 0,
  });
  t.equal(producerIdOf(fetched.batches[0] ?? new Uint8Array()), producerId, 'the producer id is visible to readers');
  await t.rejects(produce(attacker, batchOf('attacker', producerId, 1)), {
    code: 'UNAUTHORIZED',
    message: /producer id \d+ belongs to another principal/,
  });

  const answer = await produce(victim, batchOf('victim-1', producerId, 1));
  t.same(answer.partitions[0], { topic: TOPIC, partition: 0, baseOffset: 1 }, "the victim's batch is appended");
  const log = await victim.request('fetch', { topic: TOPIC, partition: 0, offset: 0, maxBytes: 65_536, maxWaitMs: 0 });
  const records: DecodedRecord[] = log.batches.flatMap((batch) => decodeRecordBatch(batch));
  t.same(
    records.map((r) => Buffer.from(r.value ?? new Uint8Array()).toString()),
    ['victim-0', 'victim-1'],
    "only the victim's records are in the log",
  );
});
