import t from 'tap';
import { brokerTable, groupTable, ownBootstrap, partitionTable } from '../../../cli/console/console-rows.js';
import type { GroupDescription, TopicDescription } from '../../../client/index.js';

const topics: TopicDescription[] = [
  {
    name: 'orders',
    config: {},
    partitions: [
      { partition: 0, leader: 1, replicas: [1, 3], isr: [1], logStartOffset: 2, highWatermark: 9, sizeBytes: 700 },
      { partition: 1, leader: -1, replicas: [3, 2], isr: [], logStartOffset: 0, highWatermark: 0 },
    ],
  },
];

void t.test('brokers: live ones from metadata, dead ones from replicas, controller and partitions led', (t) => {
  const cluster = {
    clusterId: 'c',
    controllerId: 2,
    brokers: [
      { id: 2, host: 'h2', port: 9410, wsPort: 9411 },
      { id: 1, host: 'h1', port: 9400, wsPort: 9401 },
    ],
  };
  t.strictSame(brokerTable(cluster, topics).rows, [
    ['1', 'h1:9400 (ws 9401)', 'yes', '', '1'],
    ['2', 'h2:9410 (ws 9411)', 'yes', 'yes', '0'],
    ['3', '', 'no', '', '0'],
  ]);
  t.end();
});

void t.test('partitions: a leaderless one shows none, a size only where the leader told it', (t) => {
  t.strictSame(partitionTable(topics).rows, [
    ['orders', '0', '1', '1,3', '1', '2', '9', '700'],
    ['orders', '1', 'none', '3,2', '', '0', '0', ''],
  ]);
  t.end();
});

void t.test('groups: a row per partition with member, committed, log end and lag; an empty group in one row', (t) => {
  const groups: GroupDescription[] = [
    {
      groupId: 'billing',
      state: 'stable',
      groupEpoch: 3,
      assignor: 'sticky',
      members: [
        {
          memberId: 'm1',
          clientId: 'worker-1',
          memberEpoch: 3,
          groupInstanceId: null,
          subscribedTopics: ['orders'],
          assignment: [{ topic: 'orders', partitions: [0] }],
        },
      ],
      partitions: [
        { topic: 'orders', partition: 0, committed: 4, logEndOffset: 9, lag: 5, memberId: 'm1' },
        { topic: 'orders', partition: 1, committed: -1, logEndOffset: -1, lag: -1, memberId: null },
      ],
    },
    { groupId: 'idle', state: 'empty', groupEpoch: 0, assignor: '', members: [], partitions: [] },
  ];
  t.strictSame(groupTable(groups).rows, [
    ['billing', 'stable', '1', 'orders', '0', 'worker-1', '4', '9', '5'],
    ['billing', 'stable', '1', 'orders', '1', '', '', '', ''],
    ['idle', 'empty', '0', '', '', '', '', '', ''],
  ]);
  t.end();
});

void t.test('the page connects to the broker that served it, wss:// under https', (t) => {
  t.equal(ownBootstrap({ protocol: 'http:', host: '127.0.0.1:9401' }), 'ws://127.0.0.1:9401');
  t.equal(ownBootstrap({ protocol: 'https:', host: 'brook.example:443' }), 'wss://brook.example:443');
  t.end();
});
