import t from 'tap';
import { kafkaTopicId } from '../../../broker/kafka/topic-id.js';
import { ZERO_UUID } from '../../../protocol/kafka-uuid.js';

void t.test('a topic id is stable for one incarnation of a topic, on every broker', (t) => {
  const id = kafkaTopicId({ name: 'orders', createdMs: 1_700_000_000_000 });
  t.match(id, /^[A-Za-z0-9_-]{22}$/, "Kafka's text form: 22 base64url characters");
  t.not(id, ZERO_UUID, "never Kafka's zero (no id)");
  t.equal(kafkaTopicId({ name: 'orders', createdMs: 1_700_000_000_000 }), id, 'the same inputs, the same id');
  t.end();
});

void t.test('a topic deleted and created again gets a new id', (t) => {
  const first = kafkaTopicId({ name: 'orders', createdMs: 1_700_000_000_000 });
  t.not(kafkaTopicId({ name: 'orders', createdMs: 1_700_000_000_001 }), first, 're-created later');
  t.not(kafkaTopicId({ name: 'orders2', createdMs: 1_700_000_000_000 }), first, 'another name');
  t.end();
});
