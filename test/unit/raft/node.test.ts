// RaftNode: the Ready/advance contract the driver relies on.
import t from 'tap';
import { Packr } from 'msgpackr';
import { MemoryStorage, RaftNode, createRng } from '../../../broker/raft/index.js';
import type { Message } from '../../../broker/raft/index.js';
import { TestCluster, bytes, drain, entry, paperOptions, soloRaft, storageWithTerms, text } from './helpers.js';

void t.test('ready() carries the vote in hardState together with the reply that depends on it', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(1, storage);
  node.step({ type: 'vote', from: 2, to: 1, term: 3, index: 0, logTerm: 0, transfer: false });
  const rd = node.ready();
  t.same(rd.hardState, { term: 3, vote: 2, commit: 0 });
  t.match(rd.messages, [{ type: 'voteResp', to: 2, reject: false }]);
  node.advance();
  t.notOk(node.hasReady(), 'nothing left');
  node.tick();
  t.notOk(node.hasReady(), 'unchanged hard state is not repeated');
  t.end();
});

void t.test('a single-voter group: campaign, propose, commit and apply through Readies', (t) => {
  const storage = new MemoryStorage([1]);
  const node = soloRaft(1, storage);
  node.campaign();
  t.equal(node.raft.role, 'leader');
  const first = node.ready();
  t.match(first.softState, { role: 'leader', leader: 1 });
  t.match(first.entries, [{ index: 1, type: 'noop' }]);
  t.same(first.committedEntries, [], 'not committed before it is persisted');
  storage.append(first.entries);
  if (first.hardState !== null) storage.setHardState(first.hardState);
  node.advance();
  const result = node.propose([bytes('a'), bytes('b')]);
  t.same(result, { ok: true, term: 1, firstIndex: 2, lastIndex: 3 });
  const persist = node.ready();
  t.same(
    persist.entries.map((e) => text(e.data)),
    ['a', 'b'],
  );
  t.same(
    persist.committedEntries.map((e) => e.index),
    [1],
    'the no-op committed once persisted',
  );
  storage.append(persist.entries);
  if (persist.hardState !== null) storage.setHardState(persist.hardState);
  node.advance();
  const apply = node.ready();
  t.same(
    apply.committedEntries.map((e) => text(e.data)),
    ['a', 'b'],
  );
  t.match(apply.hardState, { commit: 3 });
  node.advance();
  t.equal(node.status().applied, 3);
  t.end();
});

void t.test('ready() cannot be taken twice; hasReady() is false until advance()', (t) => {
  const node = soloRaft(1, new MemoryStorage([1]));
  node.campaign();
  t.ok(node.hasReady());
  node.ready();
  t.notOk(node.hasReady());
  t.throws(() => node.ready(), /before advance/);
  node.advance();
  t.throws(() => {
    node.advance();
  }, /without a ready/);
  t.end();
});

void t.test('entries replaced between ready() and advance() are not marked stable', (t) => {
  const storage = storageWithTerms([1, 2], [1]);
  const node = soloRaft(2, storage);
  node.step({
    type: 'app',
    from: 1,
    to: 2,
    term: 2,
    index: 1,
    logTerm: 1,
    entries: [entry(2, 2), entry(3, 2)],
    commit: 1,
  });
  const rd = node.ready();
  t.same(
    rd.entries.map((e) => e.index),
    [2, 3],
  );
  // Before the disk write completes, a new leader replaces entry 2 onwards.
  node.step({ type: 'app', from: 3, to: 2, term: 3, index: 1, logTerm: 1, entries: [entry(2, 3)], commit: 1 });
  storage.append(rd.entries);
  if (rd.hardState !== null) storage.setHardState(rd.hardState);
  node.advance();
  const next = node.ready();
  t.same(
    next.entries.map((e) => [e.index, e.term]),
    [[2, 3]],
    'the replacement is handed out again',
  );
  t.match(next.messages, [{ type: 'appResp', to: 3, index: 2 }], 'and acknowledged only once it is persisted');
  storage.append(next.entries);
  node.advance();
  t.equal(storage.lastIndex(), 2, 'stored suffix 3 dropped');
  t.equal(storage.term(2), 3);
  t.end();
});

