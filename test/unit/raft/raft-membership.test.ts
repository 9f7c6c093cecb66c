// Raft thesis §4.1-§4.2: single-server membership changes, effective as soon as appended.
import t from 'tap';
import { MemoryStorage } from '../../../broker/raft/index.js';
import type { ConfigChange } from '../../../broker/raft/index.js';
import { TestCluster, bytes, paperOptions } from './helpers.js';
import type { NodeOptions } from './helpers.js';

const robust = { ...paperOptions, preVote: true, checkQuorum: true };
const add = (nodeId: number): ConfigChange => ({ type: 'addVoter', nodeId });
const remove = (nodeId: number): ConfigChange => ({ type: 'removeVoter', nodeId });

/** Voters 1-3 bootstrapped; node 4 starts empty and learns everything from the log. */
function clusterWithSpare(options: NodeOptions = robust): TestCluster {
  const storages = new Map<number, MemoryStorage>([
    [1, new MemoryStorage([1, 2, 3])],
    [2, new MemoryStorage([1, 2, 3])],
    [3, new MemoryStorage([1, 2, 3])],
    [4, new MemoryStorage([])],
  ]);
  return new TestCluster([1, 2, 3, 4], options, storages);
}

void t.test('§4.1 adding a voter takes effect when appended, before it commits', (t) => {
  const c = clusterWithSpare();
  c.elect(1);
  const result = c.node(1).proposeConfigChange(add(4));
  t.match(result, { ok: true, firstIndex: 2, lastIndex: 2 });
  t.same(c.raft(1).tracker.config.voters, [1, 2, 3, 4], 'leader uses the new config at once');
  t.equal(c.raft(1).log.committed, 1, 'not committed yet');
  c.stabilize();
  t.equal(c.raft(1).log.committed, 2);
  t.same(c.raft(4).tracker.config.voters, [1, 2, 3, 4], 'the new node learned the config from the log');
  t.same(c.storage(4).initialState().config.voters, [1, 2, 3, 4]);
  // Majority is now 3 of 4: the leader and node 2 alone cannot commit.
  c.isolate(3);
  c.isolate(4);
  c.node(1).propose([bytes('x')]);
  c.stabilize();
  t.equal(c.raft(1).log.committed, 2, 'two of four is not a majority');
  c.recover();
  c.tickAll(1);
  t.equal(c.raft(1).log.committed, 3);
  t.same(c.appliedData(4), ['x'], 'the new voter applies entries');
  t.end();
});

void t.test('§4.1 a new voter can be elected once it holds the log', (t) => {
  const c = clusterWithSpare(paperOptions);
  c.elect(1);
  c.node(1).proposeConfigChange(add(4));
  c.stabilize();
  c.isolate(1);
  c.elect(4);
  t.equal(c.raft(4).role, 'leader');
  t.equal(c.raft(4).term, 2);
  t.end();
});

void t.test('§4.1 at most one membership change may be uncommitted', (t) => {
  const c = clusterWithSpare();
  c.elect(1);
  c.isolate(2);
  c.isolate(3);
  t.match(c.node(1).proposeConfigChange(add(4)), { ok: true });
  t.match(c.node(1).proposeConfigChange(remove(3)), { ok: false, reason: 'configPending', leader: 1 });
  c.recover();
  c.stabilize();
  c.tickAll(1);
  t.match(c.node(1).proposeConfigChange(remove(3)), { ok: true }, 'allowed once the first commits');
  t.end();
});

void t.test('§4.1 a new leader refuses changes until an entry of its term commits', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.intercept = (m) => (m.type === 'app' ? null : m);
  c.elect(1);
  t.equal(c.raft(1).role, 'leader');
  t.equal(c.raft(1).log.committed, 0, 'no-op not committed');
  t.match(c.node(1).proposeConfigChange(add(4)), { ok: false, reason: 'configPending' });
  c.intercept = null;
  c.tickAll(1);
  t.equal(c.raft(1).log.committed, 1);
  t.match(c.node(1).proposeConfigChange(add(4)), { ok: true });
  t.end();
});

