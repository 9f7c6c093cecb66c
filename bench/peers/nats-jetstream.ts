/**
 * NATS JetStream as a peer: a private `nats-server -js` with file storage, one replica, driven by the `nats` npm
 * client (async publish with acks, a pull consumer for reads).
 */
import { randomBytes } from 'node:crypto';
import {
  AckPolicy,
  connect,
  createInbox,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  type Consumer,
  type NatsConnection,
} from 'nats';
import { AckWindow, shares } from './ack-window.js';
import { LatencyRecorder, latencyPayload, measureOpenLoop, readIndex, writeIndex } from './open-loop.js';
import type { LatencySample, Measurement, PeerFactory, PeerSystem } from './peer.js';
import { freePort } from '../harness/free-port.js';
import {
  makeTempDir,
  portOpen,
  rssOf,
  runQuiet,
  spawnServer,
  timeoutFor,
  waitUntil,
  withTimeout,
  type ServerProcess,
} from './server-process.js';

const binary = 'nats-server';
/** Unacknowledged async publishes per producer; the Go client's default PublishAsyncMaxPending. */
const maxPendingAcks = 4_000;
/** Messages asked for per pull request by the consumer. */
const pullBatch = 10_000;
const startTimeoutMs = 30_000;
/** Ephemeral reader consumers are removed by the server this long after the reader goes away, in ns. */
const readerInactiveNs = 30 * 1e9;

