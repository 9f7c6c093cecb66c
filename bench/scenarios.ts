/**
 * Brook's workloads: each runs against live brokers through the public client, exactly as an application would,
 * and returns how many records and bytes moved in how long (or, for latency, one sample per record).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Admin,
  BrookError,
  Consumer,
  Producer,
  rawCodec,
  type ClientTlsOptions,
  type PartitionerStrategy,
} from '../client/index.js';
import { runOpenLoop } from './open-loop.js';
import type { LatencySample, Measurement } from './system.js';

export type Acks = 0 | 1 | 'all';

/** How long the topic creation keeps retrying retriable errors (a fresh cluster electing its leaders). */
const CREATE_TOPIC_DEADLINE_MS = 60_000;
/** How long a reader may go without progress before the run fails (something is stuck, not slow). */
const STALL_TIMEOUT_MS = 30_000;

/**
 * Creates `topic` unless it exists, retrying retriable errors while a cluster is still electing leaders, then waits
 * until metadata shows a leader for every partition (in a cluster the topic reaches each broker's metadata a moment
 * after the create returns; a producer that looked earlier would fail with UNKNOWN_TOPIC).
 */
export async function ensureTopic(
  bootstrap: readonly string[],
  topic: string,
  options: { partitions: number; replicas: number; tls?: ClientTlsOptions; login?: BenchLogin },
): Promise<void> {
  const admin = new Admin({
    bootstrap,
    requestTimeoutMs: 120_000,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...options.login,
  });
  const deadline = performance.now() + CREATE_TOPIC_DEADLINE_MS;
  try {
    for (;;) {
      try {
        await admin.createTopic(topic, { partitions: options.partitions, replicationFactor: options.replicas });
        break;
      } catch (err: unknown) {
        if (err instanceof BrookError && err.code === 'TOPIC_EXISTS') break;
        if (!(err instanceof BrookError && err.retriable) || performance.now() > deadline) throw err;
        await sleep(200);
      }
    }
    for (;;) {
      const described = await admin.describeTopics([topic]).catch(() => []);
      const partitions = described.find((d) => d.name === topic)?.partitions ?? [];
      if (partitions.length === options.partitions && partitions.every((p) => p.leader >= 0)) return;
      if (performance.now() > deadline) {
        throw new Error(`topic ${topic}: no leader for every partition after ${String(CREATE_TOPIC_DEADLINE_MS)} ms`);
      }
      await sleep(100);
    }
  } finally {
    await admin.close();
  }
}

/** Options of {@link produceScenario}. */
export interface ProduceScenarioSpec {
  bootstrap: readonly string[];
  topic: string;
  records: number;
  recordBytes: number;
  /** Concurrent producers, each with its own connection; records are split evenly. */
  producers: number;
  acks: Acks;
  /** `send`: a promise per record (resolved on acknowledgement); `write`: no promise, failures surface in flush(). */
  api: 'send' | 'write';
  partitioner: PartitionerStrategy;
  /** TLS for a `tls://` or `wss://` bootstrap. */
  tls?: ClientTlsOptions;
  /** The user the producers log in as. Default: none. */
  login?: BenchLogin;
}

/** A SCRAM login of the bench's clients. */
export interface BenchLogin {
  readonly username: string;
  readonly password: string;
}

