// Raft §5.1, §5.2, §5.4.1: terms, leader election, the election restriction.
import t from 'tap';
import { MemoryStorage, NO_NODE } from '../../../broker/raft/index.js';
import type { Message, VoteMessage } from '../../../broker/raft/index.js';
import { TestCluster, drain, soloRaft, storageWithTerms } from './helpers.js';

function voteRequest(from: number, to: number, term: number, index: number, logTerm: number): VoteMessage {
  return { type: 'vote', from, to, term, index, logTerm, transfer: false };
}

void t.test('§5.2 follower starts election after election timeout', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(1, storage);
  t.equal(node.raft.role, 'follower');
  // The randomized timeout lies in [electionTicks, 2 * electionTicks).
  const timeout = node.raft.randomizedElectionTimeout;
  t.ok(timeout >= 10 && timeout < 20, `timeout ${timeout} in [10, 20)`);
  for (let i = 0; i < timeout - 1; i++) node.tick();
  t.equal(node.raft.role, 'follower', 'not before the timeout');
  node.tick();
  t.equal(node.raft.role, 'candidate');
  t.equal(node.raft.term, 1, 'term incremented');
  t.equal(node.raft.vote, 1, 'votes for itself');
  const sent = drain(node, storage);
  t.same(
    sent.map((m) => [m.type, m.to, m.term]),
    [
      ['vote', 2, 1],
      ['vote', 3, 1],
    ],
  );
  t.equal(storage.getHardState().vote, 1, 'vote persisted by the same Ready');
  t.end();
});

void t.test('§5.2 election timeouts are randomized per replica and reproducible per seed', (t) => {
  const timeouts = [1, 2, 3, 4, 5, 6].map(
    (id) => soloRaft(id, new MemoryStorage([1, 2, 3])).raft.randomizedElectionTimeout,
  );
  t.ok(new Set(timeouts).size > 1, `different timeouts ${timeouts.join(',')}`);
  const again = [1, 2, 3, 4, 5, 6].map(
    (id) => soloRaft(id, new MemoryStorage([1, 2, 3])).raft.randomizedElectionTimeout,
  );
  t.same(again, timeouts, 'same seeds, same timeouts');
  t.end();
});

void t.test('§5.2 candidate with votes from a majority becomes leader; others follow', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  t.equal(c.raft(1).role, 'leader');
  t.equal(c.raft(1).term, 1);
  for (const id of [2, 3]) {
    t.equal(c.raft(id).role, 'follower');
    t.equal(c.raft(id).lead, 1, `node ${id} knows the leader`);
    t.equal(c.raft(id).term, 1);
  }
  t.end();
});

void t.test('§5.2 candidate without a majority does not become leader', (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]);
  c.isolate(1);
  c.elect(1);
  t.equal(c.raft(1).role, 'candidate');
  c.recover();
  c.cutLink(1, 2);
  c.cutLink(1, 3);
  c.cutLink(1, 4);
  c.elect(1);
  t.equal(c.raft(1).role, 'candidate', 'one vote of five is not enough');
  t.end();
});

void t.test('§5.2 candidate steps down when a leader of the same term appends', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(1, storage);
  node.campaign();
  t.equal(node.raft.role, 'candidate');
  node.step({ type: 'app', from: 2, to: 1, term: 1, index: 0, logTerm: 0, entries: [], commit: 0 });
  t.equal(node.raft.role, 'follower');
  t.equal(node.raft.lead, 2);
  t.end();
});

void t.test('§5.2 candidate that loses (majority rejects) returns to follower', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(1, storage);
  node.campaign();
  node.step({ type: 'voteResp', from: 2, to: 1, term: 1, reject: true });
  t.equal(node.raft.role, 'candidate', 'one rejection of three: still pending');
  node.step({ type: 'voteResp', from: 3, to: 1, term: 1, reject: true });
  t.equal(node.raft.role, 'follower');
  t.equal(node.raft.term, 1, 'keeps the term');
  t.end();
});

