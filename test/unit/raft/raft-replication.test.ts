// Raft §5.3 (log replication), §5.4.2 (committing entries from previous terms), §8 (leader no-op).
import t from 'tap';
import { MemoryStorage } from '../../../broker/raft/index.js';
import type { AppendMessage, AppendResponseMessage, Message } from '../../../broker/raft/index.js';
import { TestCluster, bytes, drain, entry, paperOptions, soloRaft, storageWithTerms } from './helpers.js';

function append(
  from: number,
  to: number,
  term: number,
  index: number,
  logTerm: number,
  entries = [] as AppendMessage['entries'],
  commit = 0,
): AppendMessage {
  return { type: 'app', from, to, term, index, logTerm, entries, commit };
}

function appendResponses(messages: readonly Message[]): AppendResponseMessage[] {
  return messages.filter((m): m is AppendResponseMessage => m.type === 'appResp');
}

void t.test('§8 a new leader appends a no-op entry of its term', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  const noop = c.raft(1).log.slice(1, 2, Infinity)[0];
  t.match(noop, { index: 1, term: 1, type: 'noop' });
  t.equal(c.raft(1).log.committed, 1, 'committed once a majority stored it');
  t.equal(c.raft(2).log.lastIndex(), 1);
  t.end();
});

void t.test('§5.3 leader replicates entries and commits once a majority stores them', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'x', 'y');
  t.equal(c.raft(1).log.committed, 3, 'leader and node 2 are a majority');
  t.equal(c.raft(2).log.committed, 3, 'follower learns commit from the next append');
  t.same(c.appliedData(1), ['x', 'y']);
  t.same(c.appliedData(2), ['x', 'y']);
  t.same(c.appliedData(3), [], 'isolated node has nothing');
  c.recover();
  c.tickAll(1);
  t.same(c.appliedData(3), ['x', 'y'], 'catches up after the partition heals');
  t.end();
});

void t.test('§5.3 leader does not commit without a majority', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(2);
  c.isolate(3);
  c.node(1).propose([bytes('x')]);
  c.stabilize();
  t.equal(c.raft(1).log.lastIndex(), 2);
  t.equal(c.raft(1).log.committed, 1);
  t.end();
});

void t.test('§5.3 follower rejects an append whose previous entry does not match, with a hint', (t) => {
  // Follower log terms [1, 1, 2, 2]; leader (term 4) probes (4, 3).
  const storage = storageWithTerms([1, 2], [1, 1, 2, 2]);
  const node = soloRaft(2, storage);
  node.step(append(1, 2, 4, 4, 3));
  const [reply] = appendResponses(drain(node, storage));
  // Every follower entry with a term above 3 could not match; (4, 2) is the highest candidate.
  t.match(reply, { reject: true, index: 4, rejectHint: 4, logTerm: 2 });
  node.step(append(1, 2, 4, 6, 3));
  const [beyond] = appendResponses(drain(node, storage));
  t.match(beyond, { reject: true, index: 6, rejectHint: 4, logTerm: 2 }, 'probe beyond our log: hint at our end');
  node.step(append(1, 2, 4, 3, 1));
  const [older] = appendResponses(drain(node, storage));
  t.match(older, { reject: true, index: 3, rejectHint: 2, logTerm: 1 }, 'skips all of term 2 at once');
  t.end();
});

void t.test('§5.3 follower truncates conflicting suffix', (t) => {
  const storage = storageWithTerms([1, 2], [1, 1, 2, 2, 2]);
  const node = soloRaft(2, storage);
  node.step(append(1, 2, 3, 2, 1, [entry(3, 3, 'new3'), entry(4, 3, 'new4')], 0));
  const [reply] = appendResponses(drain(node, storage));
  t.match(reply, { reject: false, index: 4 });
  t.equal(storage.lastIndex(), 4, 'stored index 5 is gone');
  t.same(
    [1, 2, 3, 4].map((i) => storage.term(i)),
    [1, 1, 3, 3],
  );
  t.end();
});

