/**
 * kafkajs 2.2.4's admin client against a real broker process's Kafka listener: topics created (with a config),
 * described, grown, altered and deleted; offsets listed; over plaintext and with SASL logins; and the ACLs of the
 * native listener applied to Kafka requests.
 */
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import kafkajs, { type Admin, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../../helpers/broker-process.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

const { ConfigResourceTypes, Kafka, logLevel } = kafkajs;

/** A connected kafkajs admin client on `broker`'s Kafka port, disconnected in teardown. */
async function adminOf(t: Test, broker: BrokerProcess, sasl?: SASLOptions): Promise<Admin> {
  const config: KafkaConfig = {
    brokers: [broker.kafkaBootstrap],
    clientId: 'brook-test',
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    ...(sasl === undefined ? {} : { sasl }),
  };
  const admin = new Kafka(config).admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  return admin;
}

/** The Kafka error name kafkajs rejects with (the first of an aggregate), or undefined if it resolves. */
async function errorType(pending: Promise<unknown>): Promise<string | undefined> {
  try {
    await pending;
    return undefined;
  } catch (err: unknown) {
    const e = err as { type?: string; errors?: { type?: string }[] };
    return e.errors?.[0]?.type ?? e.type;
  }
}

void t.test('admin: create, describe, list offsets, describe and alter configs, grow, delete', async (t) => {
  const broker = await startBrokerProcess(t);
  const admin = await adminOf(t, broker);
  t.equal(
    await admin.createTopics({
      topics: [{ topic: 'orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }],
    }),
    true,
  );
  t.equal(await admin.createTopics({ topics: [{ topic: 'orders' }] }), false, 'an existing topic is not created again');

  const { topics } = await admin.fetchTopicMetadata({ topics: ['orders'] });
  t.same(
    topics[0]?.partitions.map((p) => [p.partitionId, p.leader, p.replicas]),
    [
      [0, 1, [1]],
      [1, 1, [1]],
      [2, 1, [1]],
    ],
  );
  t.same(
    (await admin.fetchTopicOffsets('orders')).map((o) => [o.partition, o.low, o.high]),
    [
      [0, '0', '0'],
      [1, '0', '0'],
      [2, '0', '0'],
    ],
    'earliest and latest of empty partitions',
  );

  const configs = async (): Promise<Record<string, string>> => {
    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders' }],
      includeSynonyms: false,
    });
    const entries = described.resources[0]?.configEntries ?? [];
    return Object.fromEntries(entries.map((e) => [e.configName, e.configValue]));
  };
  t.same(await configs(), { 'retention.ms': '60000', 'retention.bytes': '-1', 'cleanup.policy': 'delete' });
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: 'orders',
        configEntries: [{ name: 'retention.bytes', value: '1000000' }],
      },
    ],
  });
  t.same(
    await configs(),
    { 'retention.ms': String(7 * 24 * 3600 * 1000), 'retention.bytes': '1000000', 'cleanup.policy': 'delete' },
    'AlterConfigs replaces the whole set: retention.ms went back to the default',
  );
  t.equal(
    await errorType(
      admin.alterConfigs({
        validateOnly: true,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: 'orders', configEntries: [{ name: 'segment.bytes', value: '1' }] },
        ],
      }),
    ),
    'INVALID_CONFIG',
    'an unknown key is INVALID_CONFIG',
  );

  await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 5 }] });
  t.equal((await admin.fetchTopicMetadata({ topics: ['orders'] })).topics[0]?.partitions.length, 5);
  t.equal(
    await errorType(admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 2 }] })),
    'INVALID_PARTITIONS',
    'fewer partitions',
  );

  await admin.deleteTopics({ topics: ['orders'] });
  t.same(await admin.listTopics(), []);
});

