/**
 * TLS on the client listeners of real broker processes (`--tls-cert/--tls-key/--tls-ca/--tls-client-auth`), with
 * certificates made by openssl at test time: round trips over tls:// and wss://, a plaintext client told clearly
 * (and counted), expired and untrusted certificates refused, client certificates required, and SIGHUP rotation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { connect as connectTls } from 'node:tls';
import t from 'tap';
import type { Test } from 'tap';
import { Admin, Consumer, Producer, stringCodec, type ClientTlsOptions } from '../../../client/index.js';
import { startBrokerProcess, type BrokerProcess } from '../../helpers/broker-process.js';
import { runBrook } from '../../helpers/brook-cli.js';
import { consumeUntil } from '../../helpers/consume.js';
import { httpGet, metricSum } from '../../helpers/http.js';
import { fingerprint256, makeCertificates, opensslMissing, type CertFiles } from '../../helpers/tls-certs.js';
import { waitFor } from '../../helpers/wait-for.js';

void t.test('client TLS', { skip: opensslMissing() ?? false }, run);

/** A client that gives up at once: a refused handshake must surface as an error, not as retries. */
const ONE_TRY = { reconnectMaxRetries: 0, requestTimeoutMs: 10_000, connectTimeoutMs: 5_000 } as const;

function tlsBootstrap(broker: BrokerProcess): string {
  return `tls://127.0.0.1:${String(broker.tcpPort)}`;
}

function wssBootstrap(broker: BrokerProcess): string {
  return `wss://127.0.0.1:${String(broker.wsPort)}`;
}

function tlsArgs(files: CertFiles, ca: string, clientAuth: 'none' | 'request' | 'require'): string[] {
  return ['--tls-cert', files.cert, '--tls-key', files.key, '--tls-ca', ca, '--tls-client-auth', clientAuth];
}

/** The error `work` rejects with, as text ('' when it resolved). */
async function errorOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return '';
  } catch (err: unknown) {
    return err instanceof Error ? `${err.message} ${err.cause instanceof Error ? err.cause.message : ''}` : String(err);
  }
}

/** Lists topics with a fresh Admin of `options` (closed after), as the smallest request a client makes. */
async function listWith(bootstrap: string, tls: ClientTlsOptions | undefined): Promise<string[]> {
  const admin = new Admin({ bootstrap, ...ONE_TRY, ...(tls === undefined ? {} : { tls }) });
  try {
    return await admin.listTopics();
  } finally {
    await admin.close();
  }
}

