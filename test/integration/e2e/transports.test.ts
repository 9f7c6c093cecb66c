/**
 * TCP and WebSocket against one real broker process: records produced over one transport are consumed over the
 * other, byte for byte; and a connection that sends garbage (raw TCP) or an oversized message (WebSocket) is closed
 * alone while clients on other connections keep producing without reconnecting.
 */
import t from 'tap';
import type { Test } from 'tap';
import { Admin, Consumer, Producer, stringCodec, type RecordMetadata } from '../../../client/index.js';
import { startBrokerProcess, type BrokerProcess } from '../../helpers/broker-process.js';
import { consumeUntil } from '../../helpers/consume.js';
import { httpGet, metricSum } from '../../helpers/http.js';
import { errorCodeOf, RawTcpConnection, RawWsConnection } from '../../helpers/raw-connection.js';
import { waitFor } from '../../helpers/wait-for.js';

const MAX_FRAME_BYTES = 64 * 1024;
/** Small frames, so an oversized WebSocket message is small too. */
const BROKER_ARGS = [
  '--max-frame-bytes',
  String(MAX_FRAME_BYTES),
  '--max-message-bytes',
  String(32 * 1024),
  '--deliver-max-bytes',
  String(32 * 1024),
];
const RECORDS = 3_000;

type Transport = 'tcp' | 'ws';

function bootstrapOf(broker: BrokerProcess, transport: Transport): string {
  return transport === 'tcp' ? broker.bootstrap : broker.wsBootstrap;
}

async function metric(broker: BrokerProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricSum((await httpGet(broker.wsPort, '/metrics')).body, name, labels);
}

