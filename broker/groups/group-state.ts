/**
 * The state of one consumer group as the coordinator keeps it in memory: its members, the target assignment the
 * assignor computed, and the committed offsets. Pure data and small helpers; the rules are in reconcile.ts and
 * coordinator.ts.
 */
import { isInternalTopic } from '../topics/topic-config.js';
import type { AssignorName, PartitionKey } from '../../protocol/index.js';
import { TopicPattern } from './topic-pattern.js';

/** A committed position. */
export interface CommittedOffset {
  readonly offset: number;
  readonly metadata: string;
}

/** One member of a group. */
export interface Member {
  readonly memberId: string;
  /** Static membership: the instance id that survives restarts, or null. */
  groupInstanceId: string | null;
  clientId: string;
  /** The subscription by name ([] when a pattern is used). */
  subscribedTopics: string[];
  /** The subscription by pattern (RE2 syntax, matched against whole names: see topic-pattern.ts), or null. */
  subscribedPattern: string | null;
  /** The assignor this member asked for, or null. */
  assignor: AssignorName | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** The member's epoch: the target assignment epoch it has reconciled to (0 before its first answer). */
  memberEpoch: number;
  /** Its epoch before the last change (commits and heartbeats with it are still accepted: a lost answer). */
  previousMemberEpoch: number;
  /** The partitions the member may own: what it was last told. */
  assigned: Set<PartitionKey>;
  /** Partitions taken from it that it has not yet reported released (nobody else gets them before). */
  revoking: Set<PartitionKey>;
  /** A static member that left with epoch -2: it keeps its partitions until its session expires. */
  leftStatic: boolean;
  // Volatile: not persisted (a coordinator that loads the group gives every member a fresh session).
  sessionDeadlineMs: number;
  /** When the member must have released `revoking` by, or null when it has nothing to release. */
  revokeDeadlineMs: number | null;
  /** The assignment last answered, as a sorted key list joined by ',' (null: none answered yet). */
  lastSent: string | null;
}

/** One group. */
export interface Group {
  readonly groupId: string;
  /** Bumped on every membership, subscription or subscribed-topic change. */
  groupEpoch: number;
  /** The group epoch the target assignment was computed at. */
  assignmentEpoch: number;
  assignor: AssignorName;
  members: Map<string, Member>;
  /** The target assignment: member id -> the partitions it should own once reconciled. */
  target: Map<string, Set<PartitionKey>>;
  offsets: Map<PartitionKey, CommittedOffset>;
  /** Subscribed topics with their partition counts when the target was computed (detects metadata changes). */
  metadataKey: string;
}

/** The group states describe and list report. */
export const GroupStates = {
  EMPTY: 'empty',
  STABLE: 'stable',
  RECONCILING: 'reconciling',
  DEAD: 'dead',
} as const;
export type GroupStateName = (typeof GroupStates)[keyof typeof GroupStates];

/** A group with no members, epoch 0. */
export function newGroup(groupId: string, assignor: AssignorName): Group {
  return {
    groupId,
    groupEpoch: 0,
    assignmentEpoch: 0,
    assignor,
    members: new Map(),
    target: new Map(),
    offsets: new Map(),
    metadataKey: '',
  };
}

/** 'empty' without members, 'stable' when every member owns exactly its target at the current epoch. */
export function groupState(group: Group): GroupStateName {
  if (group.members.size === 0) return GroupStates.EMPTY;
  for (const member of group.members.values()) {
    if (member.memberEpoch !== group.assignmentEpoch || member.revoking.size > 0) return GroupStates.RECONCILING;
    const target = group.target.get(member.memberId) ?? new Set();
    if (target.size !== member.assigned.size) return GroupStates.RECONCILING;
    for (const key of target) if (!member.assigned.has(key)) return GroupStates.RECONCILING;
  }
  return GroupStates.STABLE;
}

/** Who holds each partition (assigned, or revoked but not yet released). */
export function holders(group: Group): Map<PartitionKey, string> {
  const held = new Map<PartitionKey, string>();
  for (const m of group.members.values()) {
    for (const key of m.assigned) held.set(key, m.memberId);
    for (const key of m.revoking) held.set(key, m.memberId);
  }
  return held;
}

/** The existing topics a member subscribes to, sorted. */
export function resolveTopics(member: Member, topics: ReadonlyMap<string, number>): string[] {
  if (member.subscribedPattern !== null) {
    let pattern: TopicPattern;
    try {
      pattern = TopicPattern.compile(member.subscribedPattern);
    } catch {
      // Only a member loaded from what an older broker accepted can get here: it matches nothing.
      return [];
    }
    return [...topics.keys()].filter((t) => !isInternalTopic(t) && pattern.matches(t)).sort();
  }
  return member.subscribedTopics.filter((t) => topics.has(t)).sort();
}
