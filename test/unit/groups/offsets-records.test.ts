/** `__offsets` entries: a group survives encode, decode and replay; snapshots replace, deletes remove. */
import t from 'tap';
import { GroupCoordinator } from '../../../broker/groups/coordinator.js';
import type { Group } from '../../../broker/groups/group-state.js';
import {
  applyEntry,
  decodeEntry,
  deleteEntry,
  encodeEntry,
  groupEntry,
  groupFingerprint,
  offsetsEntry,
  snapshotEntry,
} from '../../../broker/groups/offsets-records.js';

function busyGroup(): GroupCoordinator {
  let n = 0;
  const c = new GroupCoordinator({ nextMemberId: () => `m${String(++n)}`, heartbeatIntervalMs: 3000 });
  c.setTopics(new Map([['orders', 4]]));
  c.heartbeat({ groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopics: ['orders'], groupInstanceId: 'i1' }, 0);
  c.heartbeat({ groupId: 'g', memberId: '', memberEpoch: 0, subscribedPattern: 'ord.*', assignor: 'range' }, 0);
  c.heartbeat({ groupId: 'g', memberId: 'm1', memberEpoch: 1 }, 0); // m1 now has partitions being revoked
  return c;
}

void t.test('group, offsets, snapshot and delete entries replay to the same state', (t) => {
  const c = busyGroup();
  const group = c.group('g') as Group;
  const replayed = new Map<string, Group>();
  const through = (e: ReturnType<typeof groupEntry>) => decodeEntry(encodeEntry(e));
  applyEntry(replayed, through(groupEntry(group)));
  applyEntry(replayed, through(offsetsEntry('g', [{ topic: 'orders', partition: 1, offset: 9, metadata: 'x' }])));
  applyEntry(replayed, through(offsetsEntry('g', [{ topic: 'orders', partition: 2, offset: 4 }])));
  const loaded = replayed.get('g') as Group;
  t.equal(groupFingerprint(loaded), groupFingerprint(group), 'members, epochs, target survive');
  t.same([...(loaded.members.get('m1')?.revoking ?? [])], [...(group.members.get('m1')?.revoking ?? [])]);
  t.same(Object.fromEntries(loaded.offsets), {
    'orders/1': { offset: 9, metadata: 'x' },
    'orders/2': { offset: 4, metadata: '' },
  });

  // A later group entry keeps the offsets; a snapshot replaces them; a delete removes the group.
  applyEntry(replayed, through(groupEntry(group)));
  t.equal(replayed.get('g')?.offsets.size, 2);
  const snap = { ...loaded, offsets: new Map([['orders/3', { offset: 1, metadata: '' }]]) };
  applyEntry(replayed, through(snapshotEntry(snap)));
  t.same(Object.fromEntries(replayed.get('g')?.offsets ?? []), { 'orders/3': { offset: 1, metadata: '' } });
  applyEntry(replayed, through(deleteEntry('g')));
  t.notOk(replayed.has('g'));

  // The coordinator takes a loaded group back with fresh sessions.
  const other = new GroupCoordinator({ nextMemberId: () => 'x', heartbeatIntervalMs: 3000 });
  other.setTopics(new Map([['orders', 4]]));
  other.restore(loaded, 1_000);
  t.equal(other.heartbeat({ groupId: 'g', memberId: 'm2', memberEpoch: 2 }, 1_000).memberEpoch, 2);
  t.same(other.tick(45_999), [], 'sessions run from the load');
  t.end();
});

void t.test('a value that is not an entry is refused', (t) => {
  t.throws(() => decodeEntry(encodeEntry({ type: 'nope' } as never)), { code: 'INVALID_REQUEST' });
  t.end();
});
