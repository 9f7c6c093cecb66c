import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { defaultClusterId } from '../../../broker/cluster/cluster-id.js';
import { tempDir } from '../../helpers/temp-dir.js';

const peers = [3, 1, 2].map((id) => ({ id, host: '127.0.0.1', port: 9402 }));
const plain = { peers, join: false, brokerId: 1, clusterSecretFile: undefined, peerTlsCa: undefined };

/** Writes `text` to a new file in `dir`. */
function file(dir: string, name: string, text: string): string {
  const at = path.join(dir, name);
  fs.writeFileSync(at, text);
  return at;
}

void t.test('without a peer credential the id is brook-<sorted founding ids>, as before', (t) => {
  t.equal(defaultClusterId(plain), 'brook-1-2-3');
  t.equal(defaultClusterId({ ...plain, brokerId: 3 }), 'brook-1-2-3', 'the same on every founder');
  t.equal(defaultClusterId({ ...plain, brokerId: 3, join: true }), 'brook-1-2', 'a joiner leaves itself out');
  t.end();
});

void t.test('with a cluster secret the id is keyed by it: the same on every founder, unguessable without it', (t) => {
  const dir = tempDir(t, 'brook-cluster-id-');
  const secret = file(dir, 'secret', 'a cluster secret of enough bytes\n');
  const other = file(dir, 'other', 'another cluster secret, also long\n');
  const id = defaultClusterId({ ...plain, clusterSecretFile: secret });
  t.match(id, /^brook-[A-Za-z0-9_-]{22}$/);
  t.equal(defaultClusterId({ ...plain, brokerId: 2, clusterSecretFile: secret }), id, 'founders agree');
  t.not(defaultClusterId({ ...plain, clusterSecretFile: other }), id, 'another cluster of brokers 1-3 differs');
  t.not(id, 'brook-1-2-3');
  t.end();
});

void t.test('with peer TLS the id is keyed by the peer CA', (t) => {
  const ca = file(tempDir(t, 'brook-cluster-id-'), 'ca.crt', '-----BEGIN CERTIFICATE-----\nnot parsed here\n');
  const id = defaultClusterId({ ...plain, peerTlsCa: ca });
  t.match(id, /^brook-[A-Za-z0-9_-]{22}$/);
  t.equal(defaultClusterId({ ...plain, brokerId: 3, peerTlsCa: ca }), id);
  t.end();
});
