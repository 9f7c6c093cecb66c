// Regression (issue 11): a Raft message's `from` was never checked against the id its connection greeted with, and a
// connection from a broker outside the cluster (accepted so that a new broker can ask to join) could send Raft
// messages too. One forged heartbeat answer with a high term made the controller of a running cluster step down.
// Expected now: the controller drops both forgeries (and logs it once per connection), its term does not move and
// it stays the controller.
import { connect, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { Admin } from '../../client/index.js';
import { encodeEnvelopes, encodeHello } from '../../broker/cluster/peer-codec.js';
import { METADATA_GROUP } from '../../broker/cluster/metadata-group.js';
import { MessageType } from '../../broker/raft/messages.js';
import type { BrokerProcess } from '../helpers/broker-process.js';
import { TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait-for.js';

/** How far above the controller's term the forged messages claim to be: no real election gets there in a test. */
const FORGED_TERM_LEAD = 1_000;
const REFUSED = 'peer envelopes refused (logged once per connection)';

/** The controller and term in a broker's last "controller changed" log line, or undefined before one. */
function lastController(broker: BrokerProcess): { controller: number; term: number } | undefined {
  const last = broker.logged('controller changed').at(-1);
  if (typeof last?.['controller'] !== 'number' || typeof last['term'] !== 'number') return undefined;
  return { controller: last['controller'], term: last['term'] };
}

/** The highest metadata term any broker logged. */
function highestTerm(cluster: TestCluster): number {
  let term = 0;
  for (const id of cluster.ids) {
    for (const line of cluster.broker(id).logged('controller changed')) {
      if (typeof line['term'] === 'number') term = Math.max(term, line['term']);
    }
  }
  return term;
}

/** Opens a raw socket to a broker's peer port, closed in teardown. */
async function peerSocket(t: Test, broker: BrokerProcess): Promise<Socket> {
  const started = broker.logged('broker started')[0];
  const port = started?.['peerPort'];
  if (typeof port !== 'number') throw new Error('no peerPort in the "broker started" line');
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  t.teardown(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Writes a hello as `as`, then one frame holding a heartbeat answer from `from` to `to` at `term`, in one write. */
function forge(socket: Socket, clusterId: string, as: number, from: number, to: number, term: number): void {
  const hello = encodeHello({ clusterId, from: as });
  const forged = encodeEnvelopes([
    { group: METADATA_GROUP, message: { type: MessageType.HeartbeatResponse, from, to, term } },
  ]);
  socket.write(Buffer.concat([hello, forged]));
}

void t.test('a peer connection cannot speak for another broker, nor a stranger send Raft messages', async (t) => {
  const cluster = await TestCluster.start(t, 3);
  const admin = new Admin({ bootstrap: cluster.bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  // A topic created means a controller is elected and its term committed on a majority.
  await admin.createTopic('before', { partitions: 1, replicationFactor: 3 });
  const settled = await waitFor(
    () => {
      const views = cluster.ids.map((id) => lastController(cluster.broker(id)));
      const [first] = views;
      if (first === undefined || first.controller <= 0) return undefined;
      return views.every((v) => v?.controller === first.controller && v.term === first.term) ? first : undefined;
    },
    { timeoutMs: 30_000, what: 'every broker to agree on the controller' },
  );
  const { controller, term } = settled;
  const victim = cluster.broker(controller);
  const [member = 0, other = 0] = cluster.ids.filter((id) => id !== controller);
  const clusterId = victim.logged('broker started')[0]?.['clusterId'];
  if (typeof clusterId !== 'string') throw new Error('no clusterId in the "broker started" line');
  const forgedTerm = term + FORGED_TERM_LEAD;
  const disturbedOrRefused = (refusals: number) => (): boolean =>
    highestTerm(cluster) >= forgedTerm || victim.logged(REFUSED).length >= refusals;

  // Greets as one member, speaks for the other.
  forge(await peerSocket(t, victim), clusterId, member, other, controller, forgedTerm);
  await waitFor(disturbedOrRefused(1), { timeoutMs: 15_000, what: 'the forged message to be handled' });
  t.ok(highestTerm(cluster) < forgedTerm, `no broker took the forged term (controller ${String(controller)})`);
  t.match(victim.logged(REFUSED)[0], { peer: member, reason: /claiming to come from broker/ }, 'the refusal logged');

  // Greets as a broker the cluster does not have (accepted: it could be asking to join) and sends Raft messages.
  const stranger = Math.max(...cluster.ids) + 10;
  forge(await peerSocket(t, victim), clusterId, stranger, stranger, controller, forgedTerm);
  await waitFor(disturbedOrRefused(2), { timeoutMs: 15_000, what: 'the stranger message to be handled' });
  t.ok(highestTerm(cluster) < forgedTerm, 'no broker took the term a stranger sent');
  t.match(victim.logged(REFUSED)[1], { peer: stranger, reason: /not a member of the cluster/ }, 'the refusal logged');

  // The cluster still works under the same controller.
  await admin.createTopic('after', { partitions: 1, replicationFactor: 3 });
  t.equal(lastController(victim)?.controller, controller, 'the controller kept leading');
});
