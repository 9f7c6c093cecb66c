/**
 * Idempotent produce against a real broker process: duplicates of a batch are appended once and answered with the
 * original offsets (also after the broker restarts: the state is rebuilt from the log), and a producer whose
 * connection is cut again and again while it sends leaves each record in the log exactly once, in order.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { crc32c as checksum } from '@node-rs/crc32';
import { ProducerIdAllocator } from '../../../broker/cluster/producer-ids.js';
import {
  RecordBatchBuilder,
  recordBatchOf,
  withProducer,
  type ProduceBatch,
  type ResponseOf,
} from '../../../protocol/index.js';
import { Admin, Consumer, openTcpTransport, Producer } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { consumeToOffsets } from '../../helpers/consume.js';
import { RawTcpConnection } from '../../helpers/raw-connection.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { closeAtEnd } from './helpers.js';
import { valueOf } from '../../helpers/consume.js';

/** A raw connection that has said hello. */
async function openRaw(t: Test, port: number): Promise<RawTcpConnection> {
  const connection = await RawTcpConnection.open(t, port);
  await connection.hello();
  return connection;
}

/** Produces `batch` to partition 0 of `topic` with acks=all; the partition's answer. */
async function produce(
  raw: RawTcpConnection,
  topic: string,
  batch: ProduceBatch,
): Promise<ResponseOf<'produce'>['partitions'][number] | undefined> {
  const response = await raw.request('produce', {
    acks: -1,
    timeoutMs: 10_000,
    partitions: [{ topic, partition: 0, batch }],
  });
  return response.partitions[0];
}

function batchOf(values: readonly string[], producer: { producerId: number; baseSequence: number }): ProduceBatch {
  const builder = new RecordBatchBuilder(1024, checksum);
  for (const v of values) builder.add({ key: null, value: new TextEncoder().encode(v), timestamp: 1_700_000_000_000 });
  return builder.build({ producerId: producer.producerId, producerEpoch: 0, baseSequence: producer.baseSequence })
    .bytes;
}

void t.test(
  'a repeated batch is appended once and answered with its original offsets, also after a restart',
  async (t) => {
    const dataDir = tempDir(t, 'brook-idempotent-');
    let broker = await startBrokerProcess(t, { dataDir });
    let raw = await openRaw(t, broker.tcpPort);
    await raw.request('createTopics', {
      topics: [{ name: 'idem', partitions: 1, replicationFactor: 1, config: {} }],
    });
    const { producerId, producerEpoch } = await raw.request('initProducer', {});
    t.equal(producerEpoch, 0);
    t.ok(producerId >= 2 ** 32, `broker 1's ids start at 2^32 (got ${String(producerId)})`);

    const first = batchOf(['a', 'b', 'c'], { producerId, baseSequence: 0 });
    const second = batchOf(['d', 'e'], { producerId, baseSequence: 3 });
    t.same(await produce(raw, 'idem', first), { topic: 'idem', partition: 0, baseOffset: 0 });
    t.same(await produce(raw, 'idem', first), { topic: 'idem', partition: 0, baseOffset: 0 }, 'duplicate: same answer');
    t.same(await produce(raw, 'idem', second), { topic: 'idem', partition: 0, baseOffset: 3 });
    const gap = await produce(raw, 'idem', batchOf(['x'], { producerId, baseSequence: 9 }));
    t.match(gap, { baseOffset: -1, error: { code: 24 } }, 'a sequence gap is OUT_OF_ORDER_SEQUENCE');
    const epoch1 = withProducer(recordBatchOf(batchOf(['y'], { producerId, baseSequence: 5 })), {
      producerId,
      producerEpoch: 1,
      baseSequence: 5,
    });
    const fenced = await produce(raw, 'idem', epoch1.bytes);
    t.match(fenced, { baseOffset: -1, error: { code: 24 } }, 'a newer epoch must start at sequence 0');
    let latest = await raw.request('listOffsets', { topic: 'idem', partition: 0, at: 'latest' });
    t.equal(latest.offset, 5, 'five records: nothing of the repeats or refused batches');

    // A crash: the producer state is rebuilt from the log on the way back.
    broker.kill('SIGKILL');
    await broker.exited;
    broker = await startBrokerProcess(t, { dataDir });
    raw = await openRaw(t, broker.tcpPort);
    t.same(
      await produce(raw, 'idem', second),
      { topic: 'idem', partition: 0, baseOffset: 3 },
      'duplicate after restart',
    );
    t.same(await produce(raw, 'idem', first), { topic: 'idem', partition: 0, baseOffset: 0 });
    t.same(await produce(raw, 'idem', batchOf(['f'], { producerId, baseSequence: 5 })), {
      topic: 'idem',
      partition: 0,
      baseOffset: 5,
    });
    latest = await raw.request('listOffsets', { topic: 'idem', partition: 0, at: 'latest' });
    t.equal(latest.offset, 6);
    const next = await raw.request('initProducer', {});
    t.ok(next.producerId > producerId, 'producer ids keep growing across the crash (the counter is persisted)');
  },
);

