/**
 * The records of the `__offsets` topic: each record's key is the group id (UTF-8) and its value one msgpack
 * entry. A group's state is replayed in offset order:
 *
 * - `group`: the group's members (epochs, subscriptions, assignments) and target assignment, complete: it replaces
 *   the previous `group` entry. Written whenever a heartbeat, leave or expiry changed any of it.
 * - `offsets`: commits, applied over the earlier ones.
 * - `snapshot`: a checkpoint of the whole group, members and every committed offset; it replaces everything
 *   before it. Each coordinator writes one per group after loading and then every `groupCheckpointIntervalMs`, so
 *   time-based retention of the topic only ever deletes records that a later snapshot supersedes.
 * - `delete`: the group was deleted.
 *
 * Pure: encoding and decoding only.
 */
import { Packr } from 'msgpackr';
import { ASSIGNORS, partitionKey, splitPartitionKey, topicPartitions } from '../../protocol/index.js';
import { array, bool, int, literal, nullable, object, str, tuple, type Infer } from '../../protocol/schema.js';
import type { CommittedOffset, Group, Member } from './group-state.js';
import { fromTopicPartitions, toTopicPartitions } from './topic-partition.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

const memberSchema = object({
  memberId: str(),
  groupInstanceId: nullable(str()),
  clientId: str(),
  subscribedTopics: array(str()),
  subscribedPattern: nullable(str()),
  assignor: nullable(literal(...ASSIGNORS)),
  sessionTimeoutMs: int({ min: 1 }),
  rebalanceTimeoutMs: int({ min: 1 }),
  memberEpoch: int(),
  previousMemberEpoch: int(),
  assigned: array(topicPartitions),
  revoking: array(topicPartitions),
  leftStatic: bool,
});

const groupSchema = object({
  groupEpoch: int(),
  assignmentEpoch: int(),
  assignor: literal(...ASSIGNORS),
  metadataKey: str(),
  members: array(memberSchema),
  target: array(object({ memberId: str(), partitions: array(topicPartitions) })),
});

/** topic, partition, offset, metadata. */
const offsetSchema = tuple(str(), int({ min: 0 }), int({ min: 0 }), str());

const entrySchema = object({
  type: literal('group', 'offsets', 'snapshot', 'delete', 'empty'),
  groupId: str(),
  group: nullable(groupSchema),
  offsets: array(offsetSchema),
});

/** One decoded `__offsets` entry. */
export type OffsetsEntry = Infer<typeof entrySchema>;
type GroupBody = Infer<typeof groupSchema>;

/** Encodes an entry as a record value. */
export function encodeEntry(entry: OffsetsEntry): Uint8Array {
  return packr.pack(entry);
}

/** Decodes a record value; throws ProtocolError when it is not an entry. */
export function decodeEntry(bytes: Uint8Array): OffsetsEntry {
  return entrySchema.parse(packr.unpack(bytes), 'offsets entry');
}

function memberBody(m: Member): Infer<typeof memberSchema> {
  return {
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    subscribedTopics: m.subscribedTopics,
    subscribedPattern: m.subscribedPattern,
    assignor: m.assignor,
    sessionTimeoutMs: m.sessionTimeoutMs,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    memberEpoch: m.memberEpoch,
    previousMemberEpoch: m.previousMemberEpoch,
    assigned: toTopicPartitions(m.assigned),
    revoking: toTopicPartitions(m.revoking),
    leftStatic: m.leftStatic,
  };
}

function groupBody(group: Group): GroupBody {
  return {
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    assignor: group.assignor,
    metadataKey: group.metadataKey,
    members: [...group.members.values()].map(memberBody),
    target: [...group.target].map(([memberId, keys]) => ({ memberId, partitions: toTopicPartitions(keys) })),
  };
}

/** The `group` entry of a group's current members and target. */
export function groupEntry(group: Group): OffsetsEntry {
  return { type: 'group', groupId: group.groupId, group: groupBody(group), offsets: [] };
}

/** A `snapshot` entry: the whole group. */
export function snapshotEntry(group: Group): OffsetsEntry {
  const offsets = [...group.offsets].map(([key, o]) => {
    const { topic, partition } = splitPartitionKey(key);
    return [topic, partition, o.offset, o.metadata] as [string, number, number, string];
  });
  return { type: 'snapshot', groupId: group.groupId, group: groupBody(group), offsets };
}

/** An `offsets` entry of commits. */
export function offsetsEntry(
  groupId: string,
  offsets: readonly { topic: string; partition: number; offset: number; metadata?: string }[],
): OffsetsEntry {
  return {
    type: 'offsets',
    groupId,
    group: null,
    offsets: offsets.map((o) => [o.topic, o.partition, o.offset, o.metadata ?? '']),
  };
}

/** A `delete` entry. */
export function deleteEntry(groupId: string): OffsetsEntry {
  return { type: 'delete', groupId, group: null, offsets: [] };
}

/** The whole checkpoint of a partition that holds no group: everything before it is superseded. */
export function emptyEntry(): OffsetsEntry {
  return { type: 'empty', groupId: '', group: null, offsets: [] };
}

/** A comparable fingerprint of what a `group` entry would hold (the service writes one only when it changed). */
export function groupFingerprint(group: Group): string {
  return JSON.stringify(groupBody(group));
}

/**
 * Replays entries into groups: `groups` is updated in place (deleted groups removed). Volatile member fields start
 * empty; the coordinator's `restore` sets them.
 */
export function applyEntry(groups: Map<string, Group>, entry: OffsetsEntry): void {
  const { groupId } = entry;
  if (entry.type === 'empty') return;
  if (entry.type === 'delete') {
    groups.delete(groupId);
    return;
  }
  let group = groups.get(groupId);
  if (entry.group !== null) {
    const offsets: Group['offsets'] =
      entry.type === 'snapshot' || group === undefined ? new Map<string, CommittedOffset>() : group.offsets;
    group = { ...groupFromBody(groupId, entry.group), offsets };
    groups.set(groupId, group);
  }
  if (group === undefined) {
    group = groupFromBody(groupId, null);
    groups.set(groupId, group);
  }
  for (const [topic, partition, offset, metadata] of entry.offsets) {
    group.offsets.set(partitionKey(topic, partition), { offset, metadata });
  }
}

function groupFromBody(groupId: string, body: GroupBody | null): Group {
  const group: Group = {
    groupId,
    groupEpoch: body?.groupEpoch ?? 0,
    assignmentEpoch: body?.assignmentEpoch ?? 0,
    assignor: body?.assignor ?? 'sticky',
    metadataKey: body?.metadataKey ?? '',
    members: new Map(),
    target: new Map(),
    offsets: new Map(),
  };
  for (const m of body?.members ?? []) {
    group.members.set(m.memberId, {
      ...m,
      assigned: fromTopicPartitions(m.assigned),
      revoking: fromTopicPartitions(m.revoking),
      sessionDeadlineMs: 0,
      revokeDeadlineMs: null,
      lastSent: null,
    });
  }
  for (const t of body?.target ?? []) group.target.set(t.memberId, fromTopicPartitions(t.partitions));
  return group;
}
