import t from 'tap';
import { ProtocolError } from '../../../protocol/index.js';
import { fromBase64, ScramClient, scramCredential, ScramServer, toBase64 } from '../../../protocol/scram.js';

// RFC 7677 section 3: user "user", password "pencil".
const CLIENT_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_NONCE = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const SALT = fromBase64('W22ZaJ0SNY7soEsUEjb6gQ==');
const CLIENT_FIRST = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO';
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const CLIENT_FINAL =
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

const credentialOf = async () => scramCredential('pencil', SALT, 4096);

void t.test("RFC 7677's exchange, message by message, on both sides", async (t) => {
  const credential = await credentialOf();
  const client = new ScramClient('user', 'pencil', CLIENT_NONCE);
  t.equal(client.first(), CLIENT_FIRST);
  const server = ScramServer.start(client.first(), () => credential, SERVER_NONCE);
  t.equal(server.username, 'user');
  t.equal(server.serverFirst, SERVER_FIRST);
  t.equal(await client.final(server.serverFirst), CLIENT_FINAL);
  t.equal(await server.finish(CLIENT_FINAL), SERVER_FINAL);
  t.doesNotThrow(() => {
    client.verify(SERVER_FINAL);
  }, 'the client accepts the server signature');
});

void t.test('a wrong password fails the proof', async (t) => {
  const credential = await credentialOf();
  const client = new ScramClient('user', 'pencil2', CLIENT_NONCE);
  const server = ScramServer.start(client.first(), () => credential, SERVER_NONCE);
  await t.rejects(server.finish(await client.final(server.serverFirst)), ProtocolError, 'refused');
});

void t.test('a recorded client-final replayed on a new exchange is refused (fresh server nonce)', async (t) => {
  const credential = await credentialOf();
  const server = ScramServer.start(CLIENT_FIRST, () => credential, 'anotherServerNonce');
  await t.rejects(server.finish(CLIENT_FINAL), /nonce mismatch/);
});

void t.test('one exchange answers one client-final only', async (t) => {
  const credential = await credentialOf();
  const server = ScramServer.start(CLIENT_FIRST, () => credential, SERVER_NONCE);
  t.equal(await server.finish(CLIENT_FINAL), SERVER_FINAL);
  await t.rejects(server.finish(CLIENT_FINAL), /already finished/);
});

void t.test('truncated or altered messages are refused', async (t) => {
  const credential = await credentialOf();
  const start = (first: string) => ScramServer.start(first, () => credential, SERVER_NONCE);
  t.throws(() => start('n,,n=user'), ProtocolError, 'client-first without nonce');
  t.throws(() => start('y,,n=user,r=abc'), /channel binding/, 'gs2 flag other than n');
  t.throws(() => start('n,a=admin,n=user,r=abc'), /authzid/, 'authzid');
  t.throws(() => start('n,,n=user,r=abc,m=ext'), /unexpected/, 'mandatory extension');
  const withoutProof = CLIENT_FINAL.slice(0, CLIENT_FINAL.indexOf(',p='));
  await t.rejects(start(CLIENT_FIRST).finish(withoutProof), /truncated/, 'client-final without proof');
  await t.rejects(start(CLIENT_FIRST).finish(CLIENT_FINAL.slice(0, -8)), ProtocolError, 'proof cut short');
  await t.rejects(start(CLIENT_FIRST).finish(CLIENT_FINAL.replace('c=biws', 'c=eSws')), /channel binding/);
});

void t.test('the client refuses a server that does not hold the credential or lowers the iterations', async (t) => {
  const client = new ScramClient('user', 'pencil', CLIENT_NONCE);
  await client.final(SERVER_FIRST);
  t.throws(() => {
    client.verify('v=' + toBase64(new Uint8Array(32)));
  }, /signature/);
  t.throws(() => {
    client.verify('e=invalid-proof');
  }, /refused: invalid-proof/);
  await t.rejects(
    new ScramClient('user', 'pencil', CLIENT_NONCE).final(SERVER_FIRST.replace('i=4096', 'i=1')),
    /iteration/,
  );
  await t.rejects(
    new ScramClient('user', 'pencil', CLIENT_NONCE).final(SERVER_FIRST.replace(CLIENT_NONCE, 'other')),
    /nonce/,
  );
});

void t.test('usernames with "," and "=" are escaped and read back', (t) => {
  const client = new ScramClient('a,b=c', 'x', 'nonce');
  t.equal(client.first(), 'n,,n=a=2Cb=3Dc,r=nonce');
  t.equal(
    ScramServer.start(client.first(), () => ({ salt: SALT, iterations: 4096, storedKey: SALT, serverKey: SALT }), 'srv')
      .username,
    'a,b=c',
  );
  t.end();
});

void t.test('stored credentials need at least 4096 iterations', async (t) => {
  await t.rejects(scramCredential('pw', SALT, 4095), RangeError);
});
