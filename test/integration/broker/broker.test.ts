import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { startBroker, type Broker, type BrokerConfigInput } from '../../../broker/index.js';
import net from 'node:net';
import {
  decodeRecordBatch,
  readRecordBatchHeader,
  pushes,
  type PushOf,
  ErrorCodes,
  RecordBatchBuilder,
  type DecodedRecord,
  type FetchedBatch,
  type ProduceBatch,
} from '../../../protocol/index.js';
import { RawTcpConnection, type HelloCredentials } from '../../helpers/raw-connection.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function start(t: Test, dataDir: string, config: BrokerConfigInput = {}): Promise<Broker> {
  const broker = await startBroker({ dataDir, port: 0, wsPort: 0, kafkaPort: 0, logLevel: 'silent', ...config });
  t.teardown(() => broker.close());
  return broker;
}

async function connect(t: Test, port: number, credentials: HelloCredentials = {}): Promise<RawTcpConnection> {
  const client = await RawTcpConnection.open(t, port);
  await client.hello(10_000, credentials);
  return client;
}

function batch(values: string[], timestamp = 1_000): ProduceBatch {
  const builder = new RecordBatchBuilder();
  values.forEach((value, i) => {
    builder.add({ key: null, value: Buffer.from(value), timestamp: timestamp + i });
  });
  return builder.build().bytes;
}

/** A copy of `bytes` with a record byte (inside the CRC) flipped. */
function damaged(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[copy.byteLength - 1] = (copy[copy.byteLength - 1] ?? 0) ^ 0xff;
  return copy;
}

function values(batches: FetchedBatch[], fromOffset = 0): string[] {
  const records: DecodedRecord[] = batches.flatMap((b) => decodeRecordBatch(b)).filter((r) => r.offset >= fromOffset);
  return records.map((r) => Buffer.from(r.value ?? new Uint8Array()).toString());
}

async function createTopic(
  client: RawTcpConnection,
  name: string,
  partitions = 1,
  config: Record<string, string> = {},
): Promise<void> {
  const { results } = await client.request('createTopics', {
    topics: [{ name, partitions, replicationFactor: 1, config }],
  });
  if (results[0]?.error !== undefined) throw new Error(results[0].error.message);
}

void t.test('produce then fetch round trip, with per-partition errors', async (t) => {
  const broker = await start(t, tempDir(t), { maxMessageBytes: 4096 });
  const client = await connect(t, broker.tcpPort);
  await createTopic(client, 'events', 2);

  const good = batch(['a', 'b', 'c']);
  const produced = await client.request('produce', {
    acks: -1,
    timeoutMs: 5000,
    partitions: [
      { topic: 'events', partition: 0, batch: good },
      { topic: 'events', partition: 0, batch: batch(['d']) },
      { topic: 'nope', partition: 0, batch: batch(['x']) },
      { topic: 'events', partition: 9, batch: batch(['x']) },
      { topic: 'events', partition: 1, batch: damaged(batch(['x'])) },
      { topic: 'events', partition: 1, batch: batch(['y'.repeat(5000)]) },
    ],
  });
  t.same(
    produced.partitions.map((p) => [p.topic, p.partition, p.baseOffset, p.error?.code]),
    [
      ['events', 0, 0, undefined],
      ['events', 0, 3, undefined],
      ['nope', 0, -1, ErrorCodes.UNKNOWN_TOPIC.code],
      ['events', 9, -1, ErrorCodes.UNKNOWN_PARTITION.code],
      ['events', 1, -1, ErrorCodes.CORRUPT_BATCH.code],
      ['events', 1, -1, ErrorCodes.MESSAGE_TOO_LARGE.code],
    ],
  );
  t.same(
    Object.keys(produced.partitions[0] ?? {}).sort(),
    ['baseOffset', 'partition', 'topic'],
    'no error field on success',
  );

  const fetched = await client.request('fetch', {
    topic: 'events',
    partition: 0,
    offset: 1,
    maxBytes: 1 << 20,
    maxWaitMs: 0,
  });
  t.equal(fetched.highWatermark, 4);
  t.equal(fetched.logStartOffset, 0);
  t.same(values(fetched.batches, 1), ['b', 'c', 'd']);
  t.equal(
    readRecordBatchHeader(fetched.batches[0] ?? new Uint8Array()).crc,
    readRecordBatchHeader(good).crc,
    'batches come back as produced',
  );

  const empty = await client.request('fetch', {
    topic: 'events',
    partition: 1,
    offset: 0,
    maxBytes: 1 << 20,
    maxWaitMs: 0,
  });
  t.same(empty, { highWatermark: 0, logStartOffset: 0, batches: [] }, 'nothing of the refused batches was appended');
  await t.rejects(client.request('fetch', { topic: 'events', partition: 0, offset: 5, maxBytes: 100, maxWaitMs: 0 }), {
    code: 'OFFSET_OUT_OF_RANGE',
  });
});

