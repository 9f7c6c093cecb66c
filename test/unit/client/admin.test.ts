import t from 'tap';
import { AdminCore } from '../../../client/admin.js';
import { FakeBroker } from './helpers/fake-broker.js';
import { ManualClock } from './helpers/manual-clock.js';
import { clientOptions, noPlatform } from './helpers/options.js';

function setup() {
  const broker = new FakeBroker();
  const clock = new ManualClock();
  const admin = new AdminCore(clientOptions(broker, clock), noPlatform);
  return { broker, admin };
}

void t.test('create, list, describe and delete topics', async (t) => {
  const { broker, admin } = setup();
  await admin.createTopic('a', { partitions: 3, config: { 'retention.ms': '1000' } });
  const created = broker.session.ops('createTopics')[0]?.body;
  t.match(created, {
    topics: [{ name: 'a', partitions: 3, replicationFactor: 1, config: { 'retention.ms': '1000' } }],
  });
  const results = await admin.createTopics([{ name: 'b' }, { name: 'a' }]);
  t.equal(results[0]?.error, undefined);
  t.match(results[1]?.error, { code: 'TOPIC_EXISTS' });
  await t.rejects(admin.createTopic('a'), { code: 'TOPIC_EXISTS' });
  t.same(await admin.listTopics(), ['a', 'b']);
  const [described] = await admin.describeTopics(['a']);
  t.equal(described?.partitions.length, 3);
  t.match(described?.partitions[2], {
    partition: 2,
    leader: 1,
    replicas: [1],
    isr: [1],
    logStartOffset: 0,
    highWatermark: 0,
  });
  await t.rejects(admin.describeTopics(['nope']), { code: 'UNKNOWN_TOPIC' });
  await admin.deleteTopic('b');
  t.same(await admin.listTopics(), ['a']);
  await t.rejects(admin.deleteTopic('b'), { code: 'UNKNOWN_TOPIC' });
  await admin.close();
});

void t.test('listOffsets per partition', async (t) => {
  const { broker, admin } = setup();
  broker.createTopic('a', 2);
  const part = broker.partition('a', 1);
  if (part !== undefined) part.highWatermark = 42;
  t.same(await admin.listOffsets('a'), [
    { partition: 0, offset: 0, timestamp: null },
    { partition: 1, offset: 42, timestamp: null },
  ]);
  t.same(await admin.listOffsets('a', 'earliest', [1]), [{ partition: 1, offset: 0, timestamp: null }]);
  await admin.close();
});
