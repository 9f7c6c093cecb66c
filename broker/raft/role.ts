/** Roles a replica can be in, and why it campaigns. */

export const Role = {
  Follower: 'follower',
  /** Asking peers whether it could win, before bumping its term (pre-vote, thesis §9.6). */
  PreCandidate: 'preCandidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Why a campaign starts. */
export const CampaignKind = {
  /** Pre-vote phase: no term change until a majority says it would vote for us. */
  PreElection: 'preElection',
  Election: 'election',
  /** Asked by the leader (TimeoutNow): skip pre-vote, and voters ignore their leader lease. */
  Transfer: 'transfer',
} as const;
export type CampaignKind = (typeof CampaignKind)[keyof typeof CampaignKind];