/** Sends `records` values of `recordBytes` with null keys as fast as the producers take them (topic must exist). */
export async function produceScenario(spec: ProduceScenarioSpec): Promise<Measurement> {
  const producers = Array.from(
    { length: spec.producers },
    () =>
      new Producer<Uint8Array>({
        bootstrap: spec.bootstrap,
        codec: rawCodec(),
        acks: spec.acks,
        partitioner: spec.partitioner,
        ...(spec.tls === undefined ? {} : { tls: spec.tls }),
        ...spec.login,
      }),
  );
  await Promise.all(producers.map((p) => p.connect()));
  const value = randomBytes(spec.recordBytes);
  const record = { topic: spec.topic, value };
  const share = (i: number): number =>
    Math.floor(spec.records / spec.producers) + (i < spec.records % spec.producers ? 1 : 0);
  const started = performance.now();
  const failures = await Promise.allSettled(
    producers.map(async (producer, i) => {
      const count = share(i);
      let first: Error | undefined;
      const onError = (err: unknown): void => {
        first ??= err instanceof Error ? err : new Error(String(err));
      };
      if (spec.api === 'send') {
        for (let n = 0; n < count; n++) {
          producer.send(record).catch(onError);
          // Awaiting room every few hundred records keeps memory bounded without a microtask per record.
          if ((n & 255) === 255) await producer.whenWritable();
        }
      } else {
        for (let n = 0; n < count; n++) {
          if (!producer.write(record)) await producer.whenWritable();
        }
      }
      await producer.flush();
      if (first !== undefined) throw first;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(producers.map((p) => p.close().catch(() => undefined)));
  const failed = failures.find((f) => f.status === 'rejected');
  if (failed !== undefined) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  return { records: spec.records, bytes: spec.records * spec.recordBytes, seconds };
}

/**
 * Reads `records` records of `topic` from offset 0, each decoded into a record the application sees (`tls` for a
 * `tls://` or `wss://` bootstrap).
 */
export async function consumeScenario(
  bootstrap: readonly string[],
  topic: string,
  records: number,
  tls?: ClientTlsOptions,
): Promise<Measurement> {
  const consumer = new Consumer<Uint8Array>({
    bootstrap,
    codec: rawCodec(),
    from: 'earliest',
    ...(tls === undefined ? {} : { tls }),
  });
  const started = performance.now();
  try {
    await consumer.assign(topic);
    const { seen, bytes } = await readCount(consumer, records);
    return { records: seen, bytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    await consumer.close();
  }
}

/**
 * Reads until `records` records arrived; fails if none arrives for STALL_TIMEOUT_MS. `onRecord` sees each value.
 */
async function readCount(
  consumer: Consumer<Uint8Array>,
  records: number,
  onRecord?: (value: Uint8Array) => void,
): Promise<{ seen: number; bytes: number }> {
  let seen = 0;
  let bytes = 0;
  if (records <= 0) return { seen, bytes };
  let lastProgressMs = performance.now();
  const watchdog = setInterval(() => {
    if (performance.now() - lastProgressMs > STALL_TIMEOUT_MS) void consumer.close();
  }, 1000);
  try {
    for await (const record of consumer) {
      seen++;
      // The bench writes no tombstones; one would count as zero bytes.
      bytes += record.value?.byteLength ?? 0;
      if (record.value !== null) onRecord?.(record.value);
      lastProgressMs = performance.now();
      if (seen === records) break;
    }
  } finally {
    clearInterval(watchdog);
  }
  if (seen < records) {
    throw new Error(
      `read ${String(seen)} of ${String(records)} records, then nothing for ${String(STALL_TIMEOUT_MS)} ms`,
    );
  }
  return { seen, bytes };
}

/** Options of {@link tailScenario}. */
export interface TailScenarioSpec {
  producerBootstrap: readonly string[];
  consumerBootstrap: readonly string[];
  topic: string;
  /** Consumers tailing the topic, each with its own connection. */
  subscribers: number;
  records: number;
  recordBytes: number;
  acks: Acks;
}

/** Consumers opened at once, so a thousand WebSocket handshakes do not all start in the same turn. */
const CONNECT_CONCURRENCY = 50;

/**
 * Live tail / fan-out: `subscribers` consumers follow the (existing, empty) topic while one producer writes
 * `records`; measured from the first write until every subscriber has every record. records/s counts deliveries
 * (subscribers x records).
 */
export async function tailScenario(spec: TailScenarioSpec): Promise<Measurement> {
  const consumers: Consumer<Uint8Array>[] = [];
  const producer = new Producer<Uint8Array>({ bootstrap: spec.producerBootstrap, codec: rawCodec(), acks: spec.acks });
  try {
    for (let i = 0; i < spec.subscribers; i += CONNECT_CONCURRENCY) {
      const chunk = Array.from(
        { length: Math.min(CONNECT_CONCURRENCY, spec.subscribers - i) },
        () =>
          new Consumer<Uint8Array>({
            bootstrap: spec.consumerBootstrap,
            codec: rawCodec(),
            from: 'earliest',
            // Bounded so a thousand subscribers hold at most a few hundred MB between them.
            creditBytes: 256 * 1024,
          }),
      );
      consumers.push(...chunk);
      await Promise.all(chunk.map((c) => c.assign(spec.topic)));
    }
    await producer.connect();
    const value = randomBytes(spec.recordBytes);
    const started = performance.now();
    const reads = consumers.map((c) => readCount(c, spec.records));
    for (let n = 0; n < spec.records; n++) {
      if (!producer.write({ topic: spec.topic, value })) await producer.whenWritable();
    }
    await producer.flush();
    await Promise.all(reads);
    const seconds = (performance.now() - started) / 1000;
    const deliveries = spec.records * spec.subscribers;
    return { records: deliveries, bytes: deliveries * spec.recordBytes, seconds };
  } finally {
    await producer.close().catch(() => undefined);
    for (let i = 0; i < consumers.length; i += CONNECT_CONCURRENCY) {
      await Promise.all(consumers.slice(i, i + CONNECT_CONCURRENCY).map((c) => c.close()));
    }
  }
}

/** Options of {@link latencyScenario}. */
export interface LatencyScenarioSpec {
  bootstrap: readonly string[];
  topic: string;
  acks: Acks;
  ratePerSec: number;
  seconds: number;
  recordBytes: number;
}

/** After the last send, how long records still in flight may take to arrive before they count as lost. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * End-to-end latency: a consumer tails the (existing, empty) topic while a producer sends open loop at
 * `ratePerSec` (lingerMs 0: a batch leaves as soon as the sender runs). Each record carries its index; the sample
 * is its intended send time and the time the consumer's iterator handed it to the application. Records that never
 * arrive are missing from the result (the caller compares the count with rate x seconds).
 */
export async function latencyScenario(spec: LatencyScenarioSpec): Promise<LatencySample[]> {
  const total = Math.round(spec.ratePerSec * spec.seconds);
  const sendMs = new Float64Array(total);
  const deliverMs = new Float64Array(total).fill(Number.NaN);
  const consumer = new Consumer<Uint8Array>({ bootstrap: spec.bootstrap, codec: rawCodec(), from: 'earliest' });
  const producer = new Producer<Uint8Array>({
    bootstrap: spec.bootstrap,
    codec: rawCodec(),
    acks: spec.acks,
    lingerMs: 0,
  });
  try {
    await consumer.assign(spec.topic);
    await producer.connect();
    let delivered = 0;
    let allDelivered: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      allDelivered = resolve;
    });
    const reading = (async () => {
      for await (const record of consumer) {
        const value = record.value;
        if (value === null) continue;
        const index = Buffer.from(value.buffer, value.byteOffset, 4).readUInt32BE(0);
        if (index < total && Number.isNaN(deliverMs[index])) {
          deliverMs[index] = performance.now();
          if (++delivered === total) break;
        }
      }
      allDelivered();
    })();
    const template = randomBytes(spec.recordBytes);
    await runOpenLoop({
      ratePerSec: spec.ratePerSec,
      seconds: spec.seconds,
      nowMs: () => performance.now(),
      sleep: () => sleep(1),
      send: (index, intendedMs) => {
        const value = Buffer.allocUnsafe(spec.recordBytes);
        template.copy(value);
        value.writeUInt32BE(index, 0);
        sendMs[index] = intendedMs;
        producer.write({ topic: spec.topic, value });
      },
    });
    await producer.flush();
    await Promise.race([done, sleep(DRAIN_TIMEOUT_MS)]);
    await consumer.close();
    await reading;
  } finally {
    await Promise.all([producer.close().catch(() => undefined), consumer.close()]);
  }
  const samples: LatencySample[] = [];
  for (let i = 0; i < total; i++) {
    const d = deliverMs[i] ?? Number.NaN;
    if (!Number.isNaN(d)) samples.push({ sendMs: sendMs[i] ?? 0, deliverMs: d });
  }
  return samples;
}
