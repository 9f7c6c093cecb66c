/**
 * The next single membership change that moves a Raft group from its voters to a target replica set (Raft thesis
 * §4.1: one server at a time). Pure: the partition leader (and the metadata leader) asks it again after each step.
 *
 * Order: add every missing replica first (the majority only grows), remove extra ones once every target replica
 * holds the committed log (so a removal never leaves a majority that still has to catch up), and remove the
 * leader itself last, by handing leadership to a caught-up target replica first (no election gap).
 */

/** What the leader knows when it plans. */
export interface MembershipView {
  readonly self: number;
  /** The group's voters now (the latest config entry in the leader's log). */
  readonly voters: readonly number[];
  /** The replica set to reach. */
  readonly target: readonly number[];
  /** Whether the latest config entry is committed (only then may another change start). */
  readonly configCommitted: boolean;
  /** Whether a voter holds everything committed and is alive. */
  readonly caughtUp: (id: number) => boolean;
}

export type MembershipStep =
  | { readonly kind: 'wait' }
  | { readonly kind: 'add'; readonly id: number }
  | { readonly kind: 'remove'; readonly id: number }
  | { readonly kind: 'transfer'; readonly to: number }
  | { readonly kind: 'done' };

const WAIT: MembershipStep = Object.freeze({ kind: 'wait' });

export function nextMembershipStep(view: MembershipView): MembershipStep {
  if (!view.configCommitted) return WAIT;
  const voters = new Set(view.voters);
  const target = new Set(view.target);
  const missing = view.target.find((id) => !voters.has(id));
  if (missing !== undefined) return { kind: 'add', id: missing };
  const extra = view.voters.filter((id) => !target.has(id));
  if (extra.length === 0) return { kind: 'done' };
  if (!view.target.every((id) => id === view.self || view.caughtUp(id))) return WAIT;
  const other = extra.find((id) => id !== view.self);
  if (other !== undefined) return { kind: 'remove', id: other };
  // Only the leader itself is left to go: hand over to a target replica (preferred order), which removes it.
  const successor = view.target.find((id) => id !== view.self && view.caughtUp(id));
  return successor === undefined ? WAIT : { kind: 'transfer', to: successor };
}
