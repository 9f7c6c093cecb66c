// Regression (issue 11): a batch whose `count` disagreed with its encoded records was stored, and every consumer then
// failed on it ("record batch truncated"). Expected now: the produce is answered INVALID_RECORD for that partition,
// nothing is stored (the end offset does not move), and a good batch after it is appended at offset 0.
import t from 'tap';
import { Admin } from '../../client/index.js';
import {
  RECORD_BATCH_OVERHEAD,
  RecordBatchBuilder,
  buildRecordBatch,
  readRecordBatchHeader,
  type ProduceBatch,
} from '../../protocol/index.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { RawTcpConnection } from '../helpers/raw-connection.js';

const TOPIC = 'miscounted';

function batchOf(values: readonly string[]): ProduceBatch {
  const builder = new RecordBatchBuilder();
  for (const value of values) builder.add({ key: null, value: Buffer.from(value), timestamp: 1_700_000_000_000 });
  return builder.build().bytes;
}

/** `bytes` with its header saying `count` records (and lastOffsetDelta count - 1), with a valid CRC. */
function withCount(bytes: ProduceBatch, count: number): ProduceBatch {
  const header = readRecordBatchHeader(bytes);
  return buildRecordBatch({ ...header, recordCount: count, records: bytes.subarray(RECORD_BATCH_OVERHEAD) });
}

void t.test('a batch whose records do not match its count is refused and stores nothing', async (t) => {
  const broker = await startBrokerProcess(t);
  const admin = new Admin({ bootstrap: broker.bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  await admin.createTopic(TOPIC, { partitions: 1 });
  const raw = await RawTcpConnection.open(t, broker.tcpPort);
  await raw.hello();
  const produce = (batch: ProduceBatch) =>
    raw.request('produce', { acks: 1, timeoutMs: 10_000, partitions: [{ topic: TOPIC, partition: 0, batch }] });
  const endOffset = async (): Promise<number | undefined> =>
    (await raw.request('metadata', { topics: [TOPIC] })).topics[0]?.partitions[0]?.highWatermark;

  const two = batchOf(['a', 'b']);
  for (const [what, batch] of [
    ['count 3 for 2 records', withCount(two, 3)],
    ['count 1 for 2 records', withCount(two, 1)],
  ] as const) {
    const answer = await produce(batch);
    t.match(answer.partitions[0], { baseOffset: -1, error: { code: 34 } }, `${what}: INVALID_RECORD`);
    t.match(answer.partitions[0]?.error?.message, /records of the batch/, 'the message says what is wrong');
    t.equal(await endOffset(), 0, `${what}: nothing stored`);
  }

  const good = await produce(batchOf(['c', 'd']));
  t.same(good.partitions[0], { topic: TOPIC, partition: 0, baseOffset: 0 }, 'a good batch is appended at offset 0');
  t.equal(await endOffset(), 2);
});