void t.test('SASL SCRAM-SHA-256 and PLAIN; a wrong password is SASL_AUTHENTICATION_FAILED', async (t) => {
  const usersFile = path.join(tempDir(t, 'brook-kafka-users-'), 'users');
  fs.writeFileSync(usersFile, 'alice:alice-pw\n', { mode: 0o600 });
  const broker = await startBrokerProcess(t, { args: ['--users-file', usersFile] });
  for (const mechanism of ['scram-sha-256', 'plain'] as const) {
    const admin = await adminOf(t, broker, { mechanism, username: 'alice', password: 'alice-pw' });
    t.same(await admin.listTopics(), [], `${mechanism} logs in`);
  }
  await t.rejects(adminOf(t, broker, { mechanism: 'plain', username: 'alice', password: 'wrong' }), {
    name: 'KafkaJSSASLAuthenticationError',
    message: /Authentication failed/,
  });
  await t.rejects(adminOf(t, broker, { mechanism: 'scram-sha-256', username: 'nobody', password: 'x' }), {
    name: 'KafkaJSSASLAuthenticationError',
  });
});

void t.test(
  "the native listener's ACLs apply: a user without them is refused with Kafka's *_AUTHORIZATION_FAILED",
  async (t) => {
    const usersFile = path.join(tempDir(t, 'brook-kafka-users-'), 'users');
    fs.writeFileSync(usersFile, 'admin:admin-pw\nalice:alice-pw\n', { mode: 0o600 });
    const broker = await startBrokerProcess(t, {
      args: ['--users-file', usersFile, '--authorizer', 'acl', '--super-users', 'User:admin'],
    });
    const admin = await adminOf(t, broker, { mechanism: 'plain', username: 'admin', password: 'admin-pw' });
    await admin.createTopics({ topics: [{ topic: 'secret' }] });
    const alice = await adminOf(t, broker, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-pw' });
    t.same(await alice.listTopics(), [], 'topics alice may not describe are not listed');
    t.equal(await errorType(alice.createTopics({ topics: [{ topic: 'mine' }] })), 'TOPIC_AUTHORIZATION_FAILED');
    t.equal(await errorType(alice.deleteTopics({ topics: ['secret'] })), 'TOPIC_AUTHORIZATION_FAILED');

    const granted = await runBrook(
      t,
      [
        'acl',
        'add',
        '--principal',
        'User:alice',
        '--operation',
        'describe',
        '--topic',
        'secret',
        '--bootstrap',
        broker.bootstrap,
        '--username',
        'admin',
      ],
      { env: { BROOK_PASSWORD: 'admin-pw' } },
    );
    t.equal(granted.code, 0, granted.stderr);
    t.same(await alice.listTopics(), ['secret'], 'listed once alice may describe it');
  },
);

void t.test(
  'groups: FindCoordinator, DescribeGroups, OffsetFetch, ListGroups and DeleteGroups of a group without members',
  async (t) => {
    const broker = await startBrokerProcess(t);
    const admin = await adminOf(t, broker);
    await admin.createTopics({ topics: [{ topic: 'grouped', numPartitions: 2 }] });
    // The first FindCoordinator creates `__offsets`: COORDINATOR_LOAD_IN_PROGRESS until its partitions are loaded.
    const described = await waitFor(() => admin.describeGroups(['g1']), { timeoutMs: 30_000, what: 'a coordinator' });
    t.same(
      described.groups.map((g) => [g.groupId, g.state, g.members.length]),
      [['g1', 'Dead', 0]],
      'a group that does not exist is Dead, as Kafka says',
    );
    t.same(await admin.fetchOffsets({ groupId: 'g1', topics: ['grouped'] }), [
      {
        topic: 'grouped',
        partitions: [
          { partition: 0, offset: '-1', metadata: null },
          { partition: 1, offset: '-1', metadata: null },
        ],
      },
    ]);
    t.same(await admin.listGroups(), { groups: [] });
    await t.rejects(admin.deleteGroups(['g1']), { name: 'KafkaJSDeleteGroupsError' }, 'GROUP_ID_NOT_FOUND');
  },
);
