// Raft thesis §3.10: leadership transfer (the leader brings the target up to date, then sends TimeoutNow).
import t from 'tap';
import { TestCluster, bytes, paperOptions } from './helpers.js';

const robust = { ...paperOptions, preVote: true, checkQuorum: true };

void t.test('§3.10 leadership transfer to an up-to-date follower', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  t.ok(c.node(1).transferLeadership(2));
  const sent = c.flush();
  t.match(sent, [{ type: 'timeoutNow', to: 2, term: 1 }], 'target already matches: TimeoutNow at once');
  c.stabilize(sent);
  t.equal(c.raft(2).role, 'leader');
  t.equal(c.raft(2).term, 2);
  t.equal(c.raft(1).role, 'follower');
  t.equal(c.raft(1).lead, 2);
  const votes = c.delivered.filter((m) => m.type === 'vote' && m.term === 2);
  t.ok(
    votes.length > 0 && votes.every((m) => m.type === 'vote' && m.transfer),
    'real vote, no pre-vote, lease ignored',
  );
  t.end();
});

void t.test('§3.10 leadership transfer to a lagging follower replicates first', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'a', 'b', 'c');
  c.recover();
  t.ok(c.node(1).transferLeadership(3));
  const sent = c.flush();
  t.notOk(
    sent.some((m) => m.type === 'timeoutNow'),
    'no TimeoutNow before the target catches up',
  );
  t.ok(
    sent.some((m) => m.type === 'app' && m.to === 3),
    'append to the target',
  );
  c.stabilize(sent);
  t.equal(c.raft(3).role, 'leader');
  t.equal(c.raft(3).log.committed, c.raft(3).log.lastIndex());
  t.end();
});

void t.test('§3.10 proposals are refused while a transfer is under way', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  c.isolate(2);
  t.ok(c.node(1).transferLeadership(2));
  const result = c.node(1).propose([bytes('x')]);
  t.match(result, { ok: false, reason: 'transferring' });
  t.end();
});

void t.test('§3.10 a transfer that does not finish within an election timeout is abandoned', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  c.isolate(2);
  t.ok(c.node(1).transferLeadership(2));
  for (let i = 0; i < 10; i++) {
    c.tick(1);
    c.stabilize();
  }
  t.equal(c.raft(1).leadTransferee, 0);
  t.equal(c.raft(1).role, 'leader');
  t.match(c.node(1).propose([bytes('x')]), { ok: true });
  t.end();
});

void t.test('§3.10 transfer requests that cannot work are refused', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  t.notOk(c.node(2).transferLeadership(3), 'only a leader transfers');
  t.notOk(c.node(1).transferLeadership(9), 'target must be a voter');
  t.ok(c.node(1).transferLeadership(1), 'to itself: nothing to do');
  t.equal(c.raft(1).leadTransferee, 0);
  t.end();
});

void t.test('§3.10 a TimeoutNow reaching a non-voter is ignored', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  c.node(3).step({ type: 'timeoutNow', from: 1, to: 3, term: 1 });
  t.equal(c.raft(3).role, 'candidate', 'a voter campaigns at once');
  const lone = new TestCluster([1, 2], robust);
  lone.elect(1);
  lone.raft(2).tracker.setConfig({ voters: [1] }, lone.raft(2).log.lastIndex(), false);
  lone.node(2).step({ type: 'timeoutNow', from: 1, to: 2, term: 1 });
  t.equal(lone.raft(2).role, 'follower');
  t.end();
});
