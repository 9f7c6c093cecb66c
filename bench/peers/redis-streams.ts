/**
 * Redis Streams as a peer: a private `redis-server` with AOF (appendfsync everysec) and no RDB snapshots, driven by
 * `ioredis` (pipelined XADD, XREAD).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { shares } from './ack-window.js';
import { LatencyRecorder, latencyPayload, measureOpenLoop, readIndex, writeIndex } from './open-loop.js';
import type { LatencySample, Measurement, PeerFactory, PeerSystem } from './peer.js';
import { freePort } from '../harness/free-port.js';
import {
  makeTempDir,
  rssOf,
  runQuiet,
  spawnServer,
  timeoutFor,
  toError,
  waitUntil,
  withTimeout,
  type ServerProcess,
} from './server-process.js';

const binary = 'redis-server';
/** XADDs per pipeline, and pipelines a producer keeps in flight. */
const pipelineRecords = 1_000;
const pipelinesInFlight = 4;
/** Entries per XREAD. */
const readCount = 10_000;
const startTimeoutMs = 30_000;
/** The stream entry field that holds the record value. */
const field = 'v';

/** Offers Redis Streams if `redis-server` runs here. */
export const redisStreams: PeerFactory = () => {
  const output = runQuiet(binary, ['--version']);
  if (output === undefined)
    return { available: false, reason: `${binary} not found (apt-get install -y redis-server)` };
  const version = /v=(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? output.trim();
  return { available: true, create: () => new RedisStreams(version) };
};

/** XREAD's reply for one stream: its key and the entries (id, [field, value, ...]); null when nothing is new. */
type XReadReply = [key: Buffer, entries: [id: Buffer, fields: Buffer[]][]][] | null;

class RedisStreams implements PeerSystem {
  readonly name = 'redis-streams';
  readonly durability = 'AOF appendonly yes, appendfsync everysec (fsync once a second), RDB snapshots off';
  version: string;
  private server: ServerProcess | undefined;
  private port = 0;

  constructor(binaryVersion: string) {
    this.version = binaryVersion;
  }

  async start(): Promise<void> {
    if (this.server !== undefined) throw new Error('redis-streams already started');
    const dataDir = makeTempDir('redis');
    this.port = await freePort();
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
    ];
    const server = spawnServer(binary, args, dataDir);
    this.server = server;
    try {
      await waitUntil(
        'redis-server',
        server,
        async () => {
          const redis = await this.connected();
          try {
            const info = await redis.info('server');
            this.version = /redis_version:(\S+)/.exec(info)?.[1] ?? this.version;
            await redis.ping();
            return true;
          } finally {
            redis.disconnect();
          }
        },
        startTimeoutMs,
      );
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async produce(name: string, spec: { records: number; recordBytes: number; producers: number }): Promise<Measurement> {
    const payload = randomBytes(spec.recordBytes);
    const clients = await Promise.all(
      shares(spec.records, spec.producers).map(async (count) => ({ count, redis: await this.connected() })),
    );
    try {
      const started = performance.now();
      await withTimeout(
        'redis-streams produce',
        Promise.all(clients.map(({ count, redis }) => xaddAll(redis, name, payload, count))),
        timeoutFor(spec.records),
      );
      const seconds = (performance.now() - started) / 1000;
      return { records: spec.records, bytes: spec.records * spec.recordBytes, seconds };
    } finally {
      for (const { redis } of clients) redis.disconnect();
    }
  }

  async consume(name: string, records: number): Promise<Measurement> {
    const redis = await this.connected();
    try {
      const started = performance.now();
      let seen = 0;
      let bytes = 0;
      let lastId: Buffer | string = '0-0';
      const readAll = async (): Promise<void> => {
        while (seen < records) {
          const reply: XReadReply = await redis.xreadBuffer('COUNT', readCount, 'STREAMS', name, lastId);
          const entries = reply?.[0]?.[1] ?? [];
          if (entries.length === 0)
            throw new Error(`redis-streams consume: ${name} ended after ${String(seen)} of ${String(records)} records`);
          for (const [id, fields] of entries) {
            seen++;
            bytes += fields[1]?.byteLength ?? 0;
            lastId = id;
          }
        }
      };
      await withTimeout('redis-streams consume', readAll(), timeoutFor(records));
      return { records: seen, bytes, seconds: (performance.now() - started) / 1000 };
    } finally {
      redis.disconnect();
    }
  }

  async latency(
    name: string,
    spec: { ratePerSec: number; seconds: number; recordBytes: number },
  ): Promise<LatencySample[]> {
    const consumer = await this.connected();
    const producer = await this.connected(true);
    const state: { stopping: boolean; failure: Error | undefined } = { stopping: false, failure: undefined };
    try {
      await producer.del(name);
      const recorder = new LatencyRecorder(Math.round(spec.ratePerSec * spec.seconds));
      const tail = (async () => {
        let lastId: Buffer | string = '0-0';
        while (!state.stopping) {
          const reply: XReadReply = await consumer.xreadBuffer(
            'COUNT',
            readCount,
            'BLOCK',
            1_000,
            'STREAMS',
            name,
            lastId,
          );
          const nowMs = performance.now();
          for (const [id, fields] of reply?.[0]?.[1] ?? []) {
            recorder.deliver(readIndex(fields[1] ?? Buffer.alloc(0)), nowMs);
            lastId = id;
          }
        }
      })().catch((err: unknown) => {
        if (!state.stopping) state.failure ??= toError(err);
      });
      const payload = latencyPayload(spec.recordBytes);
      const samples = await measureOpenLoop(spec.ratePerSec, spec.seconds, recorder, (index) => {
        producer.xadd(name, '*', field, writeIndex(payload, index)).catch((err: unknown) => {
          state.failure ??= toError(err);
        });
      });
      state.stopping = true;
      consumer.disconnect();
      await tail;
      if (state.failure !== undefined) throw state.failure;
      return samples;
    } finally {
      state.stopping = true;
      consumer.disconnect();
      producer.disconnect();
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

  /** A client that does not retry: a failed connection fails the scenario rather than hanging it. */
  private client(autoPipelining = false): Redis {
    const redis = new Redis({
      host: '127.0.0.1',
      port: this.port,
      lazyConnect: true,
      enableAutoPipelining: autoPipelining,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    // Failures reach the scenario as rejected commands; without a listener ioredis would also print each one.
    redis.on('error', () => undefined);
    return redis;
  }

  /**
   * A connected client. `autoPipelining` batches the commands issued in one event-loop turn into one write, as an
   * application sending at a steady rate would want.
   */
  private async connected(autoPipelining = false): Promise<Redis> {
    if (this.server === undefined) throw new Error('redis-streams is not started');
    const redis = this.client(autoPipelining);
    await redis.connect();
    return redis;
  }
}

/** XADDs `count` copies of `payload` in pipelines of {@link pipelineRecords}, a few pipelines in flight. */
async function xaddAll(redis: Redis, key: string, payload: Buffer, count: number): Promise<void> {
  // Each pipeline settles to its error (or null) so one that fails while another is awaited is never unhandled.
  const inFlight: Promise<Error | null>[] = [];
  const check = (err: Error | null | undefined): void => {
    if (err !== null && err !== undefined) throw err;
  };
  for (let sent = 0; sent < count;) {
    const batch = Math.min(pipelineRecords, count - sent);
    const pipeline = redis.pipeline();
    for (let i = 0; i < batch; i++) pipeline.xadd(key, '*', field, payload);
    inFlight.push(
      pipeline.exec().then(
        (results) =>
          results === null
            ? new Error('redis-streams: pipeline aborted')
            : (results.find(([err]) => err !== null)?.[0] ?? null),
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      ),
    );
    sent += batch;
    if (inFlight.length >= pipelinesInFlight) check(await inFlight.shift());
  }
  for (const err of await Promise.all(inFlight)) check(err);
}
