import t, { type Test } from 'tap';
import { TopicStore, type TopicStoreOptions } from '../../../broker/cluster/topic-store.js';
import type { TopicSpec } from '../../../broker/topics/topic-config.js';
import { partitionsWithoutLiveHost } from '../../../broker/topics/topic-registry.js';
import { BrookError } from '../../../protocol/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

function open(t: Test, dir: string, options: Partial<TopicStoreOptions> = {}): TopicStore {
  const store = TopicStore.open(dir, { brokerIds: [1], ...options });
  t.teardown(() => {
    store.close();
  });
  return store;
}

function spec(name: string, fields: Partial<TopicSpec> = {}): TopicSpec {
  return { name, partitions: 3, replicationFactor: 1, config: {}, ...fields };
}

/** The BrookError code `fn` throws. */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof BrookError ? err.code : `not a BrookError: ${String(err)}`;
  }
  return undefined;
}

void t.test('create, get, list and delete', (t) => {
  const store = open(t, tempDir(t));
  const created = store.create(spec('orders', { config: { 'retention.ms': '1000' } }), 1234);
  t.same(created, {
    name: 'orders',
    partitions: 3,
    replicationFactor: 1,
    replicas: [[1], [1], [1]],
    config: { 'retention.ms': '1000' },
    createdMs: 1234,
  });
  store.create(spec('audit', { partitions: 1 }), 5);
  t.same(
    store.list().map((r) => r.name),
    ['audit', 'orders'],
    'sorted by name',
  );
  t.same(store.get('orders'), created);
  t.equal(store.get('nope'), undefined);

  store.delete('orders');
  t.equal(store.get('orders'), undefined);
  t.same(
    store.list().map((r) => r.name),
    ['audit'],
  );
  t.equal(
    codeOf(() => {
      store.delete('orders');
    }),
    'UNKNOWN_TOPIC',
  );
  t.end();
});

void t.test('topics and the cluster id survive a reopen', (t) => {
  const dir = tempDir(t);
  const first = TopicStore.open(dir, { brokerIds: [1], newClusterId: () => 'cluster-A' });
  first.create(spec('kept', { config: { 'cleanup.policy': 'delete' } }), 10);
  first.create(spec('gone'), 11);
  first.delete('gone');
  first.close();
  first.close(); // idempotent

  const second = open(t, dir, { newClusterId: () => 'cluster-B' });
  t.equal(second.clusterId, 'cluster-A', 'generated once, then read back');
  t.same(second.list(), [
    {
      name: 'kept',
      partitions: 3,
      replicationFactor: 1,
      replicas: [[1], [1], [1]],
      config: { 'cleanup.policy': 'delete' },
      createdMs: 10,
    },
  ]);
  t.end();
});

void t.test('a configured cluster id is persisted and must match later', (t) => {
  const dir = tempDir(t);
  TopicStore.open(dir, { brokerIds: [1], clusterId: 'given' }).close();
  const again = TopicStore.open(dir, { brokerIds: [1] });
  t.equal(again.clusterId, 'given');
  again.close();
  t.throws(() => TopicStore.open(dir, { brokerIds: [1], clusterId: 'other' }), /belongs to cluster 'given'/);
  t.equal(open(t, tempDir(t)).clusterId.length, 22, 'a generated id is 16 random bytes in base64url');
  t.end();
});

void t.test('a second open of the same data dir fails while the first holds it', (t) => {
  const dir = tempDir(t);
  open(t, dir);
  t.throws(() => TopicStore.open(dir, { brokerIds: [1] }), /another broker is using the data dir/);
  t.end();
});

void t.test('invalid topics are refused with INVALID_TOPIC and TOPIC_EXISTS', (t) => {
  const store = open(t, tempDir(t));
  store.create(spec('dup'), 0);
  t.equal(
    codeOf(() => store.create(spec('dup'), 0)),
    'TOPIC_EXISTS',
  );
  t.equal(
    codeOf(() => store.create(spec('bad name'), 0)),
    'INVALID_TOPIC',
  );
  t.equal(
    codeOf(() => store.create(spec('..'), 0)),
    'INVALID_TOPIC',
  );
  t.equal(
    codeOf(() => store.create(spec('t', { partitions: 0 }), 0)),
    'INVALID_TOPIC',
  );
  t.equal(
    codeOf(() => store.create(spec('t', { config: { 'cleanup.policy': 'compact' } }), 0)),
    'INVALID_TOPIC',
  );
  t.equal(
    codeOf(() => store.create(spec('t', { config: { 'segment.ms': '1' } }), 0)),
    'INVALID_TOPIC',
  );
  t.throws(() => store.create(spec('t', { replicationFactor: 3 }), 0), {
    code: 'INVALID_REPLICATION_FACTOR',
    message: 'replication factor 3 exceeds the 1 available broker(s)',
  });
  t.same(
    store.list().map((r) => r.name),
    ['dup'],
    'nothing invalid was stored',
  );
  t.end();
});

