/**
 * Kafka's round-robin assignor: every subscribed partition, sorted by topic and number, goes to the next member
 * (cycling in id order) that subscribes to its topic. Pure.
 */
import type { AssignorInput, TargetAssignment } from './assignor.js';
import { emptyTarget, sortedMembers } from './assignor.js';
import { partitionKey } from '../../protocol/index.js';

export function roundRobinAssign(input: AssignorInput): TargetAssignment {
  const members = sortedMembers(input.members);
  const target = emptyTarget(members);
  if (members.length === 0) return target;
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  let cursor = 0;
  for (const topic of topics) {
    const count = input.partitionCounts.get(topic) ?? 0;
    for (let p = 0; p < count; p++) {
      // Some member subscribes to the topic (it is in the list because of one), so this finds one.
      for (let tried = 0; tried < members.length; tried++) {
        const member = members[cursor % members.length];
        cursor++;
        if (member?.topics.includes(topic) === true) {
          target.get(member.memberId)?.add(partitionKey(topic, p));
          break;
        }
      }
    }
  }
  return target;
}