void t.test('restart rebuilds from storage only: unpersisted entries and votes are gone', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(2, storage);
  node.step({ type: 'app', from: 1, to: 2, term: 1, index: 0, logTerm: 0, entries: [entry(1, 1)], commit: 0 });
  drain(node, storage);
  node.step({ type: 'app', from: 1, to: 2, term: 1, index: 1, logTerm: 1, entries: [entry(2, 1)], commit: 1 });
  node.step({ type: 'vote', from: 3, to: 2, term: 2, index: 2, logTerm: 1, transfer: false });
  // Crash before that Ready is persisted.
  const restarted = soloRaft(2, storage);
  t.equal(restarted.raft.log.lastIndex(), 1);
  t.equal(restarted.raft.term, 1);
  t.equal(restarted.raft.vote, 0);
  const rd = restarted.ready();
  t.same(rd.committedEntries, [], 'commit 0 was persisted, so nothing to apply');
  t.end();
});

void t.test('restart re-applies committed entries after the applied index given', (t) => {
  const storage = storageWithTerms([1], [1, 1, 1]);
  storage.setHardState({ term: 1, vote: 1, commit: 3 });
  const fresh = soloRaft(1, storage);
  t.same(
    fresh.ready().committedEntries.map((e) => e.index),
    [1, 2, 3],
  );
  const resumed = new RaftNode({ ...paperOptions, id: 1, storage, rng: createRng(1), applied: 2 });
  t.same(
    resumed.ready().committedEntries.map((e) => e.index),
    [3],
  );
  t.end();
});

void t.test('committed entries are paged by maxCommittedBytesPerReady', (t) => {
  const storage = storageWithTerms([1], [1, 1, 1, 1]);
  storage.setHardState({ term: 1, vote: 1, commit: 4 });
  const node = new RaftNode({ ...paperOptions, id: 1, storage, rng: createRng(1), maxCommittedBytesPerReady: 1 });
  const pages: number[][] = [];
  while (node.hasReady()) {
    pages.push(node.ready().committedEntries.map((e) => e.index));
    node.advance();
  }
  t.same(pages, [[1], [2], [3], [4]]);
  t.end();
});

void t.test('propose on a follower is refused with the leader to retry at', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  t.same(c.node(2).propose([bytes('x')]), { ok: false, reason: 'notLeader', leader: 1 });
  t.throws(() => c.node(1).propose([]), RangeError);
  t.end();
});

void t.test('status() reports role, terms, indices and follower progress', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.propose(1, 'x');
  const status = c.node(1).status();
  t.match(status, { id: 1, role: 'leader', term: 1, leader: 1, commit: 2, applied: 2, firstIndex: 1, lastIndex: 2 });
  t.same(status.config.voters, [1, 2, 3]);
  t.same(
    status.progress.map((p) => [p.id, p.match, p.state]),
    [
      [1, 2, 'replicate'],
      [2, 2, 'replicate'],
      [3, 2, 'replicate'],
    ],
  );
  t.same(c.node(2).status().progress, [], 'followers track no progress');
  t.end();
});

void t.test('every message type survives a msgpack round trip unchanged', (t) => {
  const c = new TestCluster([1, 2, 3], { ...paperOptions, preVote: true, checkQuorum: true });
  const seen = new Map<string, Message>();
  c.intercept = (m) => {
    seen.set(m.type, m);
    return m;
  };
  c.elect(1);
  c.propose(1, 'x');
  c.tickAll(2);
  c.node(1).transferLeadership(2);
  c.stabilize();
  c.isolate(3);
  c.propose(2, 'y', 'z');
  c.storage(2).compact(4);
  c.recover();
  c.tickAll(2);
  const packr = new Packr({ useRecords: false });
  const types = [...seen.keys()].sort();
  t.same(types, [
    'app',
    'appResp',
    'heartbeat',
    'heartbeatResp',
    'preVote',
    'preVoteResp',
    'snap',
    'timeoutNow',
    'vote',
    'voteResp',
  ]);
  for (const m of seen.values()) {
    const copy = packr.unpack(packr.pack(m)) as Message;
    t.same(copy, m, `${m.type} round-trips`);
  }
  t.end();
});

void t.test('reportUnreachable sends a streaming follower back to probing', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  t.equal(c.raft(1).tracker.progress.get(2)?.state, 'replicate');
  c.node(1).reportUnreachable(2);
  t.equal(c.raft(1).tracker.progress.get(2)?.state, 'probe');
  t.end();
});

void t.test('options are validated', (t) => {
  const storage = new MemoryStorage([1]);
  t.throws(() => new RaftNode({ id: 0, storage, rng: createRng(1) }), RangeError);
  t.throws(() => new RaftNode({ id: 1, storage, rng: createRng(1), electionTicks: 1, heartbeatTicks: 1 }), RangeError);
  const bad = storageWithTerms([1], [1]);
  bad.setHardState({ term: 1, vote: 0, commit: 5 });
  t.throws(() => new RaftNode({ id: 1, storage: bad, rng: createRng(1) }), /commit 5 outside/);
  t.end();
});
