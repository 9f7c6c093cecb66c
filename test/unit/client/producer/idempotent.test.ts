import t from 'tap';
import { ProducerStateTable } from '../../../../broker/partitions/producer-state.js';
import {
  BrookError,
  decodeRecordBatch,
  recordBatchOf,
  partitionKey,
  pushes,
  requests,
  type DecodedRecord,
  type ErrorName,
  type ResponseOf,
} from '../../../../protocol/index.js';
import { rawCodec } from '../../../../client/codecs.js';
import type { ProducerOptions } from '../../../../client/producer/options.js';
import { ProducerCore } from '../../../../client/producer/producer.js';
import { FakeBroker } from '../helpers/fake-broker.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { clientOptions, noPlatform } from '../helpers/options.js';

const PRODUCER_ID = 4_294_967_296 + 9;

/** What the idempotent fake did, and knobs to make it misbehave. */
interface Control {
  /** Errors for the next produce requests, one per request (every partition in it). */
  forced: ErrorName[];
  /** Produce requests whose appends happen but whose response is lost with the connection. */
  dropAfterAppend: number;
  duplicates: number;
  initProducerCalls: number;
}

/**
 * Makes the fake broker idempotent: it answers initProducer and checks every produced batch with the broker's own
 * ProducerStateTable, per partition (duplicates answered with the original offsets, nothing appended).
 */
function makeIdempotent(broker: FakeBroker): Control {
  const control: Control = { forced: [], dropAfterAppend: 0, duplicates: 0, initProducerCalls: 0 };
  const tables = new Map<string, ProducerStateTable>();
  broker.hook = (session, op, correlationId, body) => {
    if (op === 'initProducer') {
      control.initProducerCalls++;
      const response: ResponseOf<'initProducer'> = { producerId: PRODUCER_ID, producerEpoch: 0 };
      session.send(requests.initProducer.code, correlationId, response);
      return 'handled';
    }
    if (op !== 'produce') return undefined;
    const request = requests.produce.request.parse(body, '');
    const forced = control.forced.shift();
    const partitions = request.partitions.map(({ topic, partition, batch }) => {
      if (forced !== undefined) return { topic, partition, baseOffset: -1, error: new BrookError(forced).toWire() };
      const key = partitionKey(topic, partition);
      const table = tables.get(key) ?? new ProducerStateTable();
      tables.set(key, table);
      try {
        const fields = recordBatchOf(batch);
        const verdict = table.check(fields);
        if (verdict.kind === 'duplicate') {
          control.duplicates++;
          return { topic, partition, baseOffset: verdict.baseOffset };
        }
        const baseOffset = broker.append(topic, partition, batch);
        table.record(fields, baseOffset, baseOffset + fields.count - 1);
        return { topic, partition, baseOffset };
      } catch (err) {
        return { topic, partition, baseOffset: -1, error: BrookError.from(err).toWire() };
      }
    });
    const bytes = request.partitions.reduce((n, p) => n + p.batch.byteLength, 0);
    session.send(pushes.grant.code, 0, { bytes });
    if (control.dropAfterAppend > 0) {
      control.dropAfterAppend--;
      session.server.close();
      return 'handled';
    }
    session.send(requests.produce.code, correlationId, { partitions });
    return 'handled';
  };
  return control;
}

function setup(extra: Partial<ProducerOptions<Uint8Array>> = {}) {
  const broker = new FakeBroker();
  broker.createTopic('orders', 2);
  const control = makeIdempotent(broker);
  const clock = new ManualClock();
  const producer = new ProducerCore<Uint8Array>(
    {
      ...clientOptions(broker, clock),
      codec: rawCodec(),
      // One record per batch, so each send is its own numbered batch.
      batchBytes: 1,
      lingerMs: 0,
      retryBackoffMs: { initial: 100, max: 100 },
      ...extra,
    },
    noPlatform,
  );
  return { broker, clock, producer, control };
}

const value = (i: number): Uint8Array => new TextEncoder().encode(`v${String(i)}`);

function storedValues(broker: FakeBroker, partition = 0): string[] {
  const out: DecodedRecord[] = broker.batches('orders', partition).flatMap((b) => decodeRecordBatch(b.bytes));
  return out.map((r) => (r.value === null ? 'null' : new TextDecoder().decode(r.value)));
}

void t.test('idempotent by default: one initProducer, then batches numbered per partition', async (t) => {
  const { broker, clock, producer, control } = setup();
  await producer.connect();
  t.same(producer.identity, { producerId: PRODUCER_ID, producerEpoch: 0 });
  const sent = [0, 1, 2].map((i) => producer.send({ topic: 'orders', partition: 0, value: value(i) }));
  sent.push(producer.send({ topic: 'orders', partition: 1, value: value(9) }));
  await clock.advance(1);
  await Promise.all(sent);
  t.same(
    broker.batches('orders', 0).map((b) => [b.producerId, b.producerEpoch, b.baseSequence]),
    [
      [PRODUCER_ID, 0, 0],
      [PRODUCER_ID, 0, 1],
      [PRODUCER_ID, 0, 2],
    ],
  );
  t.same(
    broker.batches('orders', 1).map((b) => b.baseSequence),
    [0],
    'each partition counts from 0',
  );
  t.equal(control.initProducerCalls, 1);
  await producer.close();
});

