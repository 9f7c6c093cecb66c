import t from 'tap';
import { decodeCommand, encodeCommand, type MetadataCommand } from '../../../broker/cluster/metadata-commands.js';
import { Packr } from 'msgpackr';

void t.test('every command survives encoding', (t) => {
  const commands: MetadataCommand[] = [
    {
      type: 'createTopic',
      record: { name: 'a', partitions: 1, replicationFactor: 1, replicas: [[1]], config: {}, createdMs: 5 },
    },
    { type: 'deleteTopic', name: 'a' },
    { type: 'addBroker', broker: { id: 4, host: '127.0.0.1', port: 9402 } },
    { type: 'reassignPartition', topic: 'a', partition: 0, replicas: [4, 1] },
    { type: 'completeMove', topic: 'a', partition: 0, replicas: [4, 1] },
    { type: 'alterTopicConfig', name: 'a', config: { 'retention.ms': '60000' } },
    {
      type: 'createPartitions',
      name: 'a',
      from: 1,
      replicas: [
        [2, 1],
        [1, 3],
      ],
    },
  ];
  for (const command of commands) t.same(decodeCommand(encodeCommand(command)), command, command.type);
  t.end();
});

void t.test('bytes that are not a command stop the broker loudly', (t) => {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true });
  t.throws(() => decodeCommand(packr.pack({ type: 'reassignPartition', topic: 'a' })), /corrupt metadata log entry/);
  t.throws(() => decodeCommand(packr.pack({ type: 'launchRockets' })), /corrupt metadata log entry/);
  t.throws(() => decodeCommand(packr.pack([1, 2])), /corrupt metadata log entry/);
  t.end();
});
