import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import t from 'tap';
import { plainCredentials } from '../../../broker/kafka/sasl.js';
import { ProtocolError, scramCredential, ScramServer } from '../../../protocol/index.js';

void t.test("PLAIN's message is authzid NUL user NUL password (RFC 4616)", (t) => {
  t.same(plainCredentials('\u0000alice\u0000pw'), { user: 'alice', password: 'pw' });
  t.same(plainCredentials('alice\u0000alice\u0000p\u00e4ss'), { user: 'alice', password: 'p\u00e4ss' });
  t.throws(() => plainCredentials('bob\u0000alice\u0000pw'), /authorization id/, 'acting as another user');
  t.throws(() => plainCredentials('\u0000\u0000pw'), /malformed/, 'no user');
  t.throws(() => plainCredentials('alice:pw'), /malformed/);
  t.end();
});

void t.test(
  "librdkafka's SCRAM client-final (its nonce again in front of the combined one) is accepted, as Kafka does",
  async (t) => {
    const salt = new Uint8Array(16).fill(1);
    const credential = await scramCredential('pw', salt);
    const clientFirst = 'n,,n=alice,r=clientNonce';
    const server = ScramServer.start(clientFirst, () => credential, 'serverNonce');
    // librdkafka 2.0 writes r=<client nonce><server's r>, and signs what it sent.
    const withoutProof = 'c=biws,r=clientNonceclientNonceserverNonce';
    const final = `${withoutProof},p=${proof('pw', salt, `n=alice,r=clientNonce,${server.serverFirst},${withoutProof}`)}`;
    await t.resolves(server.finish(final));
    const replayed = ScramServer.start(clientFirst, () => credential, 'otherNonce');
    await t.rejects(replayed.finish(final), ProtocolError, 'a nonce not ending in this exchange is still refused');
  },
);

/** RFC 5802's ClientProof for `password` over `authMessage` (SCRAM-SHA-256, 4096 iterations). */
function proof(password: string, salt: Uint8Array, authMessage: string): string {
  const salted = pbkdf2Sync(password, salt, 4096, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const signature = createHmac('sha256', storedKey).update(authMessage).digest();
  return Buffer.from(clientKey.map((b, i) => b ^ (signature[i] ?? 0))).toString('base64');
}
