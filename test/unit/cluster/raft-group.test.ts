/**
 * RaftGroup, the driver of one replica: election jitter seeded from the broker's random source, the persist -> send
 * -> apply order of a Ready, proposals waiting on persistence and commit, and quiescence. Real partition logs (SQLite
 * in temp dirs); time is ticks given by hand.
 */
import t from 'tap';
import type { Test } from 'tap';
import { RaftGroup, type EntryRange, type GroupEvents } from '../../../broker/cluster/raft-group.js';
import { encodeBatchEntry } from '../../../broker/log/batch-entry.js';
import { plainBatch } from '../../../broker/log/batch.js';
import { PartitionLog } from '../../../broker/log/partition-log.js';
import { RaftLogStorage } from '../../../broker/log/raft-log-storage.js';
import { EntryType, MessageType, Role, createRng, type Message, type Rng } from '../../../broker/raft/index.js';
import { BrookError } from '../../../protocol/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ELECTION_TICKS = 10;

interface Opened {
  readonly group: RaftGroup;
  /** Messages the group sent, in order. */
  readonly sent: Message[];
  /** Committed high watermarks reported, in order. */
  readonly committed: number[];
  /** Handles every Ready the group has. */
  readonly drain: () => void;
  readonly log: PartitionLog;
}

function open(
  t: Test,
  options: {
    selfId?: number;
    voters?: number[];
    group?: string;
    random?: Rng;
    events?: Partial<GroupEvents>;
    asyncWrites?: boolean;
  } = {},
): Opened {
  const selfId = options.selfId ?? 1;
  const log = PartitionLog.openAlone(tempDir(t, 'raft-group-'), {
    flush: 'never',
    retentionMs: -1,
    retentionBytes: -1,
  });
  t.teardown(() => log.close());
  const sent: Message[] = [];
  const committed: number[] = [];
  const group = new RaftGroup({
    id: options.group ?? 'topic/0',
    selfId,
    storage: new RaftLogStorage(log, options.voters ?? [selfId]),
    electionTicks: ELECTION_TICKS,
    heartbeatTicks: 1,
    random: options.random ?? createRng(1),
    asyncWrites: options.asyncWrites ?? false,
    events: {
      committed: (endOffset) => committed.push(endOffset),
      leaderChanged: () => undefined,
      ...options.events,
    },
  });
  const drain = (): void => {
    while (group.hasReady()) {
      group.handleReady(
        (m) => sent.push(m),
        (err) => {
          if (err instanceof Error) throw err;
          if (err !== null) throw new Error('the Ready failed');
        },
      );
    }
  };
  return { group, sent, committed, drain, log };
}

/** Ticks (handling each Ready) until the replica campaigns; returns how many ticks that took. */
function ticksToCampaign(opened: Opened): number {
  for (let ticks = 1; ticks <= 3 * ELECTION_TICKS; ticks++) {
    opened.group.tick();
    opened.drain();
    if (opened.group.node.raft.role !== Role.Follower) return ticks;
  }
  throw new Error('never campaigned');
}

/** A single-voter group that has elected itself and committed its leader's empty entry. */
function soleLeader(t: Test, events: Partial<GroupEvents> = {}): Opened {
  const opened = open(t, { events });
  ticksToCampaign(opened);
  opened.drain();
  if (!opened.group.isLeader) throw new Error('a single voter did not elect itself');
  return opened;
}

function entry(value: string): Uint8Array {
  return encodeBatchEntry(plainBatch([{ key: null, value: new TextEncoder().encode(value), timestamp: 1 }]));
}

void t.test('election jitter comes from the injected random source: one seed, one timeout', (t) => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  const first = seeds.map((seed) => ticksToCampaign(open(t, { voters: [1, 2, 3], random: createRng(seed) })));
  const again = seeds.map((seed) => ticksToCampaign(open(t, { voters: [1, 2, 3], random: createRng(seed) })));
  t.same(again, first, 'the same seed gives the same election timeout');
  t.ok(new Set(first).size > 1, `different seeds give different timeouts (${first.join(',')})`);
  // Raft §5.2: timeouts are randomized within [electionTicks, 2 * electionTicks).
  t.ok(
    first.every((ticks) => ticks >= ELECTION_TICKS && ticks < 2 * ELECTION_TICKS),
    'every timeout within one election timeout of the base',
  );
  t.end();
});