void t.test('replicas are placed over the known brokers', (t) => {
  const store = open(t, tempDir(t), { brokerIds: [1, 2, 3] });
  const record = store.create(spec('spread', { partitions: 30, replicationFactor: 2 }), 0);
  for (const replicas of record.replicas) {
    t.equal(new Set(replicas).size, 2);
    for (const id of replicas) t.ok([1, 2, 3].includes(id));
  }
  const leaders = new Set(record.replicas.map((r) => r[0]));
  t.equal(leaders.size, 3, 'leadership is spread over every broker');
  t.end();
});

void t.test('brokers that join are placement candidates and survive a reopen', (t) => {
  const dir = tempDir(t);
  const store = TopicStore.open(dir, { brokerIds: [1, 2, 3] });
  t.same(store.brokerIds, [1, 2, 3]);
  store.addBroker({ id: 5, host: '10.0.0.5', port: 9402 });
  store.addBroker({ id: 4, host: '10.0.0.4', port: 9402 });
  store.addBroker({ id: 4, host: '10.0.0.44', port: 9500 });
  t.same(store.brokerIds, [1, 2, 3, 4, 5], 'founding and joined brokers, ascending');
  store.close();
  const reopened = open(t, dir, { brokerIds: [1, 2, 3] });
  t.same(reopened.brokerIds, [1, 2, 3, 4, 5]);
  t.same(
    reopened.joinedBrokers().sort((a, b) => a.id - b.id),
    [
      { id: 4, host: '10.0.0.44', port: 9500 },
      { id: 5, host: '10.0.0.5', port: 9402 },
    ],
    'the latest address of each',
  );
  t.end();
});

void t.test('a reassignment marks the partition moving over old and new replicas until completed', (t) => {
  const dir = tempDir(t);
  const store = TopicStore.open(dir, { brokerIds: [1, 2, 3, 4] });
  store.insert({
    name: 'orders',
    partitions: 2,
    replicationFactor: 2,
    replicas: [
      [1, 2],
      [2, 3],
    ],
    config: {},
    createdMs: 1,
  });
  const moving = store.reassign('orders', 0, [4, 2]);
  t.same(moving.replicas, [
    [4, 2],
    [2, 3],
  ]);
  t.same(moving.moving, { 0: [1, 2, 4] }, 'hosted by old and new replicas while it moves');
  const again = store.reassign('orders', 0, [3, 4]);
  t.same(again.moving, { 0: [1, 2, 3, 4] }, 'a second move before the first ends keeps every host');
  store.close();

  const reopened = open(t, dir, { brokerIds: [1, 2, 3, 4] });
  t.same(reopened.get('orders')?.moving, { 0: [1, 2, 3, 4] }, 'the move survives a reopen');
  const done = reopened.completeMove('orders', 0);
  t.same(done.replicas[0], [3, 4]);
  t.equal(done.moving, undefined, 'nothing moves any more');
  t.equal(
    codeOf(() => reopened.reassign('nope', 0, [1])),
    'UNKNOWN_TOPIC',
  );
  t.equal(
    codeOf(() => reopened.reassign('orders', 2, [1])),
    'UNKNOWN_PARTITION',
  );
  t.end();
});

void t.test('a changed config and added partitions survive a reopen; a stale add is refused', (t) => {
  const dir = tempDir(t);
  const first = TopicStore.open(dir, { brokerIds: [1, 2] });
  first.create(spec('orders', { partitions: 2 }), 5);
  const before = first.get('orders');
  first.alterConfig('orders', { 'retention.ms': '60000' });
  const grown = first.addPartitions('orders', 2, [[2], [1]]);
  t.equal(grown.partitions, 4);
  t.strictSame(grown.replicas.slice(0, 2), before?.replicas, 'the existing partitions keep their replicas');
  t.equal(
    codeOf(() => first.addPartitions('orders', 2, [[1]])),
    'INVALID_TOPIC',
    'the topic has 4 partitions now',
  );
  t.equal(
    codeOf(() => first.alterConfig('nosuch', {})),
    'UNKNOWN_TOPIC',
  );
  first.close();
  const again = open(t, dir, { brokerIds: [1, 2] });
  const reopened = again.get('orders');
  t.strictSame(reopened?.config, { 'retention.ms': '60000' });
  t.equal(reopened?.partitions, 4);
  t.strictSame(reopened?.replicas.slice(2), [[2], [1]]);
  t.end();
});

void t.test('partitions without a live host: every replica (and, while moving, every old one) is down', (t) => {
  const record = {
    name: 'orders',
    partitions: 3,
    replicationFactor: 1,
    replicas: [[3], [1], [3]],
    config: {},
    createdMs: 0,
    moving: { 2: [1, 3] },
  };
  const live = (id: number): boolean => id !== 3;
  t.equal(partitionsWithoutLiveHost([record], live), 1, 'orders-0 only: orders-2 still has broker 1 while it moves');
  t.equal(
    partitionsWithoutLiveHost([record], () => true),
    0,
  );
  t.end();
});
