// Raft thesis §9.6 (pre-vote), §6.2 (check-quorum) and §4.2.3 (ignoring votes while a leader is heard).
import t from 'tap';
import { MemoryStorage } from '../../../broker/raft/index.js';
import { TestCluster, drain, paperOptions, soloRaft, storageWithTerms } from './helpers.js';

const robust = { ...paperOptions, preVote: true, checkQuorum: true };

void t.test('§9.6 pre-vote does not bump term', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  t.equal(c.raft(1).term, 1);
  c.isolate(3);
  // Node 3 times out again and again behind the partition.
  for (let i = 0; i < 100; i++) c.tickAll();
  t.equal(c.raft(3).role, 'preCandidate');
  t.equal(c.raft(3).term, 1, 'no term inflation behind a partition');
  t.equal(c.storage(3).getHardState().term, 1);
  c.recover();
  c.tickAll(3);
  t.equal(c.raft(1).role, 'leader', 'the healed node does not depose the leader');
  t.equal(c.raft(1).term, 1);
  t.equal(c.raft(3).role, 'follower');
  t.equal(c.raft(3).lead, 1);
  t.end();
});

void t.test('§9.6 pre-vote: a majority must agree before anyone changes term', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.node(1).campaign();
  t.equal(c.raft(1).role, 'preCandidate');
  t.equal(c.raft(1).term, 0, 'pre-candidate keeps its term');
  const preVotes = c.flush();
  t.same(
    preVotes.map((m) => [m.type, m.term]),
    [
      ['preVote', 1],
      ['preVote', 1],
    ],
    'asks for the term it would use',
  );
  c.stabilize(preVotes);
  t.equal(c.raft(1).role, 'leader');
  t.equal(c.raft(1).term, 1);
  t.end();
});

void t.test('§9.6 a pre-candidate with a stale log cannot win, and nobody changes term', (t) => {
  const voterStorage = storageWithTerms([1, 2, 3], [1, 1]);
  const voter = soloRaft(2, voterStorage, robust);
  voter.step({ type: 'preVote', from: 3, to: 2, term: 2, index: 1, logTerm: 1, transfer: false });
  t.match(drain(voter, voterStorage), [{ type: 'preVoteResp', to: 3, reject: true, term: 1 }]);
  t.equal(voter.raft.term, 1, 'answering a pre-vote changes no term');
  t.equal(voter.raft.vote, 0, 'and records no vote');

  const candidateStorage = storageWithTerms([1, 2, 3], [1]);
  const candidate = soloRaft(3, candidateStorage, robust);
  candidate.campaign();
  candidate.step({ type: 'preVoteResp', from: 1, to: 3, term: 1, reject: true });
  candidate.step({ type: 'preVoteResp', from: 2, to: 3, term: 1, reject: true });
  t.equal(candidate.raft.role, 'follower', 'lost the pre-vote');
  t.equal(candidate.raft.term, 1, 'term never moved');
  t.end();
});

void t.test('§6.2 check-quorum: leader that has not heard from a majority steps down', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  c.isolate(1);
  // One election timeout to notice the silence (activity is reset each round), another to conclude.
  for (let i = 0; i < 10; i++) c.tick(1);
  t.equal(c.raft(1).role, 'leader', 'followers were active in the previous round');
  for (let i = 0; i < 10; i++) c.tick(1);
  t.equal(c.raft(1).role, 'follower', 'steps down after a silent election timeout');
  t.equal(c.raft(1).lead, 0);
  t.equal(c.raft(1).term, 1);
  t.end();
});

void t.test('§6.2 check-quorum: a leader hearing from a majority stays', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  c.isolate(3);
  for (let i = 0; i < 50; i++) {
    c.tick(1);
    c.stabilize();
  }
  t.equal(c.raft(1).role, 'leader');
  t.end();
});

void t.test('§4.2.3 a follower hearing from its leader ignores vote requests (leader lease)', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(1, storage, robust);
  node.step({ type: 'heartbeat', from: 2, to: 1, term: 1, commit: 0 });
  drain(node, storage);
  node.step({ type: 'vote', from: 3, to: 1, term: 2, index: 0, logTerm: 0, transfer: false });
  t.same(drain(node, storage), [], 'no answer at all');
  t.equal(node.raft.term, 1, 'term unchanged');
  for (let i = 0; i < 10; i++) node.tick();
  node.step({ type: 'vote', from: 3, to: 1, term: 2, index: 0, logTerm: 0, transfer: false });
  t.match(drain(node, storage), [{ type: 'voteResp', reject: false }], 'after an election timeout of silence it votes');
  t.end();
});

void t.test('§9.6 stale leader returning from a partition learns the higher term and steps down', (t) => {
  const c = new TestCluster([1, 2, 3], { ...paperOptions, preVote: true, checkQuorum: false });
  c.elect(1);
  c.isolate(1);
  c.elect(2);
  t.equal(c.raft(2).term, 2);
  t.equal(c.raft(1).role, 'leader', 'still thinks it leads term 1');
  c.recover();
  c.tick(1);
  c.stabilize();
  t.equal(c.raft(1).role, 'follower');
  t.equal(c.raft(1).term, 2);
  t.equal(c.raft(2).role, 'leader');
  t.end();
});

void t.test('pre-vote responses for an older campaign are not counted', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  const node = soloRaft(1, storage, robust);
  node.campaign();
  t.equal(node.raft.role, 'preCandidate');
  // A grant for term 5 (some earlier campaign) does not count for this one (term 1).
  node.step({ type: 'preVoteResp', from: 2, to: 1, term: 5, reject: false });
  t.equal(node.raft.role, 'preCandidate');
  node.step({ type: 'preVoteResp', from: 2, to: 1, term: 1, reject: false });
  t.equal(node.raft.role, 'candidate');
  t.equal(node.raft.term, 1);
  t.end();
});
