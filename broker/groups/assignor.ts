/**
 * What an assignor is: a pure function from the group's members (with the topics each one subscribes to, already
 * resolved against the topics that exist), the partition count of each topic, and the current target assignment,
 * to the next target assignment. Every subscribed partition goes to exactly one member subscribing its topic.
 */
import type { AssignorName, PartitionKey } from '../../protocol/index.js';
import { rangeAssign } from './range-assignor.js';
import { roundRobinAssign } from './roundrobin-assignor.js';
import { stickyAssign } from './sticky-assignor.js';

/** A member as assignors see it. */
export interface AssignorMember {
  readonly memberId: string;
  /** Existing topics the member subscribes to. */
  readonly topics: readonly string[];
}

export interface AssignorInput {
  readonly members: readonly AssignorMember[];
  /** Partition count of every existing topic (at least those subscribed). */
  readonly partitionCounts: ReadonlyMap<string, number>;
  /** The current target: member id -> partitions (members no longer present may appear; they are ignored). */
  readonly current: ReadonlyMap<string, ReadonlySet<PartitionKey>>;
}

/** The next target: an entry for every member (possibly empty). */
export type TargetAssignment = Map<string, Set<PartitionKey>>;

export type Assignor = (input: AssignorInput) => TargetAssignment;

/** The assignors by name. */
export const ASSIGNOR_FUNCTIONS: Readonly<Record<AssignorName, Assignor>> = Object.freeze({
  sticky: stickyAssign,
  range: rangeAssign,
  roundrobin: roundRobinAssign,
});

/** The assignor used when the first member does not name one. */
export const DEFAULT_ASSIGNOR: AssignorName = 'sticky';

/** Members sorted by id (assignors are deterministic whatever order members arrive in). */
export function sortedMembers(members: readonly AssignorMember[]): AssignorMember[] {
  return [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

/** An empty target with an entry per member. */
export function emptyTarget(members: readonly AssignorMember[]): TargetAssignment {
  return new Map(members.map((m) => [m.memberId, new Set<PartitionKey>()]));
}
