import t, { type Test } from 'tap';
import {
  createTopicsRequest,
  credit,
  creditNotice,
  fetchRequest,
  helloRequest,
  listOffsetsRequest,
  listOffsetsResponse,
  produceBatch,
  produceRequest,
  ProtocolError,
  subscribeRequest,
  TOPIC_NAME,
  wireError,
  type Schema,
} from '../../../protocol/index.js';
import { requestSamples } from './protocol-fixtures.js';

/** Parses `value` with `schema`; returns 'ok' or the ProtocolError message. */
function verdict(schema: Schema<unknown>, value: unknown): string {
  try {
    schema.parse(value, '');
    return 'ok';
  } catch (err: unknown) {
    if (err instanceof ProtocolError) return err.message;
    throw err;
  }
}

function accepts(t: Test, schema: Schema<unknown>, value: unknown, label: string): void {
  t.equal(verdict(schema, value), 'ok', label);
}

function refuses(t: Test, schema: Schema<unknown>, value: unknown, path: string, label: string): void {
  const message = verdict(schema, value);
  t.ok(message.startsWith(`${path}: expected`), `${label}: refused at ${path} (${message})`);
}

const produce = requestSamples.produce.requests[0];
const batch = produce?.partitions[0]?.batch;

void t.test('topic names', (t) => {
  for (const name of ['a', 'orders', 'Orders.v2', 'audit_log', 'a-b', 'x'.repeat(249), '__offsets'])
    t.ok(TOPIC_NAME.test(name), name);
  for (const name of ['', 'x'.repeat(250), 'a b', 'a/b', 'ä', 'a:b', 'a\n'])
    t.notOk(TOPIC_NAME.test(name), JSON.stringify(name));
  refuses(t, fetchRequest, { topic: 'a/b', partition: 0, offset: 0, maxBytes: 1, maxWaitMs: 0 }, 'topic', 'slash');
  t.end();
});

void t.test('hello', (t) => {
  accepts(t, helloRequest, { protocolVersion: 1, clientId: '' }, 'empty client id');
  accepts(
    t,
    helloRequest,
    { protocolVersion: 2, clientId: 'c' },
    'a later version passes the schema (the session answers UNSUPPORTED_VERSION)',
  );
  refuses(t, helloRequest, { protocolVersion: 1, clientId: 'c'.repeat(257) }, 'clientId', 'long client id');
  const sasl = (mechanism: string, message: string) => ({
    protocolVersion: 1,
    clientId: 'c',
    sasl: { mechanism, message },
  });
  accepts(t, helloRequest, sasl('SCRAM-SHA-256', 'n,,n=alice,r=abc'), 'SCRAM client-first');
  refuses(t, helloRequest, sasl('PLAIN', 'alice'), 'sasl.mechanism', 'a mechanism other than SCRAM-SHA-256');
  refuses(t, helloRequest, sasl('SCRAM-SHA-256', 'n'.repeat(1025)), 'sasl.message', 'a long SCRAM message');
  refuses(t, helloRequest, { clientId: 'c' }, 'protocolVersion', 'no version');
  t.end();
});

void t.test('produce', (t) => {
  accepts(t, produceRequest, produce, 'sample');
  refuses(t, produceRequest, { ...produce, acks: 2 }, 'acks', 'acks 2');
  refuses(t, produceRequest, { ...produce, acks: 'all' }, 'acks', 'acks "all"');
  refuses(t, produceRequest, { ...produce, timeoutMs: 3_600_001 }, 'timeoutMs', 'timeout above an hour');
  // The batch is RecordBatch v2 bytes: the schema takes bytes only; their contents are checked by the broker before
  // it stores them (validateBatch, test/unit/kafka/record-batch.test.ts).
  const withBatch = (b: unknown): unknown => ({
    ...produce,
    partitions: [{ topic: 'orders', partition: 0, batch: b }],
  });
  refuses(t, produceRequest, withBatch({ count: 1, records: batch }), 'partitions[0].batch', 'a batch of fields');
  refuses(t, produceRequest, withBatch('abc'), 'partitions[0].batch', 'a batch as a string');
  refuses(
    t,
    produceRequest,
    { ...produce, partitions: [{ topic: 'orders', partition: 100_000, batch }] },
    'partitions[0].partition',
    'partition 100000',
  );
  accepts(t, produceBatch, batch, 'RecordBatch v2 bytes');
  t.end();
});