void t.test('§5.3 follower keeps its log when an append repeats entries it has', (t) => {
  const storage = storageWithTerms([1, 2], [1, 1, 2]);
  const node = soloRaft(2, storage);
  // A delayed, shorter append must not truncate entries after it (they may be newer).
  node.step(append(1, 2, 2, 1, 1, [entry(2, 1)], 0));
  const [reply] = appendResponses(drain(node, storage));
  t.match(reply, { reject: false, index: 2 });
  t.equal(node.raft.log.lastIndex(), 3);
  t.end();
});

void t.test('§5.3 follower commits only up to the last entry the append vouches for', (t) => {
  // Follower holds a stale suffix (terms 2) beyond what the leader of term 3 has sent so far.
  const storage = storageWithTerms([1, 2], [1, 1, 2, 2]);
  const node = soloRaft(2, storage);
  node.step(append(1, 2, 3, 1, 1, [entry(2, 1)], 4));
  drain(node, storage);
  t.equal(node.raft.log.committed, 2, 'not 4: entries 3 and 4 may not be the leader’s');
  t.end();
});

void t.test('§5.3 heartbeat never lets a follower commit past what the leader knows it holds', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'x');
  c.recover();
  // Drop appends so that only heartbeats reach node 3, which holds the no-op (1) but not 'x' (2).
  c.intercept = (m) => (m.type === 'app' ? null : m);
  c.tickAll(1);
  t.equal(c.raft(1).log.committed, 2);
  const heartbeat = c.delivered.filter((m) => m.type === 'heartbeat' && m.to === 3).at(-1);
  t.match(heartbeat, { commit: 1 }, 'commit capped at node 3’s match (1)');
  t.equal(c.raft(3).log.committed, 1);
  t.end();
});

