// A new cluster's default id is keyed by its cluster secret (broker/cluster/cluster-id.ts). Expected: the founders
// make the same id without talking, it is not `brook-<ids>`, and a broker that joins later with the secret derives
// that id too, so its hello is accepted and it becomes a member (seen by the founders' metadata).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { freePorts } from '../../../bench/harness/free-port.js';
import { Admin } from '../../../client/index.js';
import { startBrokerProcess, type BrokerProcess } from '../../helpers/broker-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

function clusterIdOf(broker: BrokerProcess): unknown {
  return broker.logged('broker started')[0]?.['clusterId'];
}

void t.test('founders and a joiner with the cluster secret agree on a keyed cluster id', async (t) => {
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
  const id = clusterIdOf(broker1);
  t.match(id, /^brook-[A-Za-z0-9_-]{22}$/, 'keyed by the secret, not brook-1-2');
  t.equal(clusterIdOf(broker2), id, 'both founders made the same id');

  const broker3 = await start(3, port3, `${founders},3@127.0.0.1:${String(port3)}`, ['--join']);
  t.equal(clusterIdOf(broker3), id, 'the joiner derived it too');
  const admin = new Admin({ bootstrap: broker1.bootstrap });
  t.teardown(() => admin.close());
  await waitFor(async () => (await admin.describeCluster()).brokers.some((b) => b.id === 3), {
    timeoutMs: 30_000,
    what: 'broker 3 in the cluster metadata',
  });
  t.pass('the joiner was admitted');
});