void t.test('fetch, listOffsets and subscribe positions', (t) => {
  const fetch = { topic: 'orders', partition: 0, offset: 0, maxBytes: 1, maxWaitMs: 60_000 };
  accepts(t, fetchRequest, fetch, 'bounds');
  refuses(t, fetchRequest, { ...fetch, maxBytes: 0 }, 'maxBytes', 'maxBytes 0');
  refuses(t, fetchRequest, { ...fetch, maxWaitMs: 60_001 }, 'maxWaitMs', 'maxWaitMs above a minute');
  refuses(t, fetchRequest, { ...fetch, offset: -1 }, 'offset', 'negative offset');
  for (const at of ['earliest', 'latest', 0, 1_700_000_000_000])
    accepts(t, listOffsetsRequest, { topic: 'o', partition: 0, at }, String(at));
  for (const at of ['EARLIEST', -1, null, 1.5])
    refuses(t, listOffsetsRequest, { topic: 'o', partition: 0, at }, 'at', String(at));
  accepts(t, listOffsetsResponse, { offset: 3, timestamp: null }, 'null timestamp');
  refuses(t, listOffsetsResponse, { offset: 3 }, 'timestamp', 'timestamp must be present (null, not absent)');
  const sub = { subscriptionId: 0, topic: 'o', partition: 0, offset: 'latest', credit: { records: 0, bytes: 0 } };
  accepts(t, subscribeRequest, sub, 'zero credit');
  refuses(t, subscribeRequest, { ...sub, subscriptionId: 2 ** 32 }, 'subscriptionId', 'id above uint32');
  refuses(t, subscribeRequest, { ...sub, credit: { records: -1, bytes: 0 } }, 'credit.records', 'negative credit');
  refuses(t, subscribeRequest, { ...sub, credit: { records: 1 } }, 'credit.bytes', 'missing bytes credit');
  refuses(t, credit, { records: 1, bytes: 1.5 }, 'bytes', 'fractional');
  refuses(t, creditNotice, { subscriptionId: 1, records: 1 }, 'bytes', 'notice without bytes');
  t.end();
});

void t.test('createTopics', (t) => {
  const topic = { name: 'orders', partitions: 1, replicationFactor: 1, config: {} };
  accepts(t, createTopicsRequest, { topics: [topic] }, 'minimal');
  refuses(t, createTopicsRequest, { topics: [{ ...topic, partitions: 0 }] }, 'topics[0].partitions', 'no partitions');
  refuses(
    t,
    createTopicsRequest,
    { topics: [{ ...topic, partitions: 100_001 }] },
    'topics[0].partitions',
    'too many partitions',
  );
  refuses(
    t,
    createTopicsRequest,
    { topics: [{ ...topic, replicationFactor: 17 }] },
    'topics[0].replicationFactor',
    'rf 17',
  );
  refuses(
    t,
    createTopicsRequest,
    { topics: [{ ...topic, config: { 'retention.ms': 1000 } }] },
    'topics[0].config.retention.ms',
    'numeric config value',
  );
  refuses(
    t,
    createTopicsRequest,
    { topics: [{ ...topic, config: { a: 'x'.repeat(1025) } }] },
    'topics[0].config.a',
    'long config value',
  );
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${String(i)}`, 'v']));
  refuses(t, createTopicsRequest, { topics: [{ ...topic, config: many }] }, 'topics[0].config', '65 config keys');
  refuses(t, createTopicsRequest, { topics: new Array(1001).fill(topic) }, 'topics', '1001 topics');
  t.end();
});

void t.test('wire errors', (t) => {
  accepts(t, wireError, { code: 12, message: 'moved', leaderId: 2 }, 'with leader');
  accepts(t, wireError, { code: 4, message: '' }, 'without leader');
  refuses(t, wireError, { code: '4', message: '' }, 'code', 'string code');
  refuses(t, wireError, { code: 4 }, 'message', 'no message');
  t.end();
});