/** Offers NATS JetStream if `nats-server` runs here. */
export const natsJetStream: PeerFactory = () => {
  const output = runQuiet(binary, ['--version']);
  if (output === undefined) return { available: false, reason: `${binary} not found (apt-get install -y nats-server)` };
  const version = /v?(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? output.trim();
  return { available: true, create: () => new NatsJetStream(version) };
};

/** JetStream stream names may not contain '.', '*', '>' or whitespace; the subject is the stream name. */
function streamName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

class NatsJetStream implements PeerSystem {
  readonly name = 'nats-jetstream';
  readonly durability = 'JetStream file storage, 1 replica (acked after write to the OS; fsync every 2 min, default)';
  version: string;
  private server: ServerProcess | undefined;
  private port = 0;

  constructor(binaryVersion: string) {
    this.version = binaryVersion;
  }

  async start(): Promise<void> {
    if (this.server !== undefined) throw new Error('nats-jetstream already started');
    const dataDir = makeTempDir('nats');
    this.port = await freePort();
    const server = spawnServer(binary, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', dataDir], dataDir);
    this.server = server;
    try {
      await waitUntil('nats-server', server, () => portOpen(this.port), startTimeoutMs);
      const nc = await this.connection();
      this.version = nc.info?.version ?? this.version;
      // JetStream may still be restoring (nothing to restore here) when the port opens: wait for its API.
      await waitUntil(
        'nats-server JetStream',
        server,
        async () => {
          await (await nc.jetstreamManager()).getAccountInfo();
          return true;
        },
        startTimeoutMs,
      );
      await nc.close();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async produce(name: string, spec: { records: number; recordBytes: number; producers: number }): Promise<Measurement> {
    const stream = streamName(name);
    await this.ensureStream(stream, false);
    const payload = randomBytes(spec.recordBytes);
    const connections = await Promise.all(
      shares(spec.records, spec.producers).map(async (count) => ({ count, nc: await this.connection() })),
    );
    try {
      const started = performance.now();
      await withTimeout(
        'nats-jetstream produce',
        Promise.all(connections.map(({ count, nc }) => publishAll(nc, stream, payload, count))),
        timeoutFor(spec.records),
      );
      const seconds = (performance.now() - started) / 1000;
      return { records: spec.records, bytes: spec.records * spec.recordBytes, seconds };
    } finally {
      await Promise.all(connections.map(({ nc }) => nc.close()));
    }
  }

  async consume(name: string, records: number): Promise<Measurement> {
    const stream = streamName(name);
    const nc = await this.connection();
    try {
      const started = performance.now();
      let seen = 0;
      let bytes = 0;
      if (records > 0) {
        const consumer = await readerFrom(nc, stream);
        await withTimeout(
          'nats-jetstream consume',
          (async () => {
            const messages = await consumer.consume({ max_messages: pullBatch });
            for await (const message of messages) {
              seen++;
              bytes += message.data.byteLength;
              if (seen >= records) break;
            }
          })(),
          timeoutFor(records),
        );
      }
      return { records: seen, bytes, seconds: (performance.now() - started) / 1000 };
    } finally {
      await nc.close();
    }
  }

  async latency(
    name: string,
    spec: { ratePerSec: number; seconds: number; recordBytes: number },
  ): Promise<LatencySample[]> {
    const stream = streamName(name);
    await this.ensureStream(stream, true);
    const consumerConnection = await this.connection();
    const producerConnection = await this.connection();
    try {
      const recorder = new LatencyRecorder(Math.round(spec.ratePerSec * spec.seconds));
      const consumer = await readerFrom(consumerConnection, stream);
      const messages = await consumer.consume({
        max_messages: pullBatch,
        callback: (message) => {
          recorder.deliver(readIndex(message.data), performance.now());
        },
      });
      // Open loop: the window never holds the sender back (a full window would be coordinated omission); it only
      // counts acks so a failed publish fails the run.
      const publisher = asyncPublisher(producerConnection, stream, Number.MAX_SAFE_INTEGER);
      await producerConnection.flush();
      const payload = latencyPayload(spec.recordBytes);
      const samples = await measureOpenLoop(spec.ratePerSec, spec.seconds, recorder, (index) => {
        publisher.publish(writeIndex(payload, index))?.catch(() => undefined);
      });
      await withTimeout('nats-jetstream latency acks', publisher.drained(), 15_000);
      await messages.close();
      return samples;
    } finally {
      await Promise.all([consumerConnection.close(), producerConnection.close()]);
    }
  }

  rssBytes(): number {
    return this.server === undefined ? 0 : rssOf(this.server.pid);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  private connection(): Promise<NatsConnection> {
    if (this.server === undefined) return Promise.reject(new Error('nats-jetstream is not started'));
    return connect({ servers: `127.0.0.1:${String(this.port)}`, maxReconnectAttempts: 0 });
  }

  /** Creates `stream` (file storage, one replica) if absent; `fresh` deletes an existing one first. */
  private async ensureStream(stream: string, fresh: boolean): Promise<void> {
    const nc = await this.connection();
    try {
      const jsm = await nc.jetstreamManager();
      const exists = await jsm.streams.info(stream).then(
        () => true,
        () => false,
      );
      if (exists && !fresh) return;
      if (exists) await jsm.streams.delete(stream);
      await jsm.streams.add({
        name: stream,
        subjects: [stream],
        storage: StorageType.File,
        num_replicas: 1,
        retention: RetentionPolicy.Limits,
      });
    } finally {
      await nc.close();
    }
  }
}

/**
 * A reader of the whole stream: an ephemeral pull consumer without acks. (The client's ordered consumer,
 * `consumers.get(stream, opts)`, never delivers from a 2.9 server, so this is the same thing made by hand.)
 */
async function readerFrom(nc: NatsConnection, stream: string): Promise<Consumer> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: readerInactiveNs,
  });
  return nc.jetstream().consumers.get(stream, info.name);
}

/** The start of every JetStream PubAck (`{"stream":"S","seq":1}`); errors and "no responders" look different. */
const pubAckPrefix = Buffer.from('{"stream"');

function isPubAck(data: Uint8Array): boolean {
  return data.byteLength > pubAckPrefix.byteLength && pubAckPrefix.equals(data.subarray(0, pubAckPrefix.byteLength));
}

/**
 * Async publish with acks the way the Go client's PublishAsync does it: each message is a plain publish whose reply
 * subject is one inbox this producer subscribes to, and JetStream's PubAcks arrive there. (`js.publish()` in the
 * `nats` npm client does a request per message, with its own promise and timer: about 40 us of client CPU per
 * record here, ten times this, which would make the comparison about the client API rather than JetStream.)
 */
function asyncPublisher(
  nc: NatsConnection,
  subject: string,
  maxPending: number,
): {
  publish(payload: Uint8Array): Promise<void> | undefined;
  drained(): Promise<void>;
} {
  const window = new AckWindow(maxPending);
  const inbox = createInbox();
  nc.subscribe(inbox, {
    callback: (err, message) => {
      if (err !== null) window.failed(err);
      else if (isPubAck(message.data)) window.acked();
      else
        window.failed(
          new Error(`nats-jetstream publish failed: ${message.string() || `status ${String(message.headers?.code)}`}`),
        );
    },
  });
  return {
    publish: (payload) => {
      nc.publish(subject, payload, { reply: inbox });
      return window.sent();
    },
    drained: () => window.drained(),
  };
}

/** Async publishes `count` copies of `payload`, keeping at most {@link maxPendingAcks} unacknowledged. */
async function publishAll(nc: NatsConnection, subject: string, payload: Uint8Array, count: number): Promise<void> {
  // The inbox subscription must be known to the server before the first ack is sent to it.
  const publisher = asyncPublisher(nc, subject, maxPendingAcks);
  await nc.flush();
  for (let i = 0; i < count; i++) {
    const room = publisher.publish(payload);
    if (room !== undefined) await room;
  }
  await publisher.drained();
}
