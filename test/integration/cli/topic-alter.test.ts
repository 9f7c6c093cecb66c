/**
 * `brook topic alter-config` and `brook topic add-partitions` against one broker process (the one-broker controller;
 * test/integration/cluster/topic-changes.test.ts covers a cluster): the changes show in `topic describe`, a new
 * partition takes records, and wrong uses are refused naming the flag or the rule.
 */
import t from 'tap';
import { Admin, Producer, stringCodec } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { runBrook } from '../../helpers/brook-cli.js';

void t.test('topic alter-config and add-partitions on one broker', async (t) => {
  const broker = await startBrokerProcess(t);
  const connect = ['--bootstrap', broker.bootstrap];
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  await admin.createTopic('alone', { partitions: 1, config: { 'retention.ms': '60000' } });

  const altered = await runBrook(t, [
    'topic',
    'alter-config',
    'alone',
    '--set',
    'retention.bytes=1048576',
    '--delete',
    'retention.ms',
    ...connect,
  ]);
  t.equal(altered.code, 0, altered.stderr);
  t.match(altered.stdout, 'Changed the config of topic alone: retention.bytes=1048576, -retention.ms.');
  const grown = await runBrook(t, ['topic', 'add-partitions', 'alone', '--partitions', '3', ...connect]);
  t.equal(grown.code, 0, grown.stderr);

  const described = await runBrook(t, ['topic', 'describe', 'alone', ...connect]);
  t.match(described.stdout, /Topic: alone\tPartitions: 3\t/);
  t.match(described.stdout, /retention\.bytes=1048576/);
  t.notMatch(described.stdout, /retention\.ms=60000/, 'retention.ms is back to the default');
  const producer = new Producer<string>({ bootstrap: broker.bootstrap, codec: stringCodec() });
  t.teardown(() => producer.close());
  const sent = await producer.send({ topic: 'alone', partition: 2, value: 'new partition' });
  t.equal(sent.offset, 0, 'the new partition alone-2 took its first record');

  const [nothing, shrink, missing] = await Promise.all([
    runBrook(t, ['topic', 'alter-config', 'alone', ...connect]),
    runBrook(t, ['topic', 'add-partitions', 'alone', '--partitions', '2', ...connect]),
    runBrook(t, ['topic', 'add-partitions', 'nosuch', '--partitions', '2', ...connect]),
  ]);
  t.not(nothing.code, 0);
  t.match(nothing.stderr, /give at least one --set key=value or --delete key/);
  t.not(shrink.code, 0);
  t.match(shrink.stderr, /topic 'alone' has 3 partitions: the new count must be an integer from 4/);
  t.not(missing.code, 0);
  t.match(missing.stderr, /topic 'nosuch' does not exist/);
});