void t.test('§5.3 leader repairs divergent followers (figure 7 shapes)', (t) => {
  // Leader log for term 8: terms [1,1,1,4,4,5,5,6,6,6]; followers (a)-(f) from the paper's figure 7.
  const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: number[][] = [
    [1, 1, 1, 4, 4, 5, 5, 6, 6],
    [1, 1, 1, 4],
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    [1, 1, 1, 4, 4, 4, 4],
    [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  ];
  for (const [i, followerTerms] of followers.entries()) {
    const storages = new Map<number, MemoryStorage>([
      [1, storageWithTerms([1, 2, 3], leaderTerms, 7)],
      [2, storageWithTerms([1, 2, 3], followerTerms, 7)],
      [3, storageWithTerms([1, 2, 3], leaderTerms, 7)],
    ]);
    const c = new TestCluster([1, 2, 3], paperOptions, storages);
    c.elect(1);
    t.equal(c.raft(1).role, 'leader', `case ${'abcdef'[i]}: leader elected`);
    c.tickAll(2);
    t.same(c.logTerms(2), c.logTerms(1), `case ${'abcdef'[i]}: follower log equals leader log`);
  }
  t.end();
});

void t.test('§5.3 fast backtracking: a divergent term costs one round trip, not one per entry', (t) => {
  const storages = new Map<number, MemoryStorage>([
    [1, storageWithTerms([1, 2, 3], [1, 1, 1, 4, 4, 4, 4, 4, 4, 4], 5)],
    [2, storageWithTerms([1, 2, 3], [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3], 5)],
    [3, storageWithTerms([1, 2, 3], [1, 1, 1, 4, 4, 4, 4, 4, 4, 4], 5)],
  ]);
  const c = new TestCluster([1, 2, 3], paperOptions, storages);
  c.elect(1);
  c.tickAll(1);
  const rejections = c.delivered.filter((m) => m.type === 'appResp' && m.from === 2 && m.reject);
  t.ok(rejections.length <= 2, `${rejections.length} rejections`);
  t.same(c.logTerms(2), c.logTerms(1));
  t.end();
});

/**
 * The starting logs of figure 8 (a)-(b), five voters at term 3: S1 led term 2 and put (2, t2) on S2 only; S5 led term 3
 * and appended (2, t3) that reached nobody.
 */
const FIGURE_8_VOTERS = [1, 2, 3, 4, 5];

function figure8Storages(): Map<number, MemoryStorage> {
  const voters = FIGURE_8_VOTERS;
  return new Map<number, MemoryStorage>([
    [1, storageWithTerms(voters, [1, 2], 3)],
    [2, storageWithTerms(voters, [1, 2], 3)],
    [3, storageWithTerms(voters, [1], 3)],
    [4, storageWithTerms(voters, [1], 3)],
    [5, storageWithTerms(voters, [1, 3], 3)],
  ]);
}

void t.test('§5.4.2 leader commits previous-term entries only via current-term entry (figure 8)', (t) => {
  const voters = FIGURE_8_VOTERS;
  const storages = figure8Storages();
  // One entry per append, so that (2, t2) can reach a majority before S1's own no-op does.
  const c = new TestCluster(voters, { ...paperOptions, maxMsgBytes: 1 }, storages);
  c.isolate(5);
  c.intercept = (m) => (m.type === 'app' ? { ...m, entries: m.entries.filter((e) => e.index < 3) } : m);
  // (c) S1 wins term 4 and replicates (2, t2) to S3 and S4: on a majority, yet not committed.
  c.elect(1);
  t.equal(c.raft(1).role, 'leader');
  t.equal(c.raft(1).term, 4);
  for (const id of [2, 3, 4]) t.equal(c.raft(id).log.term(2), 2, `S${id} holds (2, t2)`);
  t.equal(c.raft(1).log.committed, 0, 'counting replicas of a term-2 entry commits nothing');
  // (d) S1 fails; S5 wins term 5 (its last term 3 beats their 2) and overwrites index 2: no harm done.
  c.intercept = null;
  c.recover();
  c.isolate(1);
  c.elect(5);
  t.equal(c.raft(5).role, 'follower', 'term 4: the others already voted for S1');
  c.elect(5);
  t.equal(c.raft(5).role, 'leader');
  t.equal(c.raft(5).term, 5);
  for (const id of [2, 3, 4]) t.equal(c.raft(id).log.term(2), 3, `S${id} now holds (2, t3)`);
  for (const id of voters)
    t.notOk(
      (c.applied.get(id) ?? []).some((e) => e.index === 2 && e.term === 2),
      `S${id} never applied (2, t2)`,
    );
  t.end();
});

void t.test('§5.4.2 (figure 8e) once an entry of the current term commits, earlier entries commit with it', (t) => {
  const voters = FIGURE_8_VOTERS;
  const storages = figure8Storages();
  const c = new TestCluster(voters, paperOptions, storages);
  c.isolate(5);
  c.elect(1);
  t.equal(c.raft(1).log.committed, 3, 'no-op of term 4 on a majority commits (2, t2) too');
  c.recover();
  c.isolate(1);
  c.elect(5);
  t.not(c.raft(5).role, 'leader', 'S5 can no longer win: a majority has a term-4 entry');
  t.end();
});

void t.test('flow control: a replicating follower gets at most maxInflightMsgs appends before acking', (t) => {
  const c = new TestCluster([1, 2], { ...paperOptions, maxMsgBytes: 1, maxInflightMsgs: 2 });
  c.elect(1);
  t.equal(c.raft(1).tracker.progress.get(2)?.state, 'replicate');
  c.node(1).propose([bytes('a'), bytes('b'), bytes('c'), bytes('d'), bytes('e')]);
  const first = c.flush().filter((m) => m.type === 'app');
  t.equal(first.length, 1, 'a proposal triggers one append');
  const acks = c.deliver(first);
  const burst = c.deliver(acks).filter((m) => m.type === 'app');
  t.equal(burst.length, 2, 'the ack lets the leader fill a window of two');
  t.ok(c.raft(1).tracker.progress.get(2)?.isPaused(), 'then it waits');
  c.stabilize(c.deliver(burst));
  t.equal(c.raft(2).log.lastIndex(), 6, 'the rest follows as acks free the window');
  t.end();
});

void t.test('leader of a single-voter group commits once its own Ready is persisted', (t) => {
  const storage = new MemoryStorage([1]);
  const node = soloRaft(1, storage);
  node.campaign();
  t.equal(node.raft.role, 'leader');
  t.equal(node.raft.log.committed, 0, 'no-op not committed before it is persisted');
  const rd = node.ready();
  t.equal(rd.entries.length, 1);
  storage.append(rd.entries);
  node.advance();
  t.equal(node.raft.log.committed, 1);
  t.end();
});
