/**
 * The group service's upkeep over a real one-broker `__offsets`: expiry found by a poll is persisted (a reload
 * does not bring the member back), and checkpoints are written on load and then on their interval.
 */
import { pino } from 'pino';
import t from 'tap';
import { GroupService } from '../../../broker/groups/group-service.js';
import { offsetsEntry } from '../../../broker/groups/offsets-records.js';
import { encodeBatches } from '../../../broker/groups/offsets-topic.js';
import { createTopics, harness } from '../handlers/fixtures.js';
import { waitFor } from '../../helpers/wait-for.js';

void t.test('expiry and checkpoints are written to __offsets by the upkeep', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['orders', 2]);
  let now = 1_000;
  const service = new GroupService({
    brokerId: 1,
    topics: h.topics,
    partitions: h.partitions,
    controller: () => {
      throw new Error('the harness created __offsets already');
    },
    brokerCount: 1,
    offsetsPartitions: 4,
    heartbeatIntervalMs: 500,
    sessionTimeoutMs: 5_000,
    checkpointIntervalMs: 60_000,
    appendTimeoutMs: 5_000,
    nowMs: () => now,
    logger: pino({ level: 'silent' }),
    nextMemberId: () => 'only',
  });
  t.teardown(() => {
    service.close();
  });
  // Let the harness's own service have __offsets created, then this one loads it.
  await t.rejects(h.handlers.findCoordinator({ groupId: 'g' }), { code: 'COORDINATOR_LOAD_IN_PROGRESS' });
  await waitFor(() => h.topics.get('__offsets'), { what: 'the harness to create __offsets' });
  service.poll();
  service.poll();
  const { offsetsPartition } = service.findCoordinator('g');
  const log = h.partitions.partition('__offsets', offsetsPartition);

  const joined = await service.heartbeat({
    groupId: 'g',
    memberId: '',
    memberEpoch: 0,
    subscribedTopics: ['orders'],
    sessionTimeoutMs: 2_000,
  });
  t.equal(joined.heartbeatIntervalMs, 500);
  const afterJoin = log.logEndOffset;
  t.ok(afterJoin > 0, 'the join was appended');

  now += 2_000;
  service.poll(); // queues an upkeep round that expires the member
  await service.fetchOffsets({ groupId: 'g' }); // runs after it
  t.ok(log.logEndOffset > afterJoin, 'the expiry was appended');
  const [group] = (await service.describeGroups({ groupIds: ['g'] })).groups;
  t.equal(group?.members.length, 0);
  t.equal(group?.groupEpoch, 2);

  const beforeReload = log.logEndOffset;
  service.close();
  service.poll();
  service.poll();
  await service.fetchOffsets({ groupId: 'g' }); // after the checkpoint a load writes
  const afterLoad = log.logEndOffset;
  const [reloaded] = (await service.describeGroups({ groupIds: ['g'] })).groups;
  t.same([reloaded?.members.length, reloaded?.groupEpoch], [0, 2], 'a reload keeps the expiry');
  t.ok(afterLoad > beforeReload, 'a load writes a checkpoint');

  service.poll();
  await service.fetchOffsets({ groupId: 'g' });
  t.equal(log.logEndOffset, afterLoad, 'nothing to write between checkpoints');
  now += 60_000;
  service.poll();
  await service.fetchOffsets({ groupId: 'g' });
  t.ok(log.logEndOffset > afterLoad, 'the next checkpoint comes after its interval');

  // Checkpoint cleanup: everything before the latest checkpoint goes, and the group loads the same from what stays.
  t.ok(log.applyRetention(now) > 0, 'retention deleted what the checkpoint superseded');
  t.equal(log.logStartOffset, afterLoad, 'the log now starts at the latest checkpoint');
  t.equal(log.applyRetention(now), 0, 'and never deletes the checkpoint itself');
  service.close();
  service.poll();
  service.poll();
  const [fromCheckpoint] = (await service.describeGroups({ groupIds: ['g'] })).groups;
  t.same([fromCheckpoint?.members.length, fromCheckpoint?.groupEpoch], [0, 2], 'a load from the checkpoint alone');
});

void t.test('a coordinator whose partition was written by someone else loads it again', async (t) => {
  const h = await harness(t);
  await createTopics(t, h, ['orders', 1]);
  await t.rejects(h.handlers.findCoordinator({ groupId: 'g' }), { code: 'COORDINATOR_LOAD_IN_PROGRESS' });
  await waitFor(() => h.topics.get('__offsets'), { what: 'the harness to create __offsets' });
  h.groups.poll();
  h.groups.poll();
  const joined = await h.handlers.groupHeartbeat({
    groupId: 'g',
    memberId: '',
    memberEpoch: 0,
    subscribedTopics: ['orders'],
  });
  // Another leader's write (leadership lost and won back between two polls): an offsets entry for the group.
  const { offsetsPartition } = await h.handlers.findCoordinator({ groupId: 'g' });
  const [batch] = encodeBatches([offsetsEntry('g', [{ topic: 'orders', partition: 0, offset: 123 }])], 1);
  if (batch === undefined) throw new Error('no batch');
  await h.partitions.partition('__offsets', offsetsPartition).append(batch, 1, 1000);
  await t.rejects(h.handlers.fetchOffsets({ groupId: 'g' }), { code: 'COORDINATOR_LOAD_IN_PROGRESS' });
  h.groups.poll();
  t.same((await h.handlers.fetchOffsets({ groupId: 'g' })).offsets, [
    { topic: 'orders', partition: 0, offset: 123, metadata: '' },
  ]);
  const [group] = (await h.handlers.describeGroups({ groupIds: ['g'] })).groups;
  t.same(
    group?.members.map((m) => m.memberId),
    [joined.memberId],
  );
});
