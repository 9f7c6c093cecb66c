/**
 * The sticky assignor (the default): balanced like round-robin, but a partition stays with its current owner
 * unless balance requires moving it, so a member joining or leaving moves as few partitions as possible.
 *
 * 1. Each member keeps the partitions of its current target that still exist and that it still subscribes to.
 * 2. Every partition left without an owner goes to the eligible member (subscribed to its topic) holding the fewest.
 * 3. While some partition's owner holds at least two more partitions than another member eligible for it, the
 *    partition moves there. Each move shrinks the spread, so this ends; it leaves the counts of members with the
 *    same subscription within one of each other. Pure and deterministic (ties broken by member id).
 */
import type { AssignorInput, TargetAssignment } from './assignor.js';
import { emptyTarget, sortedMembers } from './assignor.js';
import { partitionKey, splitPartitionKey, type PartitionKey } from '../../protocol/index.js';
import { compareKeys } from './topic-partition.js';

export function stickyAssign(input: AssignorInput): TargetAssignment {
  const members = sortedMembers(input.members);
  const target = emptyTarget(members);
  const subscribers = new Map<string, string[]>();
  for (const m of members) {
    for (const topic of m.topics) {
      const list = subscribers.get(topic) ?? [];
      list.push(m.memberId);
      subscribers.set(topic, list);
    }
  }
  const all: PartitionKey[] = [];
  for (const topic of [...subscribers.keys()].sort()) {
    const count = input.partitionCounts.get(topic) ?? 0;
    for (let p = 0; p < count; p++) all.push(partitionKey(topic, p));
  }
  const owner = new Map<PartitionKey, string>();
  // 1. Keep what is still valid.
  for (const m of members) {
    const kept = target.get(m.memberId);
    for (const key of [...(input.current.get(m.memberId) ?? [])].sort(compareKeys)) {
      const { topic, partition } = splitPartitionKey(key);
      if (!m.topics.includes(topic) || partition >= (input.partitionCounts.get(topic) ?? 0)) continue;
      if (owner.has(key)) continue;
      owner.set(key, m.memberId);
      kept?.add(key);
    }
  }
  const size = (memberId: string): number => target.get(memberId)?.size ?? 0;
  const leastLoaded = (candidates: readonly string[]): string | undefined => {
    let best: string | undefined;
    for (const id of candidates) if (best === undefined || size(id) < size(best)) best = id;
    return best;
  };
  // 2. Place the orphans.
  for (const key of all) {
    if (owner.has(key)) continue;
    const chosen = leastLoaded(subscribers.get(splitPartitionKey(key).topic) ?? []);
    if (chosen === undefined) continue;
    owner.set(key, chosen);
    target.get(chosen)?.add(key);
  }
  // 3. Even out: move from the most loaded members first, a partition to its least loaded eligible member.
  for (;;) {
    let moved = false;
    const byLoad = [...members].sort((a, b) => size(b.memberId) - size(a.memberId));
    for (const from of byLoad) {
      const held = [...(target.get(from.memberId) ?? [])].sort(compareKeys).reverse();
      for (const key of held) {
        const to = leastLoaded(subscribers.get(splitPartitionKey(key).topic) ?? []);
        if (to === undefined || size(from.memberId) - size(to) < 2) continue;
        target.get(from.memberId)?.delete(key);
        target.get(to)?.add(key);
        moved = true;
        break;
      }
      if (moved) break;
    }
    if (!moved) return target;
  }
}