void t.test('replicas of one group on brokers with the same seed still draw different timeouts', (t) => {
  const timeouts = [1, 2, 3].map((selfId) =>
    ticksToCampaign(open(t, { selfId, voters: [1, 2, 3], random: createRng(42) })),
  );
  t.ok(new Set(timeouts).size > 1, `the group and broker ids are mixed into the seed (${timeouts.join(',')})`);
  t.end();
});

void t.test('a proposal hears of persistence, then of its commit, with its offsets', (t) => {
  const { group, drain, committed } = soleLeader(t);
  const events: string[] = [];
  const ranges: EntryRange[] = [];
  const index = group.propose(
    entry('a'),
    (range) => {
      events.push('persisted');
      ranges.push(range);
    },
    (range) => {
      events.push('committed');
      ranges.push(range);
    },
    () => events.push('rejected'),
  );
  t.same(events, [], 'nothing before the Ready is handled');
  drain();
  t.same(events, ['persisted', 'committed'], 'persisted first, then committed (a sole voter commits at once)');
  t.equal(ranges[0]?.index, index);
  t.same(ranges[1], ranges[0], 'both callbacks get the same range');
  t.equal(committed.at(-1), (ranges[0]?.lastOffset ?? -2) + 1, 'the high watermark is the end of the batch');
  t.end();
});

void t.test('with asynchronous writes, nothing of a Ready is sent before the shard has stored it', async (t) => {
  const { group, sent, log } = open(t, { selfId: 1, voters: [1, 2, 3], asyncWrites: true });
  group.step({ type: MessageType.Vote, from: 2, to: 1, term: 5, index: 0, logTerm: 0, transfer: false });
  t.ok(group.hasReady(), 'the vote request needs a Ready: a new term and vote to store, an answer to send');
  const handled = new Promise<unknown>((resolve) => {
    group.handleReady((m) => sent.push(m), resolve);
  });
  t.same(sent, [], 'the vote is not answered while the writer holds the new term and vote');
  t.same(log.hardState, { term: 0, vote: 0, commit: 0 }, 'the log does not have them yet either');
  t.notOk(group.hasReady(), 'and no next Ready is handed out meanwhile');
  group.step({
    type: MessageType.Append,
    from: 2,
    to: 1,
    term: 5,
    index: 0,
    logTerm: 0,
    entries: [{ index: 1, term: 5, type: EntryType.Normal, data: entry('a') }],
    commit: 0,
  });
  t.equal(await handled, null, 'the write was answered');
  t.same(log.hardState, { term: 5, vote: 2, commit: 0 }, 'the term and vote are stored');
  t.same(
    sent.map((m) => [m.type, m.to, m.type === MessageType.VoteResponse && m.reject]),
    [[MessageType.VoteResponse, 2, false]],
    'then the vote is granted',
  );
  t.ok(group.hasReady(), 'the append that arrived meanwhile is the next Ready');
  const second = new Promise<unknown>((resolve) => {
    group.handleReady((m) => sent.push(m), resolve);
  });
  t.equal(sent.length, 1, 'its acknowledgement waits for the entry to be stored');
  t.equal(await second, null);
  t.equal(log.lastIndex, 1, 'the entry is stored');
  t.same(
    sent.slice(1).map((m) => [m.type, m.to]),
    [[MessageType.AppendResponse, 2]],
    'then acknowledged',
  );
});

void t.test('a follower refuses proposals with NOT_LEADER naming the leader it knows', (t) => {
  const { group, drain } = open(t, { selfId: 1, voters: [1, 2, 3] });
  t.throws(
    () => group.propose(entry('a'), null, null, () => undefined),
    { code: 'NOT_LEADER', leaderId: undefined },
    'no leader known yet',
  );
  group.step({ type: MessageType.Heartbeat, from: 2, to: 1, term: 1, commit: 0 });
  drain();
  t.equal(group.leader, 2, 'a heartbeat made broker 2 the known leader');
  let thrown: unknown;
  try {
    group.propose(entry('a'), null, null, () => undefined);
  } catch (err) {
    thrown = err;
  }
  t.ok(thrown instanceof BrookError && thrown.code === 'NOT_LEADER', 'refused');
  t.equal((thrown as BrookError).leaderId, 2, 'the error names the leader');
  t.end();
});

