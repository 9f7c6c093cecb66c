/**
 * Membership plus what a leader or candidate tracks about the voters: per-voter {@link Progress} (leader)
 * and votes received (candidate). Followers keep only the membership.
 */
import { isVoter } from './membership.js';
import type { Config, NodeId } from './messages.js';
import { Progress } from './progress.js';
import { majorityActive, majorityIndex, voteResult } from './quorum.js';
import type { VoteResult } from './quorum.js';

export class ProgressTracker {
  config: Config;
  /** Progress per voter; filled while leader. */
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    config: Config,
    private readonly maxInflight: number,
  ) {
    this.config = config;
  }

  isVoter(id: NodeId): boolean {
    return isVoter(this.config, id);
  }

  /** Fresh progress for every voter, as a new leader (or any role) starts its term. */
  resetProgress(lastIndex: number, selfId: NodeId, selfMatch: number): void {
    this.progress.clear();
    for (const id of this.config.voters) {
      const pr = new Progress(lastIndex + 1, this.maxInflight);
      if (id === selfId) pr.match = selfMatch;
      this.progress.set(id, pr);
    }
  }

  /**
   * Switches membership. Voters that stay keep their progress; new voters start probing at the end of the
   * log and count as recently active so that check-quorum gives them a chance to answer.
   */
  setConfig(config: Config, lastIndex: number, trackProgress: boolean): void {
    this.config = config;
    for (const id of [...this.progress.keys()]) {
      if (!isVoter(config, id)) this.progress.delete(id);
    }
    for (const id of [...this.votes.keys()]) {
      if (!isVoter(config, id)) this.votes.delete(id);
    }
    if (!trackProgress) return;
    for (const id of config.voters) {
      if (this.progress.has(id)) continue;
      const pr = new Progress(lastIndex + 1, this.maxInflight);
      pr.recentActive = true;
      this.progress.set(id, pr);
    }
  }

  /** Highest index a majority of voters hold. */
  committed(): number {
    return majorityIndex(this.config.voters, (id) => this.progress.get(id)?.match ?? 0);
  }

  /** Whether a majority answered since the last check (the leader itself always counts as active). */
  quorumActive(selfId: NodeId): boolean {
    return majorityActive(this.config.voters, (id) => id === selfId || this.progress.get(id)?.recentActive === true);
  }

  /** Starts a new check-quorum round. */
  resetRecentActive(selfId: NodeId): void {
    for (const [id, pr] of this.progress) pr.recentActive = id === selfId;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote (the first one from each voter counts) and returns the election's outcome so far. */
  recordVote(id: NodeId, granted: boolean): VoteResult {
    if (this.isVoter(id) && !this.votes.has(id)) this.votes.set(id, granted);
    return voteResult(this.config.voters, this.votes);
  }
}
