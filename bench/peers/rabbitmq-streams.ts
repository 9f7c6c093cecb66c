/**
 * RabbitMQ Streams as a peer: a private RabbitMQ node (Debian `rabbitmq-server`) with only the `rabbitmq_stream`
 * plugin, its own epmd, and every listener on 127.0.0.1, driven by `rabbitmq-stream-js-client` (its batching
 * publisher with confirms; consumers with the Java client's default credit of 10 chunks, see StoppableCredit).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, Offset, type Client } from 'rabbitmq-stream-js-client';
import { AckWindow, shares } from './ack-window.js';
import { allowPre311Servers, StoppableCredit } from './rabbitmq-compat.js';
import { LatencyRecorder, latencyPayload, measureOpenLoop, readIndex, writeIndex } from './open-loop.js';
import type { LatencySample, Measurement, PeerFactory, PeerSystem } from './peer.js';
import { freePort } from '../harness/free-port.js';
import {
  makeTempDir,
  onPath,
  portOpen,
  rssOf,
  spawnServer,
  timeoutFor,
  toError,
  waitUntil,
  withTimeout,
  type ServerProcess,
} from './server-process.js';

const rabbitHome = '/usr/lib/rabbitmq';
const serverScript = join(rabbitHome, 'bin', 'rabbitmq-server');
const epmdBinary = 'epmd';
/** Unconfirmed messages per producer; the RabbitMQ stream Java client's default (maxUnconfirmedMessages). */
const maxUnconfirmed = 10_000;
/** Chunks a consumer may have in flight; the RabbitMQ stream Java client's default (initialCredits). */
const consumerInitialCredits = 10;
/** Erlang boot plus the stream plugin takes ~5 s on an idle 2-core machine; allow for a busy one. */
const startTimeoutMs = 90_000;

/** Offers RabbitMQ Streams if the Debian package (with its stream plugin) and Erlang's erl and epmd are installed. */
export const rabbitmqStreams: PeerFactory = () => {
  if (!existsSync(serverScript)) {
    return { available: false, reason: `${serverScript} not found (apt-get install -y rabbitmq-server)` };
  }
  const version = installedVersion();
  if (version === undefined) return { available: false, reason: `no rabbitmq_server-* under ${rabbitHome}/lib` };
  if (!hasStreamPlugin(version)) return { available: false, reason: 'the rabbitmq_stream plugin is not installed' };
  for (const command of [epmdBinary, 'erl']) {
    if (!onPath(command)) return { available: false, reason: `${command} (Erlang) not found on PATH` };
  }
  return { available: true, create: () => new RabbitmqStreams(version) };
};

function installedVersion(): string | undefined {
  try {
    const dir = readdirSync(join(rabbitHome, 'lib')).find((name) => name.startsWith('rabbitmq_server-'));
    return dir?.slice('rabbitmq_server-'.length);
  } catch {
    return undefined;
  }
}

function hasStreamPlugin(version: string): boolean {
  const plugins = join(rabbitHome, 'lib', `rabbitmq_server-${version}`, 'plugins');
  try {
    return readdirSync(plugins).some((name) => name.startsWith('rabbitmq_stream-'));
  } catch {
    return false;
  }
}

class RabbitmqStreams implements PeerSystem {
  readonly name = 'rabbitmq-streams';
  readonly durability =
    'stream queue defaults, 1 node (confirmed once written to the segment file, no fsync; replication is the durability)';
  version: string;
  private server: ServerProcess | undefined;
  private epmd: ServerProcess | undefined;
  private port = 0;

  constructor(installed: string) {
    this.version = installed;
  }

