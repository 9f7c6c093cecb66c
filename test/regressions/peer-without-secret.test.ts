/**
 * Issue 11's critical finding under `--cluster-secret-file` (no certificates), against real broker processes: a
 * socket greeting as `{clusterId, from: 7}` (the cluster id is guessable) and sending `join` became a metadata
 * voter. With a cluster secret, a dialler must answer the broker's challenge with an HMAC over both nonces before
 * anything it sends counts; without the secret, or with a wrong one, its connection is closed.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import type { JoinMessage } from '../../broker/cluster/control-messages.js';
import { decodeChallenge, encodeEnvelopes, encodeHello, encodeProof } from '../../broker/cluster/peer-codec.js';
import { handshakeProof, newNonce } from '../../broker/cluster/peer-secret.js';
import { LengthPrefixSplitter } from '../../protocol/length-prefix.js';
import { Admin, Producer, stringCodec } from '../../client/index.js';
import { socketClosed, startPeerPair } from '../helpers/peer-pair.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

void t.test('peer port under a cluster secret', async (t) => {
  const dir = tempDir(t, 'brook-secret-');
  const secretFile = path.join(dir, 'cluster-secret');
  fs.writeFileSync(secretFile, 'correct horse battery staple\n', { mode: 0o600 });
  const pair = await startPeerPair(t, () => ['--cluster-secret-file', secretFile]);
  const [broker1] = pair.brokers;
  const [peerPort1] = pair.peerPorts;

  const dial = async (): Promise<net.Socket> => {
    const socket = net.connect({ host: '127.0.0.1', port: peerPort1 });
    t.teardown(() => socket.destroy());
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  };
  const closingReasons = (): string[] => broker1.logged('closing peer connection').map((l) => String(l['reason']));

  await t.test('the brokers replicate after proving the secret to each other', async (t) => {
    const admin = new Admin({ bootstrap: broker1.bootstrap });
    const producer = new Producer<string>({ bootstrap: broker1.bootstrap, codec: stringCodec(), acks: 'all' });
    t.teardown(() => Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 })]));
    await admin.createTopic('replicated', { partitions: 1, replicationFactor: 2 });
    const meta = await producer.send({ topic: 'replicated', value: 'under a secret' });
    t.ok(meta.offset >= 0, 'a record acknowledged by both brokers (acks=all on two replicas)');
  });

  await t.test('a stranger greeting as broker 7 without the secret cannot join', async (t) => {
    const socket = await dial();
    socket.write(encodeHello({ clusterId: pair.clusterId, from: 7 }));
    const join: JoinMessage = { kind: 'join', host: '127.0.0.1', port: 1 };
    socket.write(encodeEnvelopes([{ group: '__metadata', message: join }]));
    await socketClosed(socket);
    t.pass('the broker closed the connection');
    await waitFor(() => closingReasons().some((r) => r.includes('without a nonce')), { what: 'the refusal logged' });
  });

  await t.test('a dialler with the wrong secret is refused after the challenge', async (t) => {
    const socket = await dial();
    const dialerNonce = newNonce();
    const splitter = new LengthPrefixSplitter(4096);
    const challenge = new Promise<Uint8Array>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        const [frame] = splitter.push(chunk);
        if (frame !== undefined) resolve(frame);
      });
    });
    socket.write(encodeHello({ clusterId: pair.clusterId, from: 7, nonce: dialerNonce }));
    const { nonce } = decodeChallenge(await challenge);
    t.equal(nonce.byteLength, 32, 'the broker challenged with a nonce of its own');
    const facts = { clusterId: pair.clusterId, from: 7, dialerNonce, acceptorNonce: nonce };
    socket.write(encodeProof(handshakeProof(Buffer.from('a guess at the secret'), 'dialer', facts)));
    await socketClosed(socket);
    t.pass('the broker closed the connection');
    await waitFor(() => closingReasons().some((r) => r.includes('does not hold the cluster secret')), {
      what: 'the refusal logged',
    });
  });

  await t.test('the cluster still works after the attempts', async (t) => {
    const admin = new Admin({ bootstrap: pair.brokers[1].bootstrap });
    t.teardown(() => admin.close());
    await admin.createTopic('after', { partitions: 1, replicationFactor: 2 });
    t.pass('createTopics answered: the controller kept its majority');
    // The broker asked may apply the committed topic a moment after the controller answered.
    await waitFor(async () => (await admin.listTopics()).includes('after'), { what: "'after' listed" });
  });
});
