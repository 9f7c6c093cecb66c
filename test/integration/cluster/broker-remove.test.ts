/**
 * `brook broker remove` (issue 11: a bad join can be undone). Expected: a broker that joined a 3-broker cluster is
 * refused removal while it hosts replicas (the error names them), removed once it hosts none, and is then no
 * metadata voter: with it and one founder down, the two founders left still elect a controller and create topics.
 * And the review's finding: a rogue voter that joined and vanished costs the cluster its controller as soon as one
 * more broker is down (2 live of 4 voters); `broker remove --force` of the rogue, made while 3 of 4 are live, moves
 * its replicas and leaves 3 voters, so the same broker down afterwards leaves a working controller (2 of 3).
 */
import t, { type Test } from 'tap';
import { Admin } from '../../../client/index.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { TestCluster } from '../../helpers/cluster.js';
import { waitFor } from '../../helpers/wait-for.js';

/** Joins a 4th broker and waits until the controller has made it a metadata voter. */
async function joinVoter(cluster: TestCluster): Promise<number> {
  const id = await cluster.join();
  await waitFor(
    () => cluster.running().some((b) => b.logged('metadata: adding a voter').some((entry) => entry['broker'] === id)),
    { timeoutMs: 30_000, intervalMs: 100, what: `broker ${String(id)} made a metadata voter` },
  );
  return id;
}

function adminOf(t: Test, cluster: TestCluster, ids: readonly number[]): Admin {
  const admin = new Admin({
    bootstrap: ids.map((id) => cluster.broker(id).bootstrap).join(','),
    requestTimeoutMs: 30_000,
  });
  t.teardown(() => admin.close());
  return admin;
}

/** Creates a topic through brokers `ids` (retrying while a controller is being elected). */
async function createsTopics(t: Test, cluster: TestCluster, ids: readonly number[], name: string): Promise<void> {
  const admin = adminOf(t, cluster, ids);
  await admin.createTopic(name, { partitions: 2, replicationFactor: 2 });
  t.ok((await admin.listTopics()).includes(name), `${name} created through brokers ${ids.join(',')}`);
}

void t.test('a joined broker is removed once it hosts nothing', async (t) => {
  const cluster = await TestCluster.start(t, 3);
  const joined = await joinVoter(cluster);
  const admin = adminOf(t, cluster, [1, 2, 3]);
  await admin.createTopic('hosted', { partitions: 8, replicationFactor: 1 });
  const [hosted] = await admin.describeTopics(['hosted']);
  const onJoined = (hosted?.partitions ?? []).filter((p) => p.replicas.includes(joined));
  t.ok(onJoined.length > 0, 'rendezvous placement puts some of 8 partitions on the new broker');

  const bootstrap = cluster.broker(1).bootstrap;
  const refused = await runBrook(t, ['broker', 'remove', '--id', String(joined), '--bootstrap', bootstrap]);
  t.equal(refused.code, 1, 'refused while it hosts replicas');
  t.match(refused.stderr, `broker ${String(joined)} still hosts replicas of hosted-${String(onJoined[0]?.partition)}`);
  t.match(refused.stderr, /brook partition reassign/);

  await admin.deleteTopic('hosted');
  const removed = await runBrook(t, ['broker', 'remove', '--id', String(joined), '--bootstrap', bootstrap]);
  t.equal(removed.code, 0, removed.stderr);
  t.match(removed.stdout, `Removed broker ${String(joined)}`);
  const again = await runBrook(t, ['broker', 'remove', '--id', '9', '--bootstrap', bootstrap]);
  t.match(again.stderr, /broker 9 is not a broker of the cluster \[1,2,3\]/, 'the removed broker is no longer listed');

  await createsTopics(t, cluster, [1, 2, 3], 'after-removal');
  // Were it still a voter, 2 live of 4 would elect nobody.
  await cluster.kill(joined);
  await cluster.kill(3);
  await createsTopics(t, cluster, [1, 2], 'two-founders-left');
});

void t.test('a rogue voter that vanished is removed with --force while 3 of 4 are live', async (t) => {
  const cluster = await TestCluster.start(t, 3);
  const rogue = await joinVoter(cluster);
  const admin = adminOf(t, cluster, [1, 2, 3]);
  await admin.createTopic('spread', { partitions: 6, replicationFactor: 3 });
  const onRogue = ((await admin.describeTopics(['spread']))[0]?.partitions ?? []).filter((p) =>
    p.replicas.includes(rogue),
  );
  t.ok(onRogue.length > 0, 'some partitions of spread have a replica on the rogue');
  await cluster.kill(rogue);

  await t.test('without the removal, one more broker down leaves no controller', async (t) => {
    await cluster.kill(3);
    const probe = adminOf(t, cluster, [1, 2]);
    await waitFor(async () => (await probe.describeCluster()).controllerId === -1, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'brokers 1 and 2 to have no controller (2 live of voters 1,2,3,4)',
    });
    t.pass('no controller while 2 of 4 voters are live');
    await cluster.restart(3);
  });

  const bootstrap = [1, 2, 3].map((id) => cluster.broker(id).bootstrap).join(',');
  const removed = await runBrook(t, ['broker', 'remove', '--id', String(rogue), '--force', '--bootstrap', bootstrap]);
  t.equal(removed.code, 0, removed.stderr);
  t.equal(removed.stdout.match(/^Moving spread-/gm)?.length, onRogue.length, 'each of its replicas moves');
  await waitFor(
    async () =>
      ((await admin.describeTopics(['spread']))[0]?.partitions ?? []).every(
        (p) => !p.replicas.includes(rogue) && p.isr.length === 3,
      ),
    { timeoutMs: 60_000, intervalMs: 250, what: 'every partition of spread on brokers 1-3, in sync' },
  );

  await cluster.kill(3);
  await createsTopics(t, cluster, [1, 2], 'controller-kept');
});