  async start(): Promise<void> {
    if (this.server !== undefined) throw new Error('rabbitmq-streams already started');
    try {
      const epmdPort = await freePort();
      const epmdDir = makeTempDir('epmd');
      this.epmd = spawnServer(epmdBinary, ['-port', String(epmdPort), '-address', '127.0.0.1'], epmdDir);
      await waitUntil('epmd', this.epmd, () => portOpen(epmdPort), startTimeoutMs);
      const dataDir = makeTempDir('rabbitmq');
      this.port = await freePort();
      const distPort = await freePort();
      this.server = spawnServer(serverScript, [], dataDir, this.environment(dataDir, epmdPort, distPort));
      const server = this.server;
      await waitUntil(
        'rabbitmq-server',
        server,
        async () => {
          if (!(await portOpen(this.port))) return false;
          const client = await this.client();
          this.version = client.rabbitManagementVersion || this.version;
          await client.close();
          return true;
        },
        startTimeoutMs,
      );
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async produce(name: string, spec: { records: number; recordBytes: number; producers: number }): Promise<Measurement> {
    await this.ensureStream(name, false);
    const payload = randomBytes(spec.recordBytes);
    const clients = await Promise.all(
      shares(spec.records, spec.producers).map(async (count) => ({ count, client: await this.client() })),
    );
    try {
      const started = performance.now();
      await withTimeout(
        'rabbitmq-streams produce',
        Promise.all(clients.map(({ count, client }) => publishAll(client, name, payload, count))),
        timeoutFor(spec.records),
      );
      const seconds = (performance.now() - started) / 1000;
      return { records: spec.records, bytes: spec.records * spec.recordBytes, seconds };
    } finally {
      await Promise.all(clients.map(({ client }) => client.close()));
    }
  }

  async consume(name: string, records: number): Promise<Measurement> {
    const client = await this.client();
    try {
      const started = performance.now();
      let seen = 0;
      let bytes = 0;
      if (records > 0) {
        let done: () => void = () => undefined;
        const finished = new Promise<void>((resolve) => {
          done = resolve;
        });
        const creditPolicy = new StoppableCredit(consumerInitialCredits);
        await client.declareConsumer({ stream: name, offset: Offset.first(), creditPolicy }, (message) => {
          seen++;
          bytes += message.content.byteLength;
          if (seen === records) done();
        });
        await withTimeout('rabbitmq-streams consume', finished, timeoutFor(records)).finally(() => {
          creditPolicy.stop();
        });
      }
      return { records: seen, bytes, seconds: (performance.now() - started) / 1000 };
    } finally {
      await client.close();
    }
  }

  async latency(
    name: string,
    spec: { ratePerSec: number; seconds: number; recordBytes: number },
  ): Promise<LatencySample[]> {
    await this.ensureStream(name, true);
    const consumerClient = await this.client();
    const producerClient = await this.client();
    const creditPolicy = new StoppableCredit(consumerInitialCredits);
    try {
      const recorder = new LatencyRecorder(Math.round(spec.ratePerSec * spec.seconds));
      await consumerClient.declareConsumer({ stream: name, offset: Offset.first(), creditPolicy }, (message) => {
        recorder.deliver(readIndex(message.content), performance.now());
      });
      const publisher = await producerClient.declarePublisher({ stream: name });
      const failure: { first: Error | undefined } = { first: undefined };
      publisher.on('publish_confirm', (err) => {
        if (err !== null) failure.first ??= new Error(`rabbitmq-streams publish error code ${String(err)}`);
      });
      const payload = latencyPayload(spec.recordBytes);
      const samples = await measureOpenLoop(spec.ratePerSec, spec.seconds, recorder, (index) => {
        publisher.send(writeIndex(payload, index)).catch((err: unknown) => {
          failure.first ??= toError(err);
        });
      });
      if (failure.first !== undefined) throw failure.first;
      return samples;
    } finally {
      creditPolicy.stop();
      await Promise.all([consumerClient.close(), producerClient.close()]);
    }
  }

  rssBytes(): number {
    const server = this.server;
    if (server === undefined) return 0;
    // The spawned pid is the start script's shell; the broker is the Erlang VM it started (its pid file).
    try {
      return rssOf(Number(readFileSync(join(server.dataDir, 'rabbit.pid'), 'utf8').trim()));
    } catch {
      return 0;
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    const epmd = this.epmd;
    this.server = undefined;
    this.epmd = undefined;
    await server?.stop(15_000);
    await epmd?.stop();
  }

  /** A private node: own config, plugins file, data, logs, cookie (HOME), epmd and ports, all on 127.0.0.1. */
  private environment(dataDir: string, epmdPort: number, distPort: number): NodeJS.ProcessEnv {
    const config = [
      'listeners.tcp = none',
      `stream.listeners.tcp.1 = 127.0.0.1:${String(this.port)}`,
      'stream.advertised_host = 127.0.0.1',
      `stream.advertised_port = ${String(this.port)}`,
      '',
    ].join('\n');
    writeFileSync(join(dataDir, 'rabbitmq.conf'), config);
    writeFileSync(join(dataDir, 'enabled_plugins'), '[rabbitmq_stream].\n');
    mkdirSync(join(dataDir, 'home'));
    return {
      PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: join(dataDir, 'home'),
      LANG: 'C.UTF-8',
      ERL_EPMD_PORT: String(epmdPort),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      RABBITMQ_CONF_ENV_FILE: join(dataDir, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: join(dataDir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dataDir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dataDir, 'enabled_plugins'),
      RABBITMQ_PLUGINS_EXPAND_DIR: join(dataDir, 'plugins-expand'),
      RABBITMQ_FEATURE_FLAGS_FILE: join(dataDir, 'feature_flags'),
      RABBITMQ_MNESIA_BASE: join(dataDir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dataDir, 'log'),
      RABBITMQ_LOGS: '-',
      RABBITMQ_PID_FILE: join(dataDir, 'rabbit.pid'),
      RABBITMQ_NODENAME: `brookbench${String(process.pid)}${String(this.port)}@localhost`,
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
  }

  private client(): Promise<Client> {
    if (this.port === 0) return Promise.reject(new Error('rabbitmq-streams is not started'));
    allowPre311Servers();
    return connect({ hostname: '127.0.0.1', port: this.port, username: 'guest', password: 'guest', vhost: '/' });
  }

  /** Creates `stream` with the stream queue defaults if absent; `fresh` deletes an existing one first. */
  private async ensureStream(stream: string, fresh: boolean): Promise<void> {
    const client = await this.client();
    try {
      if (fresh) await client.deleteStream({ stream }).catch(() => false);
      await client.createStream({ stream, arguments: {} });
    } finally {
      await client.close();
    }
  }
}

/** Publishes `count` copies of `payload` through the client's batching publisher, bounded by confirms. */
async function publishAll(client: Client, stream: string, payload: Buffer, count: number): Promise<void> {
  const publisher = await client.declarePublisher({ stream });
  const window = new AckWindow(maxUnconfirmed);
  publisher.on('publish_confirm', (err, publishingIds) => {
    if (err === null) window.acked(publishingIds.length);
    else window.failed(new Error(`rabbitmq-streams publish error code ${String(err)}`));
  });
  const onError = (err: unknown): void => {
    window.failed(err);
  };
  for (let i = 0; i < count; i++) {
    publisher.send(payload).catch(onError);
    const room = window.sent();
    if (room !== undefined) await room;
  }
  await publisher.flush();
  await window.drained();
  await publisher.close();
}