void t.test('§4.1 changes that make no sense are refused', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  t.match(c.node(1).proposeConfigChange(add(2)), { ok: false, reason: 'invalidConfigChange' }, 'already a voter');
  t.match(c.node(1).proposeConfigChange(remove(7)), { ok: false, reason: 'invalidConfigChange' }, 'not a voter');
  t.match(c.node(1).proposeConfigChange(add(0)), { ok: false, reason: 'invalidConfigChange' }, 'bad id');
  t.match(c.node(2).proposeConfigChange(add(4)), { ok: false, reason: 'notLeader', leader: 1 });
  const solo = new TestCluster([1], robust);
  solo.elect(1);
  t.match(solo.node(1).proposeConfigChange(remove(1)), { ok: false, reason: 'invalidConfigChange' }, 'last voter');
  t.end();
});

void t.test('§4.2.2 a leader that removes itself leads until the change commits, then steps down', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  c.isolate(2);
  c.isolate(3);
  t.match(c.node(1).proposeConfigChange(remove(1)), { ok: true });
  c.stabilize();
  t.equal(c.raft(1).role, 'leader', 'still leading while the change is uncommitted');
  t.same(c.raft(1).tracker.config.voters, [2, 3]);
  c.recover();
  c.tickAll(1);
  t.equal(c.raft(1).role, 'follower', 'stepped down once committed by 2 and 3');
  for (let i = 0; i < 60; i++) c.tickAll(1);
  t.equal(c.raft(1).role, 'follower', 'a non-voter never campaigns');
  const leaders = [2, 3].filter((id) => c.raft(id).role === 'leader');
  t.equal(leaders.length, 1, 'the remaining voters elected a leader');
  t.end();
});

void t.test('§4.2.3 a removed server does not disrupt the cluster', (t) => {
  const c = new TestCluster([1, 2, 3], robust);
  c.elect(1);
  c.node(1).proposeConfigChange(remove(3));
  // Node 3 never hears of its removal.
  c.isolate(3);
  c.stabilize();
  c.recover();
  c.tickAll(1);
  t.same(c.raft(1).tracker.config.voters, [1, 2]);
  t.same(c.raft(3).tracker.config.voters, [1, 2, 3], 'node 3 still thinks it is a voter');
  const term = c.raft(1).term;
  for (let i = 0; i < 100; i++) c.tickAll(1);
  t.equal(c.raft(1).role, 'leader');
  t.equal(c.raft(1).term, term, 'no term change: its pre-votes are ignored');
  t.end();
});

void t.test('§4.1 a follower reverts its config when the config entry is truncated', (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5], paperOptions);
  c.elect(1);
  // The change reaches node 2 only.
  for (const id of [3, 4, 5]) c.cutLink(1, id);
  c.node(1).proposeConfigChange(add(6));
  c.stabilize();
  t.same(c.raft(2).tracker.config.voters, [1, 2, 3, 4, 5, 6]);
  // Node 2 restarts: the config comes back from storage, with the one before it for a revert.
  c.restart(2);
  t.same(c.raft(2).tracker.config.voters, [1, 2, 3, 4, 5, 6]);
  t.same(c.raft(2).previousConfig.voters, [1, 2, 3, 4, 5]);
  // Nodes 3-5 elect node 3, whose log lacks the change; node 2 then takes node 3's entry at that index.
  c.recover();
  c.isolate(1);
  c.isolate(2);
  c.elect(3);
  t.equal(c.raft(3).role, 'leader');
  c.recover();
  c.isolate(1);
  c.tickAll(1);
  t.equal(c.raft(2).log.term(2), c.raft(3).term, 'entry 2 replaced');
  t.same(c.raft(2).tracker.config.voters, [1, 2, 3, 4, 5], 'config reverted');
  t.same(c.storage(2).initialState().config.voters, [1, 2, 3, 4, 5], 'and so is the stored one');
  t.end();
});
