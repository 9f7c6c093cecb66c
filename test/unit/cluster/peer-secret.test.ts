import t from 'tap';
import { handshakeProof, newNonce, proofMatches } from '../../../broker/cluster/peer-secret.js';

const secret = Buffer.from('0123456789abcdef-cluster-secret');
const facts = { clusterId: 'c1', from: 2, dialerNonce: newNonce(), acceptorNonce: newNonce() };

void t.test('a proof is checked against the secret, the role and every fact of the handshake', (t) => {
  const dialer = handshakeProof(secret, 'dialer', facts);
  t.ok(proofMatches(secret, 'dialer', facts, dialer), 'the right proof');
  t.notOk(proofMatches(secret, 'acceptor', facts, dialer), "the dialler's proof is not the acceptor's (no echo)");
  t.notOk(proofMatches(Buffer.from('another secret, long enough'), 'dialer', facts, dialer), 'another secret');
  t.notOk(proofMatches(secret, 'dialer', { ...facts, from: 3 }, dialer), 'another broker id');
  t.notOk(proofMatches(secret, 'dialer', { ...facts, acceptorNonce: newNonce() }, dialer), 'a replay: new nonce');
  t.notOk(proofMatches(secret, 'dialer', { ...facts, clusterId: 'c2' }, dialer), 'another cluster');
  t.notOk(proofMatches(secret, 'dialer', facts, dialer.subarray(0, 16)), 'a truncated proof');
  t.not(newNonce().toString('hex'), newNonce().toString('hex'), 'nonces differ');
  t.end();
});