void t.test('one broker process, both transports', async (t) => {
  const broker = await startBrokerProcess(t, { args: BROKER_ARGS });

  const roundTrip = async (t: Test, produceVia: Transport, consumeVia: Transport): Promise<void> => {
    const topic = `via-${produceVia}-to-${consumeVia}`;
    const admin = new Admin({ bootstrap: bootstrapOf(broker, produceVia) });
    const producer = new Producer<string>({ bootstrap: bootstrapOf(broker, produceVia), codec: stringCodec() });
    const consumer = new Consumer<string>({
      bootstrap: bootstrapOf(broker, consumeVia),
      codec: stringCodec(),
      from: 'earliest',
    });
    t.teardown(() => Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 }), consumer.close()]));
    await admin.createTopic(topic, { partitions: 3 });
    const sends: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < RECORDS; i++) {
      // Multi-byte text, keys and headers all cross both encoders.
      sends.push(
        producer.send({
          topic,
          key: `key-${String(i % 11)}`,
          value: `value ${String(i)} ✓ ${'x'.repeat(i % 97)}`,
          headers: { seq: String(i) },
        }),
      );
    }
    const metas = await Promise.all(sends);
    await consumer.assign(topic);
    const ends = [0, 0, 0];
    for (const m of metas) ends[m.partition] = Math.max(ends[m.partition] ?? 0, m.offset + 1);
    const records = await consumeUntil(consumer, (got) => got.length >= RECORDS);
    t.equal(
      records.length,
      RECORDS,
      `${String(RECORDS)} records produced over ${produceVia} and consumed over ${consumeVia}`,
    );
    const decoder = new TextDecoder();
    let mismatches = 0;
    for (const record of records) {
      const seq = Number(decoder.decode(record.headers.find(([k]) => k === 'seq')?.[1] ?? new Uint8Array()));
      const meta = metas[seq];
      const ok =
        meta !== undefined &&
        record.partition === meta.partition &&
        record.offset === meta.offset &&
        record.value === `value ${String(seq)} ✓ ${'x'.repeat(seq % 97)}` &&
        record.key !== null &&
        decoder.decode(record.key) === `key-${String(seq % 11)}`;
      if (!ok && mismatches++ < 5)
        t.fail(
          `record ${String(seq)} at ${String(record.partition)}:${String(record.offset)} differs from what was sent`,
        );
    }
    t.equal(mismatches, 0, 'every record has the partition, offset, key, value and header it was sent with');
    t.equal(
      new Set(records.map((r) => `${String(r.partition)}:${String(r.offset)}`)).size,
      RECORDS,
      'each record once',
    );
    t.ok(
      (await metric(broker, 'brook_connections', { transport: consumeVia })) >= 1,
      `the consumer is connected over ${consumeVia}`,
    );
    t.ok(
      (await metric(broker, 'brook_connections', { transport: produceVia })) >= 1,
      `the producer is connected over ${produceVia}`,
    );
  };

  await t.test('produce over TCP, consume over WebSocket', (t) => roundTrip(t, 'tcp', 'ws'));
  await t.test('produce over WebSocket, consume over TCP', (t) => roundTrip(t, 'ws', 'tcp'));

  await t.test(
    'garbage on a raw TCP socket and an oversized WebSocket message close only those connections',
    async (t) => {
      const topic = 'steady';
      const admin = new Admin({ bootstrap: broker.bootstrap });
      t.teardown(() => admin.close());
      await admin.createTopic(topic, { partitions: 1 });

      // Two producers, one per transport, each sending one record after another until told to stop.
      const steady = (['tcp', 'ws'] as const).map((transport) => {
        const producer = new Producer<string>({
          bootstrap: bootstrapOf(broker, transport),
          codec: stringCodec(),
          lingerMs: 0,
        });
        const state = { transport, acked: 0, errors: [] as string[], stop: false, done: Promise.resolve() };
        state.done = (async () => {
          for (let i = 0; !state.stop; i++) {
            try {
              await producer.send({ topic, value: `${transport}-${String(i)}` });
              state.acked++;
            } catch (err: unknown) {
              state.errors.push(String(err));
            }
          }
        })();
        t.teardown(async () => {
          state.stop = true;
          await state.done;
          await producer.close({ timeoutMs: 1_000 });
        });
        return state;
      });
      await waitFor(() => steady.every((s) => s.acked >= 20), { what: 'both producers under way' });
      const openedBefore = {
        tcp: await metric(broker, 'brook_connections_opened_total', { transport: 'tcp' }),
        ws: await metric(broker, 'brook_connections_opened_total', { transport: 'ws' }),
      };

      // Garbage after a good hello: a frame whose bytes are no msgpack at all (0xc1 is never used), then noise.
      const garbage = await RawTcpConnection.open(t, broker.tcpPort);
      await garbage.hello();
      let seed = 12345;
      const noise = Uint8Array.from({ length: 512 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
      noise[0] = 0xc1;
      const prefixed = new Uint8Array(4 + noise.length);
      new DataView(prefixed.buffer).setUint32(0, noise.length);
      prefixed.set(noise, 4);
      garbage.sendBytes(prefixed);
      const garbageError = await garbage.nextFrame();
      t.equal(errorCodeOf(garbageError), 'INVALID_REQUEST', 'undecodable frame: INVALID_REQUEST');
      t.equal(garbageError.correlationId, 0, 'as a connection error (correlationId 0)');
      await garbage.waitClosed();
      t.pass('the broker closed the garbage connection');

      // Bytes that are not even length-prefixed frames (an HTTP request on the TCP port), before any hello.
      const http = await RawTcpConnection.open(t, broker.tcpPort);
      http.sendBytes(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
      t.equal(
        errorCodeOf(await http.nextFrame()),
        'FRAME_TOO_LARGE',
        "'GET ' read as a length is far above maxFrameBytes",
      );
      await http.waitClosed();

      // A WebSocket message above maxFrameBytes (below uWS's own cap, so the broker sees it and says why).
      const big = await RawWsConnection.open(t, broker.wsPort);
      await big.hello();
      big.sendBytes(new Uint8Array(MAX_FRAME_BYTES + 1024));
      const bigError = await big.nextFrame();
      t.equal(errorCodeOf(bigError), 'FRAME_TOO_LARGE', 'oversized message: FRAME_TOO_LARGE');
      t.equal(bigError.correlationId, 0, 'as a connection error (correlationId 0)');
      await big.waitClosed();
      t.pass('the broker closed the oversized connection');

      // The producers carry on, on the connections they had.
      const ackedAfterBad = steady.map((s) => s.acked);
      await waitFor(() => steady.every((s, i) => s.acked >= (ackedAfterBad[i] ?? 0) + 50), {
        what: 'both producers to get 50 more acknowledgements',
      });
      for (const s of steady) {
        s.stop = true;
        await s.done;
        t.same(s.errors, [], `the ${s.transport} producer saw no error`);
      }
      const openedAfter = {
        tcp: await metric(broker, 'brook_connections_opened_total', { transport: 'tcp' }),
        ws: await metric(broker, 'brook_connections_opened_total', { transport: 'ws' }),
      };
      t.equal(
        openedAfter.tcp - openedBefore.tcp,
        2,
        'TCP: only the two raw connections were opened (no producer reconnected)',
      );
      t.equal(
        openedAfter.ws - openedBefore.ws,
        1,
        'WebSocket: only the raw connection was opened (no producer reconnected)',
      );
      const total = steady.reduce((n, s) => n + s.acked, 0);
      const [end] = await admin.listOffsets(topic);
      t.equal(end?.offset, total, 'every acknowledged record is in the log, nothing more');
    },
  );
});