void t.test('failAll rejects every waiting proposal; a forgotten one no longer hears of its commit', (t) => {
  const { group, drain } = soleLeader(t);
  const outcomes: string[] = [];
  const forgotten = group.propose(
    entry('a'),
    () => outcomes.push('a persisted'),
    () => outcomes.push('a committed'),
    () => outcomes.push('a rejected'),
  );
  group.forget(forgotten);
  drain();
  t.same(outcomes, ['a persisted'], 'a forgotten proposal still learns its offsets, not its commit');
  group.propose(
    entry('b'),
    null,
    () => outcomes.push('b committed'),
    (err) => outcomes.push(`b rejected ${err.code}`),
  );
  group.failAll(new BrookError('SHUTTING_DOWN', 'stopping'));
  drain();
  t.same(outcomes, ['a persisted', 'b rejected SHUTTING_DOWN'], 'failAll rejected b, and b is not answered twice');
  t.end();
});

void t.test('an idle leader quiesces after a few idle ticks and wakes on a proposal or a message', (t) => {
  const { group, drain } = soleLeader(t);
  const live = (): boolean => true;
  t.notOk(group.shouldQuiesce(live), 'idle tick 1');
  t.notOk(group.shouldQuiesce(live), 'idle tick 2');
  t.ok(group.shouldQuiesce(live), 'quiesces on the third idle tick');
  t.ok(group.quiesced);
  t.notOk(group.tick(), 'a quiesced group does not tick');
  t.notOk(group.shouldQuiesce(live), 'and is not told to quiesce twice');

  group.propose(entry('a'), null, null, () => undefined);
  t.notOk(group.quiesced, 'a proposal wakes it');
  t.notOk(group.shouldQuiesce(live), 'a proposal waiting to persist keeps it awake');
  drain();
  t.notOk(group.shouldQuiesce(live), 'the idle count starts again after waking');
  t.notOk(group.shouldQuiesce(live));
  t.ok(group.shouldQuiesce(live), 'quiet again three idle ticks later');

  group.step({ type: MessageType.HeartbeatResponse, from: 2, to: 1, term: group.term });
  t.ok(group.quiesced, 'a heartbeat answer says nothing new: it stays quiesced');
  group.step({ type: MessageType.Heartbeat, from: 2, to: 1, term: group.term, commit: 0 });
  t.notOk(group.quiesced, 'any other message wakes it');
  t.end();
});

void t.test('a leader does not quiesce while a follower is behind or dead', (t) => {
  const { group, drain } = open(t, { voters: [1, 2] });
  group.node.campaign();
  drain();
  // Raft §5.2: broker 2 grants the (pre-)votes.
  for (const type of [MessageType.PreVoteResponse, MessageType.VoteResponse]) {
    group.step({
      type,
      from: 2,
      to: 1,
      term: group.term + (type === MessageType.PreVoteResponse ? 1 : 0),
      reject: false,
    });
    drain();
  }
  t.ok(group.isLeader, 'broker 1 leads with broker 2 as its follower');
  for (let i = 0; i < 5; i++)
    t.notOk(
      group.shouldQuiesce(() => true),
      'broker 2 does not hold the log yet',
    );
  const last = group.status().lastIndex;
  group.step({
    type: MessageType.AppendResponse,
    from: 2,
    to: 1,
    term: group.term,
    index: last,
    reject: false,
    rejectHint: 0,
    logTerm: 0,
  });
  drain();
  for (let i = 0; i < 5; i++)
    t.notOk(
      group.shouldQuiesce((id) => id !== 2),
      'broker 2 holds it but is dead',
    );
  t.notOk(group.shouldQuiesce(() => true));
  t.notOk(group.shouldQuiesce(() => true));
  t.ok(
    group.shouldQuiesce(() => true),
    'caught up and live: quiesces',
  );
  t.end();
});

void t.test('a follower quiesces only when its current leader says so, in its current term', (t) => {
  const { group, drain } = open(t, { voters: [1, 2, 3] });
  group.step({ type: MessageType.Heartbeat, from: 2, to: 1, term: 3, commit: 0 });
  drain();
  group.quiesceFromLeader(3, 3);
  t.notOk(group.quiesced, 'not from another broker');
  group.quiesceFromLeader(2, 2);
  t.notOk(group.quiesced, 'not from an older term');
  group.quiesceFromLeader(2, 3);
  t.ok(group.quiesced, 'from the leader in its term');
  t.notOk(group.tick(), 'a quiesced follower does not tick (so it never times out the leader)');
  t.end();
});
