/**
 * kcat (librdkafka 2.x, as Debian ships it) against a real broker process's Kafka listener: metadata, topic
 * auto-creation by Metadata, SASL logins, and the raw-socket cases a Kafka client library never sends: an unknown
 * API key and an oversized frame.
 */
import { connect, type Socket } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { httpGet, metricSum } from '../../helpers/http.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { findKcat, isPath, kcatMetadata } from './kafka-tools.js';

const kcat = findKcat();

if (!isPath(kcat)) {
  void t.test('kcat against the Kafka listener', { skip: `kcat is not available: ${kcat}` }, (t) => t.end());
} else {
  void t.test('kcat -L lists the broker at its Kafka port; Metadata creates the topic it names', async (t) => {
    const broker = await startBrokerProcess(t);
    const all = await kcatMetadata(kcat, broker.kafkaBootstrap);
    t.same(
      all.brokers,
      [{ id: 1, name: `127.0.0.1:${String(broker.kafkaPort)}` }],
      'the Kafka port, not the native one',
    );
    t.equal(all.controllerid, 1);
    t.same(all.topics, [], 'no topics yet (internal ones are not listed)');

    const named = await kcatMetadata(kcat, broker.kafkaBootstrap, ['-t', 'auto-made']);
    t.same(
      named.topics.map((topic) => ({ topic: topic.topic, partitions: topic.partitions.map((p) => p.leader) })),
      [{ topic: 'auto-made', partitions: [1] }],
      'created with one partition led by broker 1 (--auto-create-topics on by default)',
    );
    const metrics = await httpGet(broker.wsPort, '/metrics');
    t.ok(
      metricSum(metrics.body, 'brook_kafka_requests_total', { api: 'Metadata' }) >= 2,
      'Kafka requests counted per API',
    );
    t.ok(
      metricSum(metrics.body, 'brook_kafka_request_duration_seconds_count', { api: 'ApiVersions' }) >= 1,
      'and timed',
    );
  });

  void t.test('with --auto-create-topics off, a named topic that does not exist is unknown', async (t) => {
    const broker = await startBrokerProcess(t, { args: ['--auto-create-topics', 'off'] });
    const named = await kcatMetadata(kcat, broker.kafkaBootstrap, ['-t', 'not-made']);
    t.match(named.topics[0]?.error ?? '', /Unknown topic or partition/i);
  });

  void t.test(
    'SASL PLAIN and SCRAM-SHA-256 log in as the native protocol users; a wrong password is refused',
    async (t) => {
      const usersFile = path.join(tempDir(t, 'brook-kafka-users-'), 'users');
      fs.writeFileSync(usersFile, 'alice:alice-pw\n', { mode: 0o600 });
      const broker = await startBrokerProcess(t, { args: ['--users-file', usersFile] });
      const sasl = (mechanism: string, password: string): string[] => [
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        `sasl.mechanisms=${mechanism}`,
        '-X',
        'sasl.username=alice',
        '-X',
        `sasl.password=${password}`,
      ];
      for (const mechanism of ['PLAIN', 'SCRAM-SHA-256']) {
        const metadata = await kcatMetadata(kcat, broker.kafkaBootstrap, sasl(mechanism, 'alice-pw'));
        t.equal(metadata.brokers.length, 1, `${mechanism} logs in`);
      }
      await t.rejects(
        kcatMetadata(kcat, broker.kafkaBootstrap, [...sasl('PLAIN', 'wrong'), '-m', '3']),
        /Authentication failed/,
        'the wrong password is refused',
      );
      t.ok(
        broker.logged('login failed').some((line) => line['username'] === 'alice'),
        'logged as the native listener logs failed logins',
      );
    },
  );

  void t.test(
    'raw socket: an unknown API key gets an answer, an oversized frame closes only its connection',
    async (t) => {
      const broker = await startBrokerProcess(t);
      const unknown = await exchange(broker.kafkaPort, frame(999, 0, 77));
      t.equal(unknown.answer?.readInt32BE(0), 6, 'a response header and an int16: 6 bytes');
      t.equal(unknown.answer?.readInt32BE(4), 77, 'under the request correlation id');
      t.equal(unknown.answer?.readInt16BE(8), 35, 'UNSUPPORTED_VERSION');
      t.ok(unknown.closed, 'then the connection is closed');

      const oversized = Buffer.alloc(4);
      // 100 MiB announced, over the default --max-frame-bytes of 8 MiB: refused from the prefix, before any byte of it.
      oversized.writeInt32BE(100 * 1024 * 1024, 0);
      const big = await exchange(broker.kafkaPort, oversized);
      t.ok(big.closed, 'closed');
      await waitFor(() => broker.logged('closing Kafka connection').some((l) => /8388608/.test(String(l['reason']))), {
        what: 'the log line naming the frame size cap',
      });
      const still = await kcatMetadata(kcat, broker.kafkaBootstrap);
      t.equal(still.brokers.length, 1, 'other connections are served as before');
    },
  );
}

/** A request frame of only a header v1 (no client id, no body). */
function frame(apiKey: number, version: number, correlationId: number): Buffer {
  const out = Buffer.alloc(14);
  out.writeInt32BE(10, 0);
  out.writeInt16BE(apiKey, 4);
  out.writeInt16BE(version, 6);
  out.writeInt32BE(correlationId, 8);
  out.writeInt16BE(-1, 12);
  return out;
}

/** Sends `bytes` on a new connection; resolves with what came back once the broker has closed it. */
function exchange(port: number, bytes: Buffer): Promise<{ answer: Buffer | undefined; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      resolve({ answer: chunks.length === 0 ? undefined : Buffer.concat(chunks), closed: true });
    });
  });
}
