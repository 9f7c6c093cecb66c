/**
 * Python's confluent-kafka AdminClient (librdkafka) against a real broker process's Kafka listener: create (also
 * validate-only and an existing topic), list, describe and alter configs, delete. The script is
 * confluent-admin.py; each step prints one JSON line.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { run } from '../../helpers/external-tools.js';
import { findConfluentPython, isPath } from './kafka-tools.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'confluent-admin.py');
const python = findConfluentPython();

void t.test('confluent-kafka AdminClient', { skip: isPath(python) ? false : python }, async (t) => {
  const broker = await startBrokerProcess(t);
  const result = await run(python, [SCRIPT, broker.kafkaBootstrap], 120_000);
  t.equal(result.code, 0, result.output);
  const steps = new Map<string, unknown>();
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const { step, value } = JSON.parse(line) as { step: string; value: unknown };
    steps.set(step, value);
  }
  t.equal(steps.get('create'), 'ok');
  t.equal(steps.get('create-again'), 'TOPIC_ALREADY_EXISTS');
  t.equal(steps.get('validate-only'), 'ok');
  t.same(steps.get('list'), ['py-topic'], 'validate-only created nothing');
  t.equal(steps.get('partitions'), 2);
  t.same(steps.get('brokers'), [broker.kafkaBootstrap]);
  t.same(steps.get('configs'), { 'retention.ms': '120000', 'retention.bytes': '-1', 'cleanup.policy': 'delete' });
  t.equal(steps.get('alter'), 'ok');
  t.same(steps.get('configs-after'), { 'retention.ms': '240000', 'retention.bytes': '-1', 'cleanup.policy': 'delete' });
  t.equal(steps.get('delete'), 'ok');
});