void t.test('metadata describes the broker with its bound ports and the topics', async (t) => {
  const broker = await start(t, tempDir(t), { advertisedHost: 'localhost' });
  const client = await connect(t, broker.tcpPort);
  await createTopic(client, 'm', 3, { 'retention.ms': '60000' });
  const metadata = await client.request('metadata', {});
  t.equal(metadata.clusterId, broker.clusterId);
  t.same(metadata.brokers, [{ id: 1, host: 'localhost', port: broker.tcpPort, wsPort: broker.wsPort }]);
  t.equal(metadata.topics[0]?.partitions.length, 3);
  t.equal(metadata.topics[0]?.config['retention.ms'], '60000');
  const { results } = await client.request('createTopics', {
    topics: [{ name: 'r3', partitions: 1, replicationFactor: 3, config: {} }],
  });
  t.equal(results[0]?.error?.message, 'replication factor 3 exceeds the 1 available broker(s)');
});

void t.test('listOffsets: earliest, latest and by timestamp', async (t) => {
  const broker = await start(t, tempDir(t));
  const client = await connect(t, broker.tcpPort);
  await createTopic(client, 'lo');
  await client.request('produce', {
    acks: 1,
    timeoutMs: 1000,
    partitions: [
      { topic: 'lo', partition: 0, batch: batch(['a', 'b'], 10_000) },
      { topic: 'lo', partition: 0, batch: batch(['c', 'd'], 20_000) },
    ],
  });
  const at = (position: 'earliest' | 'latest' | number) =>
    client.request('listOffsets', { topic: 'lo', partition: 0, at: position });
  t.same(await at('earliest'), { offset: 0, timestamp: null });
  t.same(await at('latest'), { offset: 4, timestamp: null });
  t.same(await at(15_000), { offset: 2, timestamp: 20_001 });
  t.same(await at(30_000), { offset: 4, timestamp: null });
});

void t.test('a fetch at the high watermark waits for data, or returns empty after maxWaitMs', async (t) => {
  const broker = await start(t, tempDir(t));
  const consumer = await connect(t, broker.tcpPort);
  const producer = await connect(t, broker.tcpPort);
  await createTopic(producer, 'lp');

  const waiting = consumer.request('fetch', {
    topic: 'lp',
    partition: 0,
    offset: 0,
    maxBytes: 1 << 20,
    maxWaitMs: 30_000,
  });
  // The fetch must have reached the broker and be parked before the produce, or it would not be a long poll.
  const metadata = await consumer.request('metadata', { topics: ['lp'] });
  t.equal(metadata.topics[0]?.partitions[0]?.highWatermark, 0);
  const startedMs = Date.now();
  await producer.request('produce', {
    acks: 1,
    timeoutMs: 1000,
    partitions: [{ topic: 'lp', partition: 0, batch: batch(['hello']) }],
  });
  const response = await waiting;
  t.same(values(response.batches), ['hello']);
  t.ok(Date.now() - startedMs < 10_000, 'answered by the data, not the deadline');

  const idleStartMs = Date.now();
  const idle = await consumer.request('fetch', {
    topic: 'lp',
    partition: 0,
    offset: 1,
    maxBytes: 1 << 20,
    maxWaitMs: 200,
  });
  t.same(idle, { highWatermark: 1, logStartOffset: 0, batches: [] });
  t.ok(Date.now() - idleStartMs >= 190, 'waited about maxWaitMs');
});

void t.test('close then restart on the same data dir keeps topics, offsets and the cluster id', async (t) => {
  const dataDir = tempDir(t);
  const first = await startBroker({
    dataDir,
    port: 0,
    wsPort: 0,
    kafkaPort: 0,
    logLevel: 'silent',
    flush: 'interval',
    flushIntervalMs: 50,
  });
  const client = await connect(t, first.tcpPort);
  await createTopic(client, 'durable', 2);
  await createTopic(client, 'deleted');
  await client.request('produce', {
    acks: 1,
    timeoutMs: 1000,
    partitions: [
      { topic: 'durable', partition: 1, batch: batch(['x', 'y']) },
      { topic: 'durable', partition: 1, batch: batch(['z']) },
    ],
  });
  await client.request('deleteTopics', { names: ['deleted'] });
  client.destroy();
  const clusterId = first.clusterId;
  t.equal(first.ready, true);
  await Promise.all([first.close(), first.close()]);
  t.equal(first.ready, false);

  const second = await start(t, dataDir);
  t.equal(second.clusterId, clusterId);
  const again = await connect(t, second.tcpPort);
  const metadata = await again.request('metadata', {});
  t.same(
    metadata.topics.map((x) => x.name),
    ['durable'],
  );
  t.same(
    metadata.topics[0]?.partitions.map((p) => p.highWatermark),
    [0, 3],
  );
  const fetched = await again.request('fetch', {
    topic: 'durable',
    partition: 1,
    offset: 0,
    maxBytes: 1 << 20,
    maxWaitMs: 0,
  });
  t.same(values(fetched.batches), ['x', 'y', 'z']);
  const next = await again.request('produce', {
    acks: 1,
    timeoutMs: 1000,
    partitions: [{ topic: 'durable', partition: 1, batch: batch(['w']) }],
  });
  t.equal(next.partitions[0]?.baseOffset, 3, 'offsets continue');
});