/** The SHA-256 fingerprint of the certificate a new TLS connection to `port` is served. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

async function run(t: Test): Promise<void> {
  const certs = makeCertificates(t);
  const ca = fs.readFileSync(certs.caCert);
  const trustCa: ClientTlsOptions = { ca };
  // The broker reads its certificate from these paths, so rotation can replace the files under it.
  const live: CertFiles = { cert: path.join(certs.dir, 'live.crt'), key: path.join(certs.dir, 'live.key') };
  fs.copyFileSync(certs.broker.cert, live.cert);
  fs.copyFileSync(certs.broker.key, live.key);
  const broker = await startBrokerProcess(t, { args: tlsArgs(live, certs.caCert, 'request') });

  await t.test('records round-trip over tls:// and wss://', async (t) => {
    for (const bootstrap of [tlsBootstrap(broker), wssBootstrap(broker)]) {
      const topic = `over-${bootstrap.slice(0, bootstrap.indexOf(':'))}`;
      const options = { bootstrap, tls: trustCa };
      const admin = new Admin(options);
      const producer = new Producer<string>({ ...options, codec: stringCodec() });
      const consumer = new Consumer<string>({ ...options, codec: stringCodec(), from: 'earliest' });
      t.teardown(() => Promise.all([admin.close(), producer.close({ timeoutMs: 1_000 }), consumer.close()]));
      await admin.createTopic(topic, { partitions: 1 });
      const values = Array.from({ length: 100 }, (_, i) => `${topic} ${String(i)}`);
      await Promise.all(values.map((value) => producer.send({ topic, value })));
      await consumer.assign(topic);
      const records = await consumeUntil(consumer, (got) => got.length >= values.length);
      t.same(
        records.map((r) => r.value),
        values,
        `100 records produced and consumed over ${bootstrap}`,
      );
    }
  });

  await t.test('a client certificate from the CA is accepted under `request`', async (t) => {
    const client = { ...trustCa, cert: fs.readFileSync(certs.client.cert), key: fs.readFileSync(certs.client.key) };
    t.ok((await listWith(tlsBootstrap(broker), client)).length >= 0, 'listTopics answered over mutual TLS');
  });

  await t.test('the CLI connects with --tls-ca, and a client certificate with --tls-cert/--tls-key', async (t) => {
    const base = ['topic', 'list', '--bootstrap', tlsBootstrap(broker)];
    const trusted = await runBrook(t, [...base, '--tls-ca', certs.caCert]);
    t.equal(trusted.code, 0, `topic list over tls:// exits 0 (stderr: ${trusted.stderr})`);
    t.match(trusted.stdout, /over-tls/, 'and lists the topic made over tls://');
    const withCert = await runBrook(t, [
      ...base,
      '--tls-ca',
      certs.caCert,
      '--tls-cert',
      certs.client.cert,
      '--tls-key',
      certs.client.key,
    ]);
    t.equal(withCert.code, 0, 'with a client certificate too');
    const untrusted = await runBrook(t, base);
    t.not(untrusted.code, 0, 'without --tls-ca the test CA is not trusted');
    t.match(untrusted.stderr, /not trusted.*--tls-ca/, 'and the error says which flag to give');
    const halfCert = await runBrook(t, [...base, '--tls-cert', certs.client.cert]);
    t.match(halfCert.stderr, /--tls-cert .*needs both --tls-cert and --tls-key/, 'a certificate without its key');
  });

  await t.test('a plaintext client on the TLS port gets a clear error quickly, and it is counted', async (t) => {
    const started = process.hrtime.bigint();
    const error = await errorOf(() => listWith(broker.bootstrap, undefined));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    t.match(error, /speaks TLS.*use tls:\/\//, 'the error says the port speaks TLS and what to use');
    t.ok(elapsedMs < 5_000, `within 5 s, not a hang (took ${elapsedMs.toFixed(0)} ms)`);
    const metrics = await httpGet(broker.wsPort, '/metrics', 10_000, ca);
    t.equal(metrics.status, 200, '/metrics is served over HTTPS');
    t.ok(metricSum(metrics.body, 'brook_tls_handshake_failures_total') >= 1, 'the failed handshake is counted');
    await waitFor(() => broker.logged('TLS handshake failed').length > 0, { what: 'the failed handshake logged' });
  });

  await t.test('a broker certificate from another CA is refused by the client', async (t) => {
    const error = await errorOf(() => listWith(tlsBootstrap(broker), { ca: fs.readFileSync(certs.otherCaCert) }));
    t.match(error, /TLS connection to tls:\/\/127\.0\.0\.1:\d+ failed: .*not trusted/, 'refused, saying why');
  });

  await t.test('an expired broker certificate is refused by the client', async (t) => {
    const expired = await startBrokerProcess(t, { args: tlsArgs(certs.expiredBroker, certs.caCert, 'none') });
    const error = await errorOf(() => listWith(tlsBootstrap(expired), trustCa));
    t.match(error, /certificate has expired/, 'refused: certificate has expired');
    const wssError = await errorOf(() => listWith(wssBootstrap(expired), trustCa));
    t.match(wssError, /certificate has expired/, 'over wss:// too');
  });

  await t.test('under `require`, a client without a certificate is refused', async (t) => {
    const strict = await startBrokerProcess(t, { args: tlsArgs(certs.broker, certs.caCert, 'require') });
    const error = await errorOf(() => listWith(tlsBootstrap(strict), trustCa));
    t.match(error, /requires a client certificate/, 'refused without a certificate, saying what is missing');
    const client = { ...trustCa, cert: fs.readFileSync(certs.client.cert), key: fs.readFileSync(certs.client.key) };
    t.same(await listWith(tlsBootstrap(strict), client), [], 'let in with a certificate from the CA');
    const foreign = {
      ...trustCa,
      cert: fs.readFileSync(certs.foreignBroker.cert),
      key: fs.readFileSync(certs.foreignBroker.key),
    };
    t.not(
      await errorOf(() => listWith(tlsBootstrap(strict), foreign)),
      '',
      'refused with a certificate from another CA',
    );
    const wssError = await errorOf(() => listWith(wssBootstrap(strict), client));
    t.match(
      wssError,
      /403|Unexpected server response/,
      'the WebSocket port refuses upgrades: it cannot check certificates',
    );
  });

  await t.test('a verified client certificate logs in as User:<CN>, which ACLs then decide for', async (t) => {
    const usersFile = path.join(certs.dir, 'users');
    fs.writeFileSync(usersFile, 'admin:admin-secret\n');
    const acl = await startBrokerProcess(t, {
      args: [
        ...tlsArgs(certs.broker, certs.caCert, 'request'),
        ...['--users-file', usersFile, '--authorizer', 'acl', '--super-users', 'User:alice'],
      ],
    });
    const alice = { ...trustCa, cert: fs.readFileSync(certs.client.cert), key: fs.readFileSync(certs.client.key) };
    const admin = new Admin({ bootstrap: tlsBootstrap(acl), tls: alice, ...ONE_TRY });
    t.teardown(() => admin.close());
    await admin.createTopic('by-alice');
    t.same(await admin.listTopics(), ['by-alice'], 'alice (CN=alice, a super user) logged in without a password');
    const error = await errorOf(() => listWith(tlsBootstrap(acl), trustCa));
    t.match(error, /SCRAM|authentication/, 'without a certificate, a password is needed on this broker');
  });

  await t.test('SIGHUP serves a rotated certificate to new connections; open ones keep working', async (t) => {
    const topic = 'rotation';
    const producer = new Producer<string>({ bootstrap: tlsBootstrap(broker), tls: trustCa, codec: stringCodec() });
    t.teardown(() => producer.close({ timeoutMs: 1_000 }));
    const admin = new Admin({ bootstrap: tlsBootstrap(broker), tls: trustCa });
    t.teardown(() => admin.close());
    await admin.createTopic(topic, { partitions: 1 });
    await producer.send({ topic, value: 'before' });
    t.equal(await servedFingerprint(broker.tcpPort), fingerprint256(certs.broker.cert), 'the first certificate');

    fs.copyFileSync(certs.rotatedBroker.cert, live.cert);
    fs.copyFileSync(certs.rotatedBroker.key, live.key);
    broker.kill('SIGHUP');
    await waitFor(() => broker.logged('TLS files reloaded for new connections on the TCP port').length > 0, {
      what: 'the reload logged',
    });
    t.equal(
      await servedFingerprint(broker.tcpPort),
      fingerprint256(certs.rotatedBroker.cert),
      'a new connection is served the rotated certificate',
    );
    const meta = await producer.send({ topic, value: 'after' });
    t.equal(meta.offset, 1, 'the producer connected before the reload still produces');
    t.ok(broker.alive, 'the broker kept running');
  });
}
