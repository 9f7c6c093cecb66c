/**
 * Issue 11's critical finding, against real broker processes: the peer port authenticated nothing, so a socket that
 * greeted as `{clusterId, from: 7}` and sent `join` became a metadata voter. With `--peer-tls-*` the peer port runs
 * mutual TLS: a connection without a certificate from the cluster's CA gets no further than the handshake, and a
 * broker's certificate lets it speak only as the id it names (CN `broker-<id>`).
 */
import fs from 'node:fs';
import net from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import t from 'tap';
import { encodeHello } from '../../broker/cluster/peer-codec.js';
import { Admin, Producer, stringCodec } from '../../client/index.js';
import { socketClosed as closed, startPeerPair } from '../helpers/peer-pair.js';
import { makeCertificates, opensslMissing, type CertFiles } from '../helpers/tls-certs.js';
import { waitFor } from '../helpers/wait-for.js';

void t.test('peer port under mutual TLS', { skip: opensslMissing() ?? false }, async (t) => {
  const certs = makeCertificates(t);
  const peerCerts = new Map<number, CertFiles>([
    [1, certs.issue('broker-1', 'broker-1')],
    [2, certs.issue('broker-2', 'broker-2')],
  ]);
  const ca = certs.caCert;
  const pair = await startPeerPair(t, (id) => {
    const own = peerCerts.get(id);
    if (own === undefined) throw new Error(`no certificate for broker ${String(id)}`);
    return ['--peer-tls-cert', own.cert, '--peer-tls-key', own.key, '--peer-tls-ca', ca];
  });
  const [broker1, broker2] = pair.brokers;
  const [peerPort1] = pair.peerPorts;

  await t.test('the brokers replicate over mutual TLS', async (t) => {
    const admin = new Admin({ bootstrap: broker1.bootstrap });
    const producer = new Producer<string>({ bootstrap: broker1.bootstrap, codec: stringCodec(), acks: 'all' });
    t.teardown(() => Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 })]));
    await admin.createTopic('replicated', { partitions: 1, replicationFactor: 2 });
    const meta = await producer.send({ topic: 'replicated', value: 'over mTLS' });
    t.ok(
      meta.offset >= 0,
      `a record acknowledged by both brokers (acks=all on two replicas) at offset ${String(meta.offset)}`,
    );
  });

  await t.test('a plaintext stranger greeting as broker 7 is refused at the handshake', async (t) => {
    const socket = net.connect({ host: '127.0.0.1', port: peerPort1 });
    t.teardown(() => socket.destroy());
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(encodeHello({ clusterId: pair.clusterId, from: 7 }));
    await closed(socket);
    t.pass('the broker closed the connection');
    await waitFor(() => broker1.logged('peer TLS handshake failed').length > 0, { what: 'the refusal logged' });
  });

  const tlsPeer = (files: CertFiles): Promise<TLSSocket> =>
    new Promise((resolve, reject) => {
      const socket = connectTls({
        host: '127.0.0.1',
        port: peerPort1,
        cert: fs.readFileSync(files.cert),
        key: fs.readFileSync(files.key),
        ca: fs.readFileSync(certs.caCert),
        checkServerIdentity: () => undefined,
      });
      socket.once('secureConnect', () => {
        resolve(socket);
      });
      socket.once('error', reject);
    });

  await t.test('a certificate from another CA is refused', async (t) => {
    const rogue = certs.issue('rogue', 'broker-2', 'other-ca');
    const error = await tlsPeer(rogue).then(
      async (socket) => {
        // TLS 1.3: the server's refusal of our certificate arrives after the client's handshake is done.
        socket.on('error', () => undefined);
        await closed(socket);
        return 'closed';
      },
      (err: unknown) => String(err),
    );
    t.not(error, '', `refused (${error})`);
  });

  await t.test("broker 2's certificate cannot speak as broker 1", async (t) => {
    const two = peerCerts.get(2);
    if (two === undefined) throw new Error('no certificate for broker 2');
    const socket = await tlsPeer(two);
    t.teardown(() => socket.destroy());
    socket.on('error', () => undefined);
    socket.write(encodeHello({ clusterId: pair.clusterId, from: 1 }));
    await closed(socket);
    t.pass('the connection greeting as broker 1 was closed');
    await waitFor(
      () =>
        broker1
          .logged('closing peer connection')
          .some((line) => String(line['reason']).includes('does not name broker-1')),
      { what: 'the impostor logged' },
    );
  });

  await t.test('the cluster still works after the attempts', async (t) => {
    const admin = new Admin({ bootstrap: broker2.bootstrap });
    t.teardown(() => admin.close());
    await admin.createTopic('after', { partitions: 1, replicationFactor: 2 });
    // broker2 may apply the committed topic a moment after the controller answered.
    t.ok(
      await waitFor(async () => (await admin.listTopics()).includes('after'), { what: 'the new topic listed' }),
      'createTopics answered: the controller kept its majority',
    );
  });
});