void t.test('GET /metrics on the WebSocket port counts produced records', async (t) => {
  const broker = await start(t, tempDir(t));
  const client = await connect(t, broker.tcpPort);
  await createTopic(client, 'metered');
  await client.request('produce', {
    acks: 1,
    timeoutMs: 1000,
    partitions: [{ topic: 'metered', partition: 0, batch: batch(['1', '2', '3']) }],
  });
  const response = await fetch(`http://127.0.0.1:${String(broker.wsPort)}/metrics`);
  t.equal(response.status, 200);
  const body = await response.text();
  // Every series ends with the broker label (the default broker id is 1).
  t.match(body, /^brook_produce_records_total\{topic="metered",broker="1"\} 3$/m);
  t.match(body, /^brook_partition_high_watermark\{topic="metered",partition="0",broker="1"\} 3$/m);
  t.match(body, /^brook_connections\{transport="tcp",broker="1"\} 1$/m);
  t.match(body, /brook_request_duration_seconds_bucket\{le="[0-9.e-]+",broker="1",op="produce"\}/);
  const ready = await fetch(`http://127.0.0.1:${String(broker.wsPort)}/readyz`);
  t.equal(ready.status, 200);
});

void t.test('with a users file, a login needs the right password (SCRAM-SHA-256)', async (t) => {
  const dir = tempDir(t);
  const usersFile = path.join(dir, 'users');
  fs.writeFileSync(usersFile, '# first users\nalice:s3cret\n');
  const broker = await start(t, path.join(dir, 'data'), { usersFile });
  await t.rejects(connect(t, broker.tcpPort, { username: 'alice', password: 'wrong' }), {
    code: 'UNAUTHORIZED',
  });
  await t.rejects(connect(t, broker.tcpPort, { username: 'bob', password: 's3cret' }), { code: 'UNAUTHORIZED' });
  await t.rejects(connect(t, broker.tcpPort), { code: 'UNAUTHORIZED' });
  const client = await connect(t, broker.tcpPort, { username: 'alice', password: 's3cret' });
  client.destroy();
});

void t.test('a bad config is refused before anything is opened', async (t) => {
  const dataDir = path.join(tempDir(t), 'never-created');
  await t.rejects(startBroker({ dataDir, port: 0, wsPort: 0, kafkaPort: 0, maxConnections: 0 }), {
    name: 'ConfigError',
    field: 'maxConnections',
  });
  t.notOk(fs.existsSync(dataDir));
});

void t.test(
  'a subscription gets pushed batches as they are committed, and ends when the topic is deleted',
  async (t) => {
    const broker = await start(t, tempDir(t));
    const consumer = await connect(t, broker.tcpPort);
    const producer = await connect(t, broker.tcpPort);
    await createTopic(producer, 'pushed');
    await producer.request('produce', {
      acks: 1,
      timeoutMs: 1000,
      partitions: [{ topic: 'pushed', partition: 0, batch: batch(['old']) }],
    });
    const subscribed = await consumer.request('subscribe', {
      subscriptionId: 7,
      topic: 'pushed',
      partition: 0,
      offset: 'earliest',
      credit: { records: 100, bytes: 1 << 20 },
    });
    t.same(subscribed, { offset: 0, highWatermark: 1, logStartOffset: 0 });
    const first = await consumer.nextPush();
    t.equal(first.op, pushes.deliver.code);
    t.same(values((first.body as PushOf<'deliver'>).batches), ['old']);

    await producer.request('produce', {
      acks: 1,
      timeoutMs: 1000,
      partitions: [{ topic: 'pushed', partition: 0, batch: batch(['new']) }],
    });
    const second = await consumer.nextPush();
    t.equal((second.body as PushOf<'deliver'>).highWatermark, 2);
    t.same(values((second.body as PushOf<'deliver'>).batches), ['new']);

    await producer.request('deleteTopics', { names: ['pushed'] });
    const end = await consumer.nextPush();
    t.equal(end.op, pushes.subscriptionEnd.code);
    t.equal((end.body as PushOf<'subscriptionEnd'>).error.code, ErrorCodes.UNKNOWN_TOPIC.code);

    const body = await (await fetch(`http://127.0.0.1:${String(broker.wsPort)}/metrics`)).text();
    t.notMatch(body, /topic="pushed"/, 'the deleted topic left the metrics page');
  },
);

void t.test('a failed start (port taken) releases the data dir', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) =>
        blocker.close(() => {
          resolve();
        }),
      ),
  );
  const address = blocker.address();
  const takenPort = typeof address === 'object' && address !== null ? address.port : 0;
  const dataDir = tempDir(t);
  await t.rejects(startBroker({ dataDir, port: takenPort, wsPort: 0, kafkaPort: 0, logLevel: 'silent' }));
  const broker = await start(t, dataDir);
  t.equal(broker.ready, true, 'the same data dir opens again');
});
