/**
 * Raft's safety properties (Raft paper, figure 3), checked against every replica as the simulation runs:
 * - election safety: at most one leader per term, ever;
 * - log matching: an (index, term) pair names one entry, with one predecessor term, on every replica and
 *   at every time (checked as entries enter a log; by induction that is the whole property);
 * - leader completeness: an entry committed in term T is in the log of every leader of a term > T;
 * - state machine safety: every replica applies the same entry at an index, in index order, every time;
 * - durable commitment: no replica that lacks the newest committed entry could collect a majority of votes
 *   (on its own config), from its log in memory or on disk, against voters' logs in memory or on disk. This
 *   flags an unsafe commit (Raft §5.4.2, figure 8) when it happens, not only once a later leader loses it.
 */
import { EntryType } from '../../broker/raft/index.js';
import type { Entry, NodeId, SnapshotMeta } from '../../broker/raft/index.js';
import type { Raft } from '../../broker/raft/raft.js';

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
}

/** What a replica's log looks like, in memory or on disk, for election arithmetic. */
export interface LogView {
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Term at `index`, undefined outside [firstIndex - 1, lastIndex]. */
  term(index: number): number | undefined;
  readonly voters: readonly NodeId[];
}

export interface ReplicaView {
  readonly id: NodeId;
  /** Null while the replica is down. */
  readonly memory: LogView | null;
  readonly disk: LogView;
}

interface KnownEntry {
  readonly key: string;
  readonly prevTerm: number;
}

interface CommittedEntry {
  readonly term: number;
  readonly key: string;
  /** Lowest term of a leader seen holding it committed: leaders of later terms must have it. */
  commitTerm: number;
}

/** A short, comparable identity of an entry's content. */
export function entryKey(entry: Entry): string {
  if (entry.type === EntryType.Noop) return 'noop';
  let hex = '';
  for (const byte of entry.data) hex += byte.toString(16).padStart(2, '0');
  return `${entry.type === EntryType.Config ? 'cfg' : 'd'}:${hex}`;
}

export class SafetyChecker {
  private readonly leaders = new Map<number, NodeId>();
  private readonly entries = new Map<string, KnownEntry>();
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly committedByKey = new Map<string, number>();
  private maxCommitted = 0;
  /** The highest-index committed entry seen. */
  private highest: { index: number; term: number } | null = null;
  checks = 0;

  /** Election safety; returns true if `raft` is a leader this checker had not seen for its term yet. */
  observeRole(raft: Raft): boolean {
    if (raft.role !== 'leader') return false;
    const known = this.leaders.get(raft.term);
    if (known === undefined) {
      this.leaders.set(raft.term, raft.id);
      return true;
    }
    if (known !== raft.id) {
      throw new SafetyViolation(`election safety: ${known} and ${raft.id} both leaders of term ${raft.term}`);
    }
    return false;
  }

  /** Log matching for entries that are new in `raft`'s log (its unstable tail). */
  observeUnstable(raft: Raft): void {
    const unstable = raft.log.unstable.entries;
    for (const entry of unstable) this.observeEntry(raft, entry);
  }

  /** Log matching for every entry `raft` holds (periodic full check). */
  observeWholeLog(raft: Raft): void {
    const log = raft.log;
    const first = log.firstIndex();
    const last = log.lastIndex();
    if (last < first) return;
    for (const entry of log.slice(first, last + 1, Number.MAX_SAFE_INTEGER)) this.observeEntry(raft, entry);
  }

  private observeEntry(raft: Raft, entry: Entry): void {
    this.checks++;
    const prevTerm = raft.log.term(entry.index - 1);
    if (prevTerm === undefined) throw new SafetyViolation(`node ${raft.id}: no term before entry ${entry.index}`);
    const id = `${entry.index}:${entry.term}`;
    const key = entryKey(entry);
    const known = this.entries.get(id);
    if (known === undefined) {
      this.entries.set(id, { key, prevTerm });
    } else if (known.key !== key || known.prevTerm !== prevTerm) {
      throw new SafetyViolation(
        `log matching: node ${raft.id} entry (${id}) is ${key} after term ${prevTerm}, ` +
          `elsewhere ${known.key} after term ${known.prevTerm}`,
      );
    }
    const committed = this.committed.get(entry.index);
    if (committed !== undefined && entry.index <= raft.log.committed && committed.term !== entry.term) {
      throw new SafetyViolation(
        `node ${raft.id} holds committed index ${entry.index} with term ${entry.term}, not ${committed.term}`,
      );
    }
  }

