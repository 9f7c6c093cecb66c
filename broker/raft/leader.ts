/**
 * The leader's rules: replication to each follower (probe / replicate / snapshot), commit by counting
 * replicas, heartbeats, proposals, membership changes and leadership transfer.
 */
import { applyConfigChange, decodeConfigEntry, isVoter, sameConfig } from './membership.js';
import { ConfigChangeType, EntryType, MessageType, NO_NODE } from './messages.js';
import type { AppendResponseMessage, Entry, EntryType as EntryTypeT, Message, NodeId } from './messages.js';
import { ProgressState } from './progress.js';
import type { Progress } from './progress.js';
import type { Raft } from './raft.js';
import { Role } from './role.js';

/** One entry to propose; the leader assigns index and term. */
export interface Proposal {
  readonly type: EntryTypeT;
  readonly data: Uint8Array;
}

/** Why a proposal was refused. */
export const ProposeRejection = {
  /** Not the leader: send it to `leader` (NO_NODE if unknown). */
  NotLeader: 'notLeader',
  /** A leadership transfer is in progress: retry on the new leader. */
  Transferring: 'transferring',
  /** An earlier membership change has not committed yet. */
  ConfigPending: 'configPending',
  /** The change adds a present voter, removes an absent one, removes the last voter, or comes with another. */
  InvalidConfigChange: 'invalidConfigChange',
} as const;
export type ProposeRejection = (typeof ProposeRejection)[keyof typeof ProposeRejection];

/** Outcome of a proposal. Accepted entries are in the leader's log, not yet committed. */
export type ProposeResult =
  | { readonly ok: true; readonly term: number; readonly firstIndex: number; readonly lastIndex: number }
  | { readonly ok: false; readonly reason: ProposeRejection; readonly leader: NodeId };

export function stepLeader(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from);
  if (pr === undefined) return;
  if (m.type === MessageType.AppendResponse) {
    handleAppendResponse(r, m, pr);
  } else if (m.type === MessageType.HeartbeatResponse) {
    pr.recentActive = true;
    pr.probeSent = false;
    // The follower is alive: if a snapshot or an ack was lost, retry instead of waiting forever.
    if (pr.state === ProgressState.Snapshot) pr.becomeProbe();
    if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < r.log.lastIndex()) sendAppend(r, m.from);
  }
  // Anything else at our term (late vote answers, another TimeoutNow) needs nothing from a leader.
}

function handleAppendResponse(r: Raft, m: AppendResponseMessage, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject) {
    // Raft §5.3 with fast backtracking: skip every entry whose term cannot match the follower's hint.
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      sendAppend(r, m.from);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  const updated = pr.maybeUpdate(m.index);
  if (!updated && !(pr.state === ProgressState.Probe && pr.match === m.index)) return;
  if (pr.state === ProgressState.Probe) {
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Snapshot) {
    if (pr.match + 1 >= r.log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    }
  } else {
    pr.inflights.freeLE(m.index);
  }
  if (maybeCommit(r)) {
    commitAdvanced(r);
    if (r.role !== Role.Leader) return;
  } else if (wasPaused) {
    sendAppend(r, m.from);
  }
  while (sendAppend(r, m.from, false)) {
    // Fill the follower's window.
  }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from);
}

