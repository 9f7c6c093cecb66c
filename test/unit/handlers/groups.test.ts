/**
 * The group ops over a real one-broker topic store and partitions: `__offsets` is created on the first request,
 * loaded, and then joins, commits, fetches, describes and deletes go through it. Internal topic rules too.
 */
import t from 'tap';
import { BrookError, RecordBatchBuilder } from '../../../protocol/index.js';
import { createTopics, harness, type Harness } from './fixtures.js';

async function ready(h: Harness): Promise<void> {
  // The first request has the controller create __offsets; the next polls find this broker leading and load it.
  await t.rejects(h.handlers.findCoordinator({ groupId: 'g' }), { code: 'COORDINATOR_LOAD_IN_PROGRESS' });
  for (let i = 0; i < 100 && h.topics.get('__offsets') === undefined; i++) await new Promise((r) => setImmediate(r));
  h.groups.poll();
  h.groups.poll();
}

void t.test('join, commit, fetch, describe, delete through __offsets', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['orders', 4]);
  await ready(h);
  t.equal(h.topics.get('__offsets')?.partitions, 4, '__offsets created with the configured partition count');
  const found = await h.handlers.findCoordinator({ groupId: 'billing' });
  t.equal(found.coordinatorId, 1);

  const joined = await h.handlers.groupHeartbeat({
    groupId: 'billing',
    memberId: '',
    memberEpoch: 0,
    subscribedTopics: ['orders'],
  });
  t.equal(joined.memberId, 'member-1');
  t.equal(joined.memberEpoch, 1);
  t.same(joined.assignment, [{ topic: 'orders', partitions: [0, 1, 2, 3] }]);

  const commit = await h.handlers.commitOffsets({
    groupId: 'billing',
    memberId: 'member-1',
    memberEpoch: 1,
    offsets: [
      { topic: 'orders', partition: 0, offset: 10 },
      { topic: 'orders', partition: 1, offset: 3, metadata: 'm' },
    ],
  });
  t.same(commit.results, [
    { topic: 'orders', partition: 0 },
    { topic: 'orders', partition: 1 },
  ]);
  const zombie = await h.handlers.commitOffsets({
    groupId: 'billing',
    memberId: 'member-1',
    memberEpoch: 7,
    offsets: [{ topic: 'orders', partition: 0, offset: 99 }],
  });
  t.equal(zombie.results[0]?.error?.code, 29, 'a wrong epoch is fenced');
  const fetched = await h.handlers.fetchOffsets({ groupId: 'billing' });
  t.same(fetched.offsets, [
    { topic: 'orders', partition: 0, offset: 10, metadata: '' },
    { topic: 'orders', partition: 1, offset: 3, metadata: 'm' },
  ]);

  const [described] = (await h.handlers.describeGroups({ groupIds: ['billing'] })).groups;
  t.equal(described?.state, 'stable');
  t.equal(described?.members.length, 1);
  t.same(
    described?.offsets.map((o) => [o.partition, o.committed, o.logEndOffset, o.lag]),
    [
      [0, 10, 0, 0],
      [1, 3, 0, 0],
      [2, -1, 0, 0],
      [3, -1, 0, 0],
    ],
  );
  t.same((await h.handlers.listGroups({})).groups, [{ groupId: 'billing', state: 'stable', members: 1 }]);

  const refused = await h.handlers.deleteGroups({ groupIds: ['billing', 'nope'] });
  t.equal(refused.results[0]?.error?.code, 30, 'GROUP_NOT_EMPTY');
  t.equal(refused.results[1]?.error?.code, 31, 'UNKNOWN_GROUP');
  await h.handlers.groupHeartbeat({ groupId: 'billing', memberId: 'member-1', memberEpoch: -1 });
  const admin = await h.handlers.commitOffsets({
    groupId: 'billing',
    memberId: '',
    memberEpoch: -1,
    offsets: [{ topic: 'orders', partition: 2, offset: 0 }],
  });
  t.same(admin.results, [{ topic: 'orders', partition: 2 }], 'an admin commit once the group is empty');
  t.same((await h.handlers.deleteGroups({ groupIds: ['billing'] })).results, [{ groupId: 'billing' }]);
  t.same((await h.handlers.fetchOffsets({ groupId: 'billing' })).offsets, []);
});

void t.test('a coordinator that loads __offsets again finds every group and commit', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['orders', 2]);
  await ready(h);
  const joined = await h.handlers.groupHeartbeat({
    groupId: 'g1',
    memberId: '',
    memberEpoch: 0,
    subscribedTopics: ['orders'],
  });
  await h.handlers.commitOffsets({
    groupId: 'g1',
    memberId: joined.memberId,
    memberEpoch: joined.memberEpoch,
    offsets: [{ topic: 'orders', partition: 1, offset: 77 }],
  });
  // Closing the service drops every group; a new poll loads them back from the log.
  h.groups.close();
  await t.rejects(h.handlers.fetchOffsets({ groupId: 'g1' }), { code: 'NOT_COORDINATOR' });
  h.groups.poll();
  await t.rejects(h.handlers.fetchOffsets({ groupId: 'g1' }), { code: 'COORDINATOR_LOAD_IN_PROGRESS' });
  h.groups.poll();
  t.same((await h.handlers.fetchOffsets({ groupId: 'g1' })).offsets, [
    { topic: 'orders', partition: 1, offset: 77, metadata: '' },
  ]);
  const [described] = (await h.handlers.describeGroups({ groupIds: ['g1'] })).groups;
  t.same(
    described?.members.map((m) => [m.memberId, m.memberEpoch]),
    [[joined.memberId, joined.memberEpoch]],
    'members come back with their epochs',
  );
  const again = await h.handlers.groupHeartbeat({
    groupId: 'g1',
    memberId: joined.memberId,
    memberEpoch: joined.memberEpoch,
  });
  t.equal(again.memberEpoch, joined.memberEpoch, 'the member carries on without rejoining');
});

void t.test(
  '__offsets is internal: no produce, no create with another spec, no delete, hidden from listings',
  async (t) => {
    const h = await harness(t);
    await ready(h);
    const builder = new RecordBatchBuilder();
    builder.add({ key: null, value: new Uint8Array([1]), timestamp: 1 });
    const produced = await h.handlers.produce({
      acks: 1,
      timeoutMs: 1000,
      partitions: [{ topic: '__offsets', partition: 0, batch: builder.build().bytes }],
    });
    t.equal(produced.partitions[0]?.error?.code, new BrookError('INVALID_REQUEST').toWire().code);
    const deleted = await h.handlers.deleteTopics({ names: ['__offsets'] });
    t.equal(deleted.results[0]?.error?.code, 7, 'INVALID_TOPIC');
    const created = await h.handlers.createTopics({
      topics: [{ name: '__mine', partitions: 1, replicationFactor: 1, config: {} }],
    });
    t.equal(created.results[0]?.error?.code, 7, 'other __ names are reserved');
    const all = await h.handlers.metadata({});
    t.notOk(
      all.topics.some((topic) => topic.name === '__offsets'),
      'hidden from the full listing',
    );
    const named = await h.handlers.metadata({ topics: ['__offsets'] });
    t.equal(named.topics[0]?.partitions.length, 4, 'shown when asked for by name');
  },
);
