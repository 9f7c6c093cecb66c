// Raft §7: log compaction. A follower behind the leader's first index gets a snapshot carrying only
// (index, term, config) and restarts its log right after it; the layer above fetches the data itself.
import t from 'tap';
import { MemoryStorage } from '../../../broker/raft/index.js';
import type { SnapshotMessage } from '../../../broker/raft/index.js';
import { TestCluster, drain, entry, paperOptions, soloRaft, storageWithTerms } from './helpers.js';

void t.test('§7 follower behind the leader’s first index installs a snapshot, then catches up', (t) => {
  const c = new TestCluster([1, 2, 3], paperOptions);
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'a', 'b', 'c', 'd');
  t.equal(c.raft(1).log.applied, 5);
  c.storage(1).compact(4);
  t.equal(c.raft(1).log.firstIndex(), 5, 'leader compacted through 4');
  c.recover();
  c.propose(1, 'e');
  const snap = c.delivered.find((m): m is SnapshotMessage => m.type === 'snap');
  t.match(snap, { to: 3, snapshot: { index: 4, term: 1, config: { voters: [1, 2, 3] }, logOffset: 0 } });
  t.equal(c.storage(3).firstIndex(), 5, 'stored log restarts after the snapshot');
  t.same(c.logTerms(3), [1, 1], 'then entries 5 and 6 arrived by append');
  t.equal(c.raft(3).log.committed, 6);
  t.equal(c.raft(3).log.applied, 6);
  t.same(c.appliedData(3), ['d', 'e'], 'applies only what follows the snapshot');
  t.end();
});

void t.test('§7 a snapshot at or below the commit index changes nothing', (t) => {
  const storage = storageWithTerms([1, 2], [1, 1, 1]);
  storage.setHardState({ term: 1, vote: 0, commit: 3 });
  const node = soloRaft(2, storage);
  node.step({
    type: 'snap',
    from: 1,
    to: 2,
    term: 1,
    snapshot: { index: 2, term: 1, config: { voters: [1, 2] }, logOffset: 0 },
  });
  const sent = drain(node, storage);
  t.match(sent, [{ type: 'appResp', index: 3, reject: false }], 'answers with its commit index');
  t.equal(storage.firstIndex(), 1, 'log untouched');
  t.end();
});

void t.test('§7 a snapshot whose entry the follower already has only advances the commit', (t) => {
  const storage = storageWithTerms([1, 2], [1, 1, 1, 1]);
  const node = soloRaft(2, storage);
  node.step({
    type: 'snap',
    from: 1,
    to: 2,
    term: 1,
    snapshot: { index: 3, term: 1, config: { voters: [1, 2] }, logOffset: 0 },
  });
  const sent = drain(node, storage);
  t.match(sent, [{ type: 'appResp', index: 3 }]);
  t.equal(node.raft.log.committed, 3);
  t.equal(node.raft.log.lastIndex(), 4, 'entry 4 kept');
  t.equal(storage.firstIndex(), 1);
  t.end();
});

void t.test('§7 a snapshot replaces a conflicting log and sets the membership', (t) => {
  const storage = storageWithTerms([1, 2], [1, 2, 2]);
  const node = soloRaft(2, storage);
  const snapshot = { index: 5, term: 3, config: { voters: [1, 2, 3] }, logOffset: 0 };
  node.step({ type: 'snap', from: 1, to: 2, term: 3, snapshot });
  t.equal(node.raft.log.firstIndex(), 6);
  t.equal(node.raft.log.lastIndex(), 5);
  t.same(node.raft.tracker.config.voters, [1, 2, 3]);
  t.notOk(node.raft.promotable(), 'no campaigning while the snapshot is not persisted');
  const rd = node.ready();
  t.same(rd.snapshot, snapshot);
  t.match(rd.hardState, { term: 3, commit: 5 });
  t.match(rd.messages, [{ type: 'appResp', index: 5, reject: false }]);
  storage.applySnapshot(snapshot);
  if (rd.hardState !== null) storage.setHardState(rd.hardState);
  node.advance();
  t.equal(node.raft.log.applied, 5, 'the application takes the state as of the snapshot');
  t.ok(node.raft.promotable());
  const restarted = soloRaft(2, storage);
  t.equal(restarted.raft.log.firstIndex(), 6, 'a restart starts from the stored snapshot');
  t.same(restarted.raft.tracker.config.voters, [1, 2, 3]);
  t.equal(restarted.raft.log.committed, 5);
  t.end();
});

void t.test('§7 a replica joining with an empty log learns the config from a snapshot', (t) => {
  const storages = new Map<number, MemoryStorage>([
    [1, new MemoryStorage([1, 2])],
    [2, new MemoryStorage([1, 2])],
    [3, new MemoryStorage([])],
  ]);
  const c = new TestCluster([1, 2, 3], paperOptions, storages);
  c.elect(1);
  c.isolate(3);
  c.node(1).proposeConfigChange({ type: 'addVoter', nodeId: 3 });
  c.stabilize();
  c.propose(1, 'x', 'y', 'z');
  // Majority of [1, 2, 3] is two: the leader and node 2 commit without node 3.
  t.equal(c.raft(1).log.committed, 5);
  c.storage(1).compact(5);
  c.recover();
  c.tickAll(2);
  t.same(c.raft(3).tracker.config.voters, [1, 2, 3]);
  t.equal(c.raft(3).log.firstIndex(), 6);
  t.equal(c.storage(3).snapshot().config.voters.length, 3);
  t.end();
});

void t.test('MemoryStorage.compact keeps the config as of the compaction point', (t) => {
  const storage = new MemoryStorage([1, 2, 3]);
  storage.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
  storage.compact(2);
  t.same(storage.snapshot(), { index: 2, term: 1, config: { voters: [1, 2, 3] }, logOffset: 0 });
  t.equal(storage.firstIndex(), 3);
  t.equal(storage.term(2), 1);
  t.equal(storage.term(1), undefined, 'compacted');
  t.end();
});
