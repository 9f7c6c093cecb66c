/**
 * `brook cluster describe` on a 3-broker cluster with one broker killed: every broker is listed with its addresses,
 * the killed one as not live, the two others as live, and the controller is named.
 */
import t from 'tap';
import { Admin } from '../../../client/index.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { TestCluster } from '../../helpers/cluster.js';
import { waitFor } from '../../helpers/wait-for.js';

void t.test('cluster describe tells live brokers from a dead one', async (t) => {
  const cluster = await TestCluster.start(t, 3);
  const live = `127.0.0.1:${String(cluster.broker(1).tcpPort)}`;
  const admin = new Admin({ bootstrap: live });
  t.teardown(() => admin.close());
  // Metadata lists the brokers heard from: all three, once their first heartbeats went round.
  await waitFor(async () => (await admin.describeCluster()).brokers.length === 3, {
    timeoutMs: 30_000,
    what: 'metadata to list the 3 brokers',
  });
  await cluster.kill(3);
  const controllerId = await waitFor(
    async () => {
      const id = (await admin.describeCluster()).controllerId;
      return id === 1 || id === 2 ? id : 0;
    },
    { timeoutMs: 30_000, what: 'a controller among the live brokers' },
  );

  const described = await runBrook(t, ['cluster', 'describe', '--bootstrap', live]);
  t.equal(described.code, 0, 'cluster describe exits 0', { stderr: described.stderr });
  t.match(described.stdout, `Controller: ${String(controllerId)}\tBrokers: 3\n`, 'the controller and 3 brokers');
  for (const id of [1, 2, 3]) {
    t.match(
      described.stdout,
      new RegExp(`\\tBroker: ${String(id)}\\tAddress: \\S+\\tWebSocket: \\d+\\tLive: ${id === 3 ? 'no' : 'yes'}`),
      `broker ${String(id)} is ${id === 3 ? 'not live (killed)' : 'live'}`,
      { stdout: described.stdout },
    );
  }
  t.match(described.stdout, new RegExp(`Broker: ${String(controllerId)}\\t.*\\tController\\n`), 'marked as controller');
});