  /** Records entries a leader holds committed (the first leader to show an index committed fixes it). */
  observeLeaderCommit(raft: Raft): void {
    if (raft.role !== 'leader') return;
    const upTo = raft.log.committed;
    const from = Math.max(raft.log.firstIndex(), this.maxCommitted + 1);
    if (upTo < from) return;
    for (const entry of raft.log.slice(from, upTo + 1, Number.MAX_SAFE_INTEGER)) {
      this.recordCommitted(raft.id, entry, raft.term);
    }
    this.maxCommitted = upTo;
  }

  /** Leader completeness for `raft`, a leader: every entry committed before its term is in its log. */
  checkLeaderCompleteness(raft: Raft): void {
    const first = raft.log.firstIndex();
    for (const [index, entry] of this.committed) {
      if (entry.commitTerm >= raft.term || index < first) continue;
      const term = raft.log.term(index);
      if (term !== entry.term) {
        throw new SafetyViolation(
          `leader completeness: leader ${raft.id} of term ${raft.term} has term ${String(term)} at ${index}, ` +
            `committed in term ${entry.commitTerm} with term ${entry.term}`,
        );
      }
    }
    // Entries below the leader's first index are covered by its snapshot, checked in observeSnapshot.
  }

  /** State machine safety: `entry` applied by `node` right after `appliedIndex`. */
  observeApply(node: NodeId, entry: Entry, appliedIndex: number, term: number): void {
    if (entry.index !== appliedIndex + 1) {
      throw new SafetyViolation(`node ${node} applied ${entry.index} right after ${appliedIndex}`);
    }
    this.recordCommitted(node, entry, term);
  }

  /** A snapshot installed by `node` must sit on a committed entry. */
  observeSnapshot(node: NodeId, snapshot: SnapshotMeta): void {
    const committed = this.committed.get(snapshot.index);
    if (committed !== undefined && committed.term !== snapshot.term) {
      throw new SafetyViolation(
        `node ${node} installed snapshot (${snapshot.index}, ${snapshot.term}) over committed term ${committed.term}`,
      );
    }
  }

  private recordCommitted(node: NodeId, entry: Entry, term: number): void {
    const key = entryKey(entry);
    const existing = this.committed.get(entry.index);
    if (existing === undefined) {
      this.committed.set(entry.index, { term: entry.term, key, commitTerm: term });
      this.committedByKey.set(key, entry.index);
      if (this.highest === null || this.highest.index < entry.index) {
        this.highest = { index: entry.index, term: entry.term };
      }
      return;
    }
    if (existing.term !== entry.term || existing.key !== key) {
      throw new SafetyViolation(
        `state machine safety: node ${node} has ${key} (term ${entry.term}) committed at ${entry.index}, ` +
          `elsewhere ${existing.key} (term ${existing.term})`,
      );
    }
    if (term < existing.commitTerm) existing.commitTerm = term;
  }

  /** Durable commitment (see the file comment). */
  checkCommitDurable(replicas: readonly ReplicaView[]): void {
    const top = this.highest;
    if (top === null) return;
    for (const candidate of replicas) {
      for (const log of [candidate.memory, candidate.disk]) {
        if (log === null || !log.voters.includes(candidate.id) || holds(log, top)) continue;
        let votes = 0;
        for (const id of log.voters) {
          const voter = id === candidate.id ? undefined : replicas.find((r) => r.id === id);
          if (id === candidate.id) votes++;
          else if (voter !== undefined && grants(log, voter)) votes++;
        }
        if (votes >= Math.floor(log.voters.length / 2) + 1) {
          this.checks++;
          throw new SafetyViolation(
            `durable commitment: node ${candidate.id} (${log === candidate.memory ? 'memory' : 'disk'}: last ` +
              `${log.lastIndex}/${log.lastTerm}) lacks committed entry ${top.index}/${top.term} yet could win ` +
              `${votes} of [${log.voters.join(',')}]`,
          );
        }
      }
    }
  }

  /** Index at which an entry with this key is known committed (keys of normal entries are unique). */
  committedIndexOf(key: string): number | undefined {
    return this.committedByKey.get(key);
  }

  committedCount(): number {
    return this.committed.size;
  }
}

function holds(log: LogView, entry: { index: number; term: number }): boolean {
  // A compacted prefix is committed, hence (state machine safety) the same as everyone's.
  if (entry.index < log.firstIndex) return true;
  return log.term(entry.index) === entry.term;
}

function atLeastAsUpToDate(a: LogView, b: LogView): boolean {
  return a.lastTerm > b.lastTerm || (a.lastTerm === b.lastTerm && a.lastIndex >= b.lastIndex);
}

/** Whether `voter` could grant a vote to a candidate with `log`, in whichever state (memory or disk) it is weaker. */
function grants(log: LogView, voter: ReplicaView): boolean {
  return atLeastAsUpToDate(log, voter.disk) || (voter.memory !== null && atLeastAsUpToDate(log, voter.memory));
}