/**
 * Sends the follower what it lacks from its `next` index: entries, or a snapshot if they are compacted.
 * With `sendIfEmpty` false, sends nothing when there are no entries. Returns whether a message went out.
 */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty = true): boolean {
  const pr = r.tracker.progress.get(to);
  if (pr === undefined || to === r.id || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  const entries = prevTerm === undefined ? null : r.log.entriesFrom(pr.next, r.maxMsgBytes);
  if (prevTerm === undefined || entries === null) {
    if (prevIndex > r.log.lastIndex()) {
      throw new Error(`progress of ${String(to)} is past the log: next ${String(pr.next)}`);
    }
    return sendSnapshot(r, to, pr);
  }
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({ type: MessageType.Append, to, index: prevIndex, logTerm: prevTerm, entries, commit: r.log.committed });
  pr.sentEntries(entries.at(-1)?.index);
  return true;
}

function sendSnapshot(r: Raft, to: NodeId, pr: Progress): boolean {
  // A follower that does not answer would not install it either; wait until it shows up.
  if (!pr.recentActive) return false;
  const snapshot = r.log.snapshot();
  pr.becomeSnapshot(snapshot.index);
  r.send({ type: MessageType.Snapshot, to, snapshot });
  return true;
}

export function bcastAppend(r: Raft): void {
  for (const id of r.tracker.progress.keys()) {
    if (id !== r.id) sendAppend(r, id);
  }
}

export function bcastHeartbeat(r: Raft): void {
  for (const [id, pr] of r.tracker.progress) {
    if (id === r.id) continue;
    // Never tell a follower to commit past what it is known to hold: its log beyond may still diverge.
    r.send({ type: MessageType.Heartbeat, to: id, commit: Math.min(pr.match, r.log.committed) });
  }
}

/** Raft §5.4.2: advance the commit index to what a majority holds, if that entry is from this term. */
export function maybeCommit(r: Raft): boolean {
  return r.log.maybeCommit(r.tracker.committed(), r.term);
}

/** After the commit index moved: tell followers, and step down if a committed change removed us. */
export function commitAdvanced(r: Raft): void {
  bcastAppend(r);
  // Thesis §4.2.2: a leader removed from the config leads until that config commits, then steps down.
  if (!r.tracker.isVoter(r.id) && r.log.committed >= r.configIndex) r.becomeFollower(r.term, NO_NODE);
}

/** The leader's own entries reached stable storage up to `index`: count them towards commit. */
export function selfPersisted(r: Raft, index: number): void {
  if (r.role !== Role.Leader) return;
  const self = r.tracker.progress.get(r.id);
  if (self === undefined || !self.maybeUpdate(index)) return;
  if (maybeCommit(r)) commitAdvanced(r);
}

/** Appends proposals to the leader's log and starts replicating them. */
export function propose(r: Raft, proposals: readonly Proposal[]): ProposeResult {
  if (proposals.length === 0) throw new RangeError('propose needs at least one entry');
  if (r.role !== Role.Leader) return { ok: false, reason: ProposeRejection.NotLeader, leader: r.lead };
  if (r.leadTransferee !== NO_NODE) return { ok: false, reason: ProposeRejection.Transferring, leader: r.id };
  const configs = proposals.filter((p) => p.type === EntryType.Config);
  if (configs.length > 0) {
    const rejection = checkConfigChange(r, configs);
    if (rejection !== null) return { ok: false, reason: rejection, leader: r.id };
  }
  const firstIndex = r.log.lastIndex() + 1;
  const entries: Entry[] = proposals.map((p, i) => ({
    index: firstIndex + i,
    term: r.term,
    type: p.type,
    data: p.data,
  }));
  r.appendToLog(entries);
  const lastIndex = firstIndex + entries.length - 1;
  for (const entry of entries) if (entry.type === EntryType.Config) r.pendingConfIndex = entry.index;
  // A removal can shrink the majority enough to commit at once.
  if (maybeCommit(r)) commitAdvanced(r);
  else bcastAppend(r);
  return { ok: true, term: r.term, firstIndex, lastIndex };
}

function checkConfigChange(r: Raft, configs: readonly Proposal[]): ProposeRejection | null {
  const [only, ...rest] = configs;
  if (only === undefined || rest.length > 0) return ProposeRejection.InvalidConfigChange;
  if (r.pendingConfIndex > r.log.committed) return ProposeRejection.ConfigPending;
  let decoded;
  try {
    decoded = decodeConfigEntry(only.data);
  } catch {
    return ProposeRejection.InvalidConfigChange;
  }
  const { change, config } = decoded;
  const current = r.tracker.config;
  const present = isVoter(current, change.nodeId);
  if (change.type === ConfigChangeType.AddVoter && present) return ProposeRejection.InvalidConfigChange;
  if (change.type === ConfigChangeType.RemoveVoter && (!present || current.voters.length === 1)) {
    return ProposeRejection.InvalidConfigChange;
  }
  // The entry must carry exactly this one change applied to the current membership.
  if (!sameConfig(config, applyConfigChange(current, change))) return ProposeRejection.InvalidConfigChange;
  return null;
}

/**
 * Thesis §3.10: bring `target` up to date, then tell it to campaign at once. Proposals are refused while
 * the transfer runs; it is abandoned after an election timeout. Returns whether a transfer is under way
 * (or `target` is already this leader).
 */
export function transferLeadership(r: Raft, target: NodeId): boolean {
  if (r.role !== Role.Leader) return false;
  if (target === r.id) {
    r.leadTransferee = NO_NODE;
    return true;
  }
  const pr = r.tracker.progress.get(target);
  if (pr === undefined) return false;
  if (r.leadTransferee === target) return true;
  r.electionElapsed = 0;
  r.leadTransferee = target;
  if (pr.match === r.log.lastIndex()) sendTimeoutNow(r, target);
  else sendAppend(r, target);
  return true;
}

function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send({ type: MessageType.TimeoutNow, to });
}

/** The driver could not reach `id`: stop streaming to it and probe again. */
export function reportUnreachable(r: Raft, id: NodeId): void {
  const pr = r.role === Role.Leader ? r.tracker.progress.get(id) : undefined;
  if (pr?.state === ProgressState.Replicate) pr.becomeProbe();
}
