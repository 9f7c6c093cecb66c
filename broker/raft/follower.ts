/**
 * Follower and candidate rules: accept the leader's appends (truncating a divergent suffix), heartbeats
 * and snapshots; count votes while campaigning.
 */
import { MessageType, NO_NODE } from './messages.js';
import type { AppendMessage, HeartbeatMessage, Message, SnapshotMessage } from './messages.js';
import { VoteResult } from './quorum.js';
import type { Raft } from './raft.js';
import { CampaignKind, Role } from './role.js';

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Append:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      break;
    case MessageType.Heartbeat:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      break;
    case MessageType.Snapshot:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      break;
    case MessageType.TimeoutNow:
      // Thesis §3.10: the leader brought us up to date and asks us to take over now.
      r.campaign(CampaignKind.Transfer);
      break;
    default:
      break;
  }
}

/** Shared by pre-candidates and candidates (the role tells which answers count). */
export function stepCandidate(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Append:
      // A leader of our term exists (Raft §5.2): we lost.
      r.becomeFollower(m.term, m.from);
      handleAppend(r, m);
      break;
    case MessageType.Heartbeat:
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      break;
    case MessageType.Snapshot:
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      break;
    case MessageType.PreVoteResponse:
    case MessageType.VoteResponse: {
      const pre = r.role === Role.PreCandidate;
      if (pre !== (m.type === MessageType.PreVoteResponse)) break;
      // A grant names the term it was given for; ignore grants left over from an earlier campaign.
      if (!m.reject && m.term !== (pre ? r.term + 1 : r.term)) break;
      const result = r.tracker.recordVote(m.from, !m.reject);
      if (result === VoteResult.Won) {
        if (pre) r.campaign(CampaignKind.Election);
        else r.becomeLeader();
      } else if (result === VoteResult.Lost) {
        r.becomeFollower(r.term, NO_NODE);
      }
      break;
    }
    default:
      break;
  }
}

/** Raft §5.3: accept entries if our log matches at (index, logTerm), dropping any conflicting suffix. */
function handleAppend(r: Raft, m: AppendMessage): void {
  const committed = r.log.committed;
  if (m.index < committed) {
    // Everything up to our commit index matches any leader's log; tell it where we are.
    respondAppend(r, m.from, committed);
    return;
  }
  if (r.log.matchTerm(m.index, m.logTerm)) {
    const lastNewIndex = m.index + m.entries.length;
    const conflict = r.log.findConflict(m.entries);
    if (conflict !== 0) {
      if (conflict <= committed) {
        throw new Error(`entry ${String(conflict)} conflicts with committed entry (commit ${String(committed)})`);
      }
      r.appendToLog(m.entries.slice(conflict - m.index - 1));
    }
    // Only up to the last entry this message vouches for: anything after it may be stale.
    r.log.commitTo(Math.min(m.commit, lastNewIndex));
    respondAppend(r, m.from, lastNewIndex);
    return;
  }
  // Hint: our highest index whose term could match, so the leader can skip a whole term at once.
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.send({
    type: MessageType.AppendResponse,
    to: m.from,
    index: m.index,
    reject: true,
    rejectHint: hint.index,
    logTerm: hint.term,
  });
}

function handleHeartbeat(r: Raft, m: HeartbeatMessage): void {
  r.log.commitTo(m.commit);
  r.send({ type: MessageType.HeartbeatResponse, to: m.from });
}

function handleSnapshot(r: Raft, m: SnapshotMessage): void {
  const index = r.restore(m.snapshot) ? r.log.lastIndex() : r.log.committed;
  respondAppend(r, m.from, index);
}

function respondAppend(r: Raft, to: number, index: number): void {
  r.send({ type: MessageType.AppendResponse, to, index, reject: false, rejectHint: 0, logTerm: 0 });
}
