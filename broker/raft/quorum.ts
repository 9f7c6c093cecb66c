/**
 * Majority arithmetic over a set of voters: the highest index a majority holds, and election outcomes.
 */
import type { NodeId } from './messages.js';

/** How many of `voterCount` voters form a majority. */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest index that a majority of `voters` have (each voter's index from `indexOf`). With no voters
 * there is no majority, and nothing is committed: 0.
 */
export function majorityIndex(voters: readonly NodeId[], indexOf: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const indices = voters.map(indexOf).sort((a, b) => b - a);
  // Sorted descending, the majority-th highest is held by at least a majority.
  return indices[majority(voters.length) - 1] ?? 0;
}

export const VoteResult = {
  Pending: 'pending',
  Won: 'won',
  Lost: 'lost',
} as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

/** The outcome of an election so far. Votes from non-voters are ignored. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return VoteResult.Lost;
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const needed = majority(voters.length);
  if (granted >= needed) return VoteResult.Won;
  if (voters.length - rejected < needed) return VoteResult.Lost;
  return VoteResult.Pending;
}

/** Whether a majority of `voters` satisfy `isActive`. */
export function majorityActive(voters: readonly NodeId[], isActive: (id: NodeId) => boolean): boolean {
  if (voters.length === 0) return false;
  let active = 0;
  for (const id of voters) if (isActive(id)) active++;
  return active >= majority(voters.length);
}
