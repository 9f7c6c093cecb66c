/**
 * Kafka's range assignor: per topic, the members subscribing to it (sorted by id) get contiguous ranges of its
 * partitions; the first `partitions % members` of them get one more. Pure.
 */
import type { AssignorInput, TargetAssignment } from './assignor.js';
import { emptyTarget, sortedMembers } from './assignor.js';
import { partitionKey } from '../../protocol/index.js';

export function rangeAssign(input: AssignorInput): TargetAssignment {
  const members = sortedMembers(input.members);
  const target = emptyTarget(members);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = input.partitionCounts.get(topic) ?? 0;
    const subscribers = members.filter((m) => m.topics.includes(topic));
    if (subscribers.length === 0) continue;
    const base = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    let next = 0;
    subscribers.forEach((member, i) => {
      const take = base + (i < extra ? 1 : 0);
      const set = target.get(member.memberId);
      for (let p = next; p < next + take; p++) set?.add(partitionKey(topic, p));
      next += take;
    });
  }
  return target;
}