void t.test('§5.2 each server votes for at most one candidate per term, first come first served', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(1, storage);
  node.step(voteRequest(2, 1, 1, 0, 0));
  node.step(voteRequest(3, 1, 1, 0, 0));
  node.step(voteRequest(2, 1, 1, 0, 0));
  const replies = drain(node, storage).map((m) => [m.to, m.type === 'voteResp' && !m.reject]);
  t.same(replies, [
    [2, true],
    [3, false],
    [2, true],
  ]);
  t.equal(storage.getHardState().vote, 2);
  t.end();
});

void t.test('§5.2 a restarted server remembers its vote (it was persisted before the reply)', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(1, storage);
  node.step(voteRequest(2, 1, 1, 0, 0));
  drain(node, storage);
  const restarted = soloRaft(1, storage);
  t.equal(restarted.raft.vote, 2);
  t.equal(restarted.raft.term, 1);
  restarted.step(voteRequest(3, 1, 1, 0, 0));
  const [reply] = drain(restarted, storage);
  t.match(reply, { type: 'voteResp', to: 3, reject: true }, 'no second vote in term 1 after restart');
  t.end();
});

void t.test('§5.1 a message with a higher term makes any role a follower of that term', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  t.equal(c.raft(1).role, 'leader');
  c.node(1).step({ type: 'heartbeat', from: 2, to: 1, term: 5, commit: 0 });
  t.equal(c.raft(1).role, 'follower');
  t.equal(c.raft(1).term, 5);
  t.equal(c.raft(1).lead, 2);
  t.equal(c.raft(1).vote, NO_NODE, 'vote cleared in the new term');
  t.end();
});

void t.test('§5.1 a message with a stale term is ignored', (t) => {
  const storage = storageWithTerms([1, 2, 3], [], 5);
  const node = soloRaft(1, storage);
  t.equal(node.raft.term, 5);
  node.step(voteRequest(2, 1, 3, 0, 0));
  node.step({ type: 'app', from: 2, to: 1, term: 4, index: 0, logTerm: 0, entries: [], commit: 0 });
  t.equal(node.raft.term, 5);
  t.equal(node.raft.vote, NO_NODE, 'no vote for a stale candidate');
  t.equal(node.raft.lead, NO_NODE, 'stale leader not followed');
  t.end();
});

void t.test('§5.4.1 voter rejects candidate with stale log', (t) => {
  // Voter's log: terms [1, 1, 2]: last (3, 2).
  const cases: { index: number; logTerm: number; grant: boolean; why: string }[] = [
    { index: 3, logTerm: 1, grant: false, why: 'lower last term' },
    { index: 9, logTerm: 1, grant: false, why: 'lower last term, longer log' },
    { index: 2, logTerm: 2, grant: false, why: 'same last term, shorter log' },
    { index: 3, logTerm: 2, grant: true, why: 'same last term, same length' },
    { index: 4, logTerm: 2, grant: true, why: 'same last term, longer log' },
    { index: 1, logTerm: 3, grant: true, why: 'higher last term, shorter log' },
  ];
  for (const c of cases) {
    const storage = storageWithTerms([1, 2, 3], [1, 1, 2]);
    const node = soloRaft(1, storage);
    node.step(voteRequest(2, 1, 3, c.index, c.logTerm));
    const [reply] = drain(node, storage);
    t.match(reply, { type: 'voteResp', reject: !c.grant }, c.why);
  }
  t.end();
});

void t.test('§5.4.1 the election restriction elects only a replica holding every committed entry', (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'a', 'b');
  t.equal(c.raft(1).log.committed, 3, 'no-op + 2 committed with node 2');
  c.recover();
  c.isolate(1);
  // Node 3 lacks the committed entries: node 2 refuses it.
  c.elect(3);
  t.equal(c.raft(3).role, 'candidate');
  c.elect(2);
  t.equal(c.raft(2).role, 'leader');
  t.same(c.logTerms(2).slice(0, 3), [1, 1, 1]);
  t.end();
});

void t.test('§5.2 a replica that hears a vote request only answers; the vote response carries the term', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(1, storage);
  node.step(voteRequest(2, 1, 7, 0, 0));
  const sent: Message[] = drain(node, storage);
  t.match(sent, [{ type: 'voteResp', to: 2, term: 7, reject: false }]);
  t.equal(node.raft.role, 'follower');
  t.equal(node.raft.term, 7);
  t.end();
});