void t.test('idempotent: false sends anonymous batches and never asks for an id', async (t) => {
  const { broker, clock, producer, control } = setup({ idempotent: false });
  const p = producer.send({ topic: 'orders', partition: 0, value: value(0) });
  await clock.advance(1);
  await p;
  t.same(
    broker.batches('orders', 0).map((b) => [b.producerId, b.producerEpoch, b.baseSequence]),
    [[-1, -1, -1]],
  );
  t.equal(control.initProducerCalls, 0);
  await producer.close();
});

void t.test('a batch appended whose answer was lost is retried with its numbers and acknowledged once', async (t) => {
  const { broker, clock, producer, control } = setup();
  await producer.connect();
  control.dropAfterAppend = 1;
  const p = producer.send({ topic: 'orders', partition: 0, value: value(0) });
  await clock.advance(1);
  t.equal(broker.batches('orders', 0).length, 1, 'appended before the connection dropped');
  await clock.advance(1000);
  t.equal((await p).offset, 0, 'the retry was answered with the original offset');
  t.equal(control.duplicates, 1, 'the broker saw the retry as a duplicate');
  t.same(storedValues(broker), ['v0'], 'stored once');
  await producer.close();
});

void t.test(
  'after an earlier batch fails, later in-flight batches refused as out of order follow it in order',
  async (t) => {
    const { broker, clock, producer, control } = setup();
    await producer.connect();
    // The broker must know the producer for a gap to show: one batch first.
    const first = producer.send({ topic: 'orders', partition: 0, value: value(0) });
    await clock.advance(1);
    await first;
    control.forced = ['NOT_ENOUGH_REPLICAS']; // the next request (batch 1) fails; batches 2 and 3 arrive after it
    const sent = [1, 2, 3].map((i) => producer.send({ topic: 'orders', partition: 0, value: value(i) }));
    await clock.advance(1);
    t.equal(broker.session.ops('produce').length, 4, 'batches 1-3 were in flight together');
    t.same(storedValues(broker), ['v0'], 'batches 2 and 3 were refused (out of order)');
    await clock.advance(1000);
    const offsets = (await Promise.all(sent)).map((m) => m.offset);
    t.same(offsets, [1, 2, 3]);
    t.same(storedValues(broker), ['v0', 'v1', 'v2', 'v3'], 'each once, in order');
    await producer.close();
  },
);

void t.test('a broker that lost track of the producer: the oldest batch is renumbered from 0, epoch + 1', async (t) => {
  const { broker, clock, producer, control } = setup();
  await producer.connect();
  const first = producer.send({ topic: 'orders', partition: 0, value: value(0) });
  await clock.advance(1);
  await first;
  control.forced = ['OUT_OF_ORDER_SEQUENCE'];
  const next = producer.send({ topic: 'orders', partition: 0, value: value(1) });
  await clock.advance(1000);
  t.equal((await next).offset, 1);
  const last = broker.batches('orders', 0)[1];
  t.same([last?.producerEpoch, last?.baseSequence], [1, 0], 'epoch 1, sequence 0: the broker accepts the restart');
  t.same(storedValues(broker), ['v0', 'v1']);
  await producer.close();
});

void t.test(
  'a sequence 0 refused as out of order fails; the partition then restarts under the next epoch',
  async (t) => {
    const { broker, clock, producer, control } = setup();
    await producer.connect();
    control.forced = ['OUT_OF_ORDER_SEQUENCE'];
    const refused = producer.send({ topic: 'orders', partition: 0, value: value(0) });
    refused.catch(() => undefined);
    await clock.advance(1);
    await t.rejects(refused, { code: 'OUT_OF_ORDER_SEQUENCE' });
    const next = producer.send({ topic: 'orders', partition: 0, value: value(1) });
    await clock.advance(1);
    t.equal((await next).offset, 0);
    const stored = broker.batches('orders', 0)[0];
    t.same([stored?.producerEpoch, stored?.baseSequence], [1, 0]);
    await producer.close();
  },
);

void t.test('INVALID_PRODUCER_EPOCH stops the producer with a clear error', async (t) => {
  const { clock, producer, control } = setup();
  await producer.connect();
  control.forced = ['INVALID_PRODUCER_EPOCH'];
  const p = producer.send({ topic: 'orders', partition: 0, value: value(0) });
  p.catch(() => undefined);
  await clock.advance(1);
  await t.rejects(p, { code: 'INVALID_PRODUCER_EPOCH' });
  await t.rejects(producer.send({ topic: 'orders', partition: 0, value: value(1) }), {
    code: 'INVALID_PRODUCER_EPOCH',
    message: /fenced/,
  });
  t.throws(() => producer.write({ topic: 'orders', partition: 0, value: value(2) }), {
    code: 'INVALID_PRODUCER_EPOCH',
  });
  await producer.close();
});
