// Founders with a cluster secret agree on their new cluster's random id through the metadata log
// (broker/cluster/cluster-id.ts), and a broker that joins later with the secret, knowing no id, is accepted after
// proving the secret, becomes a member (seen by the founders' metadata) and learns the id.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { freePorts } from '../../../bench/harness/free-port.js';
import { Admin } from '../../../client/index.js';
import { startBrokerProcess, type BrokerProcess } from '../../helpers/broker-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

/** The cluster id broker's metadata answers carry ('' while it has not learned one). */
async function clusterIdOf(t: Test, broker: BrokerProcess): Promise<string> {
  const admin = new Admin({ bootstrap: broker.bootstrap });
  t.teardown(() => admin.close());
  return (await admin.describeCluster()).clusterId;
}

void t.test('founders and a joiner with the cluster secret agree on a random cluster id', async (t) => {
  const secretFile = path.join(tempDir(t, 'brook-join-secret-'), 'cluster-secret');
  fs.writeFileSync(secretFile, 'correct horse battery staple\n', { mode: 0o600 });
  const [port1 = 0, port2 = 0, port3 = 0] = await freePorts(3);
  const founders = `1@127.0.0.1:${String(port1)},2@127.0.0.1:${String(port2)}`;
  const start = (id: number, peerPort: number, peers: string, more: readonly string[] = []) =>
    startBrokerProcess(t, {
      args: [
        '--broker-id',
        String(id),
        '--peers',
        peers,
        '--peer-port',
        String(peerPort),
        '--cluster-secret-file',
        secretFile,
        ...more,
      ],
    });
  const [broker1, broker2] = await Promise.all([start(1, port1, founders), start(2, port2, founders)]);
  const id = await waitFor(async () => (await clusterIdOf(t, broker1)) || undefined, {
    timeoutMs: 30_000,
    what: 'broker 1 to learn the cluster id',
  });
  t.match(id, /^[A-Za-z0-9_-]{22}$/, 'random, not brook-1-2');
  await waitFor(async () => (await clusterIdOf(t, broker2)) === id, { timeoutMs: 30_000, what: 'broker 2 to agree' });

  const broker3 = await start(3, port3, `${founders},3@127.0.0.1:${String(port3)}`, ['--join']);
  const admin = new Admin({ bootstrap: broker1.bootstrap });
  t.teardown(() => admin.close());
  await waitFor(async () => (await admin.describeCluster()).brokers.some((b) => b.id === 3), {
    timeoutMs: 30_000,
    what: 'broker 3 in the cluster metadata',
  });
  t.pass('the joiner was admitted');
  await waitFor(async () => (await clusterIdOf(t, broker3)) === id, {
    timeoutMs: 30_000,
    what: 'the joiner to learn the cluster id',
  });
  t.pass('the joiner learned the id');
});
