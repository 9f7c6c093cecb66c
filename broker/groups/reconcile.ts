/**
 * The two rules of incremental assignment (KIP-848):
 *
 * - {@link bumpEpoch}: when membership, a subscription or a subscribed topic changes, the group epoch moves on and
 *   the assignor computes a new target from the current one.
 * - {@link reconcile}: on each heartbeat a member moves toward its target. Partitions it owns outside the target
 *   are revoked first; until it reports them released it gets nothing new (and its epoch stays). Then it takes the
 *   target epoch and every target partition nobody else still holds. A partition therefore never has two owners:
 *   it is granted only once the previous owner released it, left, or was expired.
 *
 * Pure: time comes in as `nowMs`.
 */
import { ASSIGNOR_FUNCTIONS, type AssignorMember } from './assignor.js';
import { holders, resolveTopics, type Group, type Member } from './group-state.js';

/** Subscribed topics with their partition counts, as a comparable string. */
export function metadataKeyOf(group: Group, topics: ReadonlyMap<string, number>): string {
  const subscribed = new Set<string>();
  for (const m of group.members.values()) for (const t of resolveTopics(m, topics)) subscribed.add(t);
  return [...subscribed]
    .sort()
    .map((t) => `${t}=${String(topics.get(t) ?? 0)}`)
    .join(',');
}

/** Moves the group epoch on and recomputes the target assignment. */
export function bumpEpoch(group: Group, topics: ReadonlyMap<string, number>): void {
  group.groupEpoch++;
  const members: AssignorMember[] = [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    topics: resolveTopics(m, topics),
  }));
  group.target = ASSIGNOR_FUNCTIONS[group.assignor]({
    members,
    partitionCounts: topics,
    current: group.target,
  });
  group.assignmentEpoch = group.groupEpoch;
  group.metadataKey = metadataKeyOf(group, topics);
}

/** Moves `member` toward its target (see the file comment). */
export function reconcile(group: Group, member: Member, nowMs: number): void {
  const target = group.target.get(member.memberId) ?? new Set<string>();
  for (const key of member.assigned) {
    if (!target.has(key)) {
      member.assigned.delete(key);
      member.revoking.add(key);
    }
  }
  if (member.revoking.size > 0) {
    member.revokeDeadlineMs ??= nowMs + member.rebalanceTimeoutMs;
    return;
  }
  member.revokeDeadlineMs = null;
  if (member.memberEpoch !== group.assignmentEpoch) {
    member.previousMemberEpoch = member.memberEpoch;
    member.memberEpoch = group.assignmentEpoch;
  }
  const held = holders(group);
  for (const key of target) {
    const holder = held.get(key);
    if (holder === undefined || holder === member.memberId) member.assigned.add(key);
  }
}