void t.test('producer ids: brokerId * 2^32 + a counter persisted in blocks', (t) => {
  const dir = tempDir(t, 'brook-producer-ids-');
  const a = ProducerIdAllocator.open(dir, 3, { blockSize: 2 });
  const ids = [a.next(), a.next(), a.next()];
  t.same(ids, [3 * 2 ** 32, 3 * 2 ** 32 + 1, 3 * 2 ** 32 + 2]);
  // A restart skips the rest of the block in use (ids 3 of the block [2, 4)), never reusing one.
  const b = ProducerIdAllocator.open(dir, 3, { blockSize: 2 });
  t.equal(b.next(), 3 * 2 ** 32 + 4);
  t.throws(() => ProducerIdAllocator.open(dir, 2 ** 21), RangeError, 'ids must stay safe integers');
  t.end();
});

/** A TCP proxy to `port` whose connections can be cut at any moment. */
async function cuttableProxy(t: Test, port: number): Promise<{ port: number; cut: () => number }> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const drop = (): void => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(pair);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => {
          resolve();
        });
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    cut: () => {
      const n = pairs.size;
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      return n;
    },
  };
}

void t.test('a producer whose connection is cut mid-stream and retries leaves no duplicates', async (t) => {
  const broker = await startBrokerProcess(t);
  const admin = new Admin({ bootstrap: broker.bootstrap });
  closeAtEnd(t, admin);
  await admin.createTopic('cut', { partitions: 2 });

  const proxy = await cuttableProxy(t, broker.tcpPort);
  const producer = new Producer<string>({
    bootstrap: broker.bootstrap,
    // Every connection, bootstrap or to the leader named by metadata, goes through the proxy.
    transport: (endpoint, handlers, options) =>
      openTcpTransport(endpoint.kind === 'tcp' ? { ...endpoint, port: proxy.port } : endpoint, handlers, options),
    reconnectBackoffMs: { initial: 5, max: 20 },
    retryBackoffMs: { initial: 5, max: 20 },
    lingerMs: 1,
    // Small batches: many requests in flight when a cut lands.
    batchBytes: 2048,
  });
  closeAtEnd(t, producer);
  await producer.connect();

  const total = 6000;
  const wave = 500;
  let acked = 0;
  let cuts = 0;
  const sent: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    sent.push(
      producer.send({ topic: 'cut', key: String(i % 7), value: `m${String(i)}` }).then((m) => {
        acked++;
        return m;
      }),
    );
    if (i % wave === wave - 1) {
      // Once part of this wave is acknowledged (the rest is in flight or queued), cut every connection.
      const target = i + 1 - wave / 2;
      await waitFor(() => acked >= target, { what: `${String(target)} records acknowledged`, timeoutMs: 30_000 });
      cuts += proxy.cut();
    }
  }
  const metadata = await Promise.all(sent);
  t.ok(cuts >= 10, `connections were cut mid-stream (${String(cuts)} cut)`);

  const offsets = await admin.listOffsets('cut', 'latest');
  const consumer = new Consumer<string>({ bootstrap: broker.bootstrap, from: 'earliest' });
  closeAtEnd(t, consumer);
  await consumer.assign('cut');
  const records = await consumeToOffsets(
    consumer,
    'cut',
    offsets.map((o) => o.offset),
    { timeoutMs: 60_000 },
  );
  const seen = new Map<string, number>();
  for (const r of records) seen.set(valueOf(r), (seen.get(valueOf(r)) ?? 0) + 1);
  const duplicated = [...seen].filter(([, n]) => n > 1);
  t.equal(records.length, total, 'every record stored exactly once');
  t.same(duplicated.slice(0, 5), [], 'no value appears twice');
  t.equal(seen.size, total, 'none lost');
  // Records of one key go to one partition in send order.
  for (let p = 0; p < 2; p++) {
    const values = records.filter((r) => r.partition === p).map((r) => Number(valueOf(r).slice(1)));
    t.ok(
      values.every((v, i) => i === 0 || v > (values[i - 1] ?? -1)),
      `partition ${String(p)} holds its records in send order`,
    );
  }
  t.equal(metadata.length, total);
});
