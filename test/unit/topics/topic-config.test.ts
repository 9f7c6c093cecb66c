import t from 'tap';
import {
  alteredConfig,
  checkPartitionGrowth,
  checkTopicConfig,
  checkTopicSpec,
  topicRetention,
} from '../../../broker/topics/topic-config.js';

const defaults = { retentionMs: 7, retentionBytes: -1 };

void t.test('accepted config keys (rule 11)', (t) => {
  t.doesNotThrow(() => {
    checkTopicConfig({ 'retention.ms': '-1', 'retention.bytes': '1048576', 'cleanup.policy': 'delete' });
  });
  t.doesNotThrow(() => {
    checkTopicConfig({});
  });
  t.end();
});

void t.test('refused config', (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'retention.ms': '-2' }, /retention.ms must be an integer >= 0 or -1/],
    [{ 'retention.ms': '1.5' }, /retention.ms/],
    [{ 'retention.ms': '' }, /retention.ms/],
    [{ 'retention.bytes': '1e3' }, /retention.bytes/],
    [{ 'retention.bytes': '99999999999999999' }, /retention.bytes/],
    [{ 'cleanup.policy': 'compact' }, /not supported yet/],
    [{ 'cleanup.policy': 'delete,compact' }, /must be 'delete'/],
    [{ 'max.message.bytes': '1' }, /unknown topic config key "max.message.bytes"/],
  ];
  for (const [config, message] of cases) {
    t.throws(
      () => {
        checkTopicConfig(config);
      },
      { code: 'INVALID_TOPIC', message },
      JSON.stringify(config),
    );
  }
  t.end();
});

void t.test('topic spec: name, partitions, replication factor', (t) => {
  const ok = { name: 'a.b_c-1', partitions: 1, replicationFactor: 1, config: {} };
  t.doesNotThrow(() => {
    checkTopicSpec(ok, 1);
  });
  t.throws(
    () => {
      checkTopicSpec({ ...ok, name: 'x'.repeat(250) }, 1);
    },
    { code: 'INVALID_TOPIC' },
  );
  t.throws(
    () => {
      checkTopicSpec({ ...ok, name: 'a/b' }, 1);
    },
    { code: 'INVALID_TOPIC' },
  );
  t.throws(
    () => {
      checkTopicSpec({ ...ok, partitions: 100_001 }, 1);
    },
    { code: 'INVALID_TOPIC' },
  );
  t.throws(
    () => {
      checkTopicSpec({ ...ok, replicationFactor: 2 }, 1);
    },
    { code: 'INVALID_REPLICATION_FACTOR', message: 'replication factor 2 exceeds the 1 available broker(s)' },
  );
  t.doesNotThrow(() => {
    checkTopicSpec({ ...ok, replicationFactor: 3 }, 3);
  });
  t.end();
});

void t.test('retention comes from the topic where set, else the defaults', (t) => {
  t.same(topicRetention({}, defaults), { retentionMs: 7, retentionBytes: -1 });
  t.same(topicRetention({ 'retention.ms': '-1', 'retention.bytes': '100' }, defaults), {
    retentionMs: -1,
    retentionBytes: 100,
  });
  t.end();
});

void t.test('an altered config: keys set, keys deleted, checked as at creation', (t) => {
  const current = { 'retention.ms': '1000', 'cleanup.policy': 'delete' };
  t.strictSame(alteredConfig(current, { set: { 'retention.bytes': '10' } }, false), {
    'retention.ms': '1000',
    'cleanup.policy': 'delete',
    'retention.bytes': '10',
  });
  t.strictSame(
    alteredConfig(current, { set: { 'retention.ms': '5' }, delete: ['cleanup.policy'] }, false),
    { 'retention.ms': '5' },
    'a deleted key goes (back to the default)',
  );
  t.strictSame(current, { 'retention.ms': '1000', 'cleanup.policy': 'delete' }, 'the current config is not changed');
  t.throws(() => alteredConfig(current, { set: { 'retention.ms': 'x' } }, false), {
    code: 'INVALID_TOPIC',
    message: /retention.ms must be an integer/,
  });
  t.throws(() => alteredConfig(current, { set: {}, delete: ['segment.ms'] }, false), {
    code: 'INVALID_TOPIC',
    message: /unknown topic config key "segment.ms"/,
  });
  t.throws(() => alteredConfig(current, { set: { 'cleanup.policy': 'checkpoint' } }, false), {
    message: /cleanup.policy must be 'delete'/,
  });
  t.end();
});

void t.test('partitions only grow, up to the maximum', (t) => {
  t.doesNotThrow(() => {
    checkPartitionGrowth('a', 3, 4);
  });
  for (const count of [3, 2, 3.5, 100_001]) {
    t.throws(
      () => {
        checkPartitionGrowth('a', 3, count);
      },
      {
        code: 'INVALID_TOPIC',
        message: /topic 'a' has 3 partitions: the new count must be an integer from 4 to 100000/,
      },
      String(count),
    );
  }
  t.end();
});
