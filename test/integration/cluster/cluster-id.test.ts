/**
 * A new cluster's id is random and agreed through the metadata log (broker/cluster/cluster-id.ts), without
 * --cluster-id. Expected: every broker of a cluster answers hello with the same 22-character id, two fresh clusters of
 * the same broker ids get different ids, a restarted broker keeps its id (from its data dir), and a broker that joins
 * learns it.
 */
import t, { type Test } from 'tap';
import { RawTcpConnection } from '../../helpers/raw-connection.js';
import { TestCluster } from '../../helpers/cluster.js';
import { waitFor } from '../../helpers/wait-for.js';

/** The cluster id broker `id` gives clients in its hello answer ('' while it has not learned one). */
async function helloClusterId(t: Test, cluster: TestCluster, id: number): Promise<string> {
  const connection = await RawTcpConnection.open(t, cluster.broker(id).tcpPort);
  try {
    return (await connection.request('hello', { protocolVersion: 1, clientId: 'cluster-id-test' })).clusterId;
  } finally {
    connection.destroy();
  }
}

/** Waits until every running broker of `cluster` reports one id, and returns it. */
async function agreedId(t: Test, cluster: TestCluster): Promise<string> {
  return waitFor(
    async () => {
      const ids = await Promise.all(cluster.ids.map((id) => helloClusterId(t, cluster, id)));
      return ids.every((id) => id !== '' && id === ids[0]) ? ids[0] : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'every broker to report the same cluster id' },
  );
}

void t.test('fresh clusters get random ids that every broker shares, keeps and teaches joiners', async (t) => {
  const first = await TestCluster.start(t, 3);
  const id = await agreedId(t, first);
  t.match(id, /^[A-Za-z0-9_-]{22}$/, 'random, 128 bits (not brook-1-2-3)');

  await first.kill(2);
  await first.restart(2);
  t.equal(await helloClusterId(t, first, 2), id, 'a restarted broker has it from its data dir at once');

  const joined = await first.join();
  await waitFor(async () => (await helloClusterId(t, first, joined)) === id, {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: `the joiner (broker ${String(joined)}) to learn the cluster id`,
  });
  t.pass('the joiner learned it');
  await first.stop();

  const second = await TestCluster.start(t, 3);
  t.not(await agreedId(t, second), id, 'another cluster of brokers 1-3 has another id');
});
