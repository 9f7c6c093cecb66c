import t from 'tap';
import {
  KAFKA_ERRORS,
  NO_ERROR,
  invalidTopicAs,
  kafkaError,
  kafkaErrorCode,
} from '../../../broker/kafka/error-codes.js';
import { BrookError, ErrorCodes, type ErrorName } from '../../../protocol/index.js';

void t.test("a refusal is the authorization failure of the resource it was refused on, as Kafka's APIs answer", (t) => {
  const refused = new BrookError('UNAUTHORIZED', 'no');
  t.equal(kafkaErrorCode(refused, 'topic'), KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED);
  t.equal(kafkaErrorCode(refused, 'group'), KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED);
  t.equal(kafkaErrorCode(refused, 'cluster'), KAFKA_ERRORS.CLUSTER_AUTHORIZATION_FAILED);
  t.end();
});

void t.test("Brook's errors map onto Kafka's codes", (t) => {
  const expected: Partial<Record<ErrorName, number>> = {
    UNKNOWN_TOPIC: 3,
    UNKNOWN_PARTITION: 3,
    TOPIC_EXISTS: 36,
    NOT_LEADER: 6,
    INVALID_REPLICATION_FACTOR: 38,
    QUOTA_EXCEEDED: 89,
    NOT_COORDINATOR: 16,
  };
  for (const [name, code] of Object.entries(expected)) {
    t.equal(kafkaErrorCode(new BrookError(name as ErrorName), 'topic'), code, name);
  }
  for (const name of Object.keys(ErrorCodes) as ErrorName[]) {
    t.ok(Number.isInteger(kafkaErrorCode(new BrookError(name), 'topic')), `${name} has a Kafka code`);
  }
  t.equal(kafkaErrorCode(new Error('bug'), 'topic'), KAFKA_ERRORS.UNKNOWN_SERVER_ERROR, 'anything else');
  t.end();
});

void t.test('error fields come from thrown errors and from native results alike', (t) => {
  t.same(kafkaError(undefined, 'topic'), NO_ERROR);
  const wire = new BrookError('TOPIC_EXISTS', "topic 'a' already exists").toWire();
  t.same(kafkaError(wire, 'topic'), { errorCode: 36, errorMessage: "topic 'a' already exists" });
  t.same(invalidTopicAs(kafkaError(new BrookError('INVALID_TOPIC', 'bad'), 'topic'), 'INVALID_CONFIG'), {
    errorCode: KAFKA_ERRORS.INVALID_CONFIG,
    errorMessage: 'bad',
  });
  t.same(invalidTopicAs(NO_ERROR, 'INVALID_CONFIG'), NO_ERROR, 'other codes pass through');
  t.end();
});
