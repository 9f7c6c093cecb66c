/**
 * The measured workloads: each runs against a live broker through the public client, exactly as an
 * application would, and returns how many records and bytes moved in how long.
 */
import { randomBytes } from 'node:crypto';
import { Admin, Consumer, Producer, rawCodec } from '../client/index.js';

export interface Measurement {
  records: number;
  bytes: number;
  seconds: number;
}

export interface ProduceSpec {
  bootstrap: string;
  topic: string;
  partitions: number;
  records: number;
  recordBytes: number;
  acks: 0 | 1 | 'all';
  /** `send`: a promise per record (resolved on acknowledgement); `write`: no promise, failures surface in flush(). */
  api: 'send' | 'write';
}

/** Creates the topic, then sends `records` values of `recordBytes` with null keys as fast as the producer takes them. */
export async function produceScenario(spec: ProduceSpec): Promise<Measurement> {
  const admin = new Admin({ bootstrap: spec.bootstrap });
  await admin.createTopic(spec.topic, { partitions: spec.partitions });
  await admin.close();
  const producer = new Producer<Uint8Array>({ bootstrap: spec.bootstrap, codec: rawCodec(), acks: spec.acks });
  await producer.connect();
  const value = randomBytes(spec.recordBytes);
  const failure: { first: Error | null } = { first: null };
  const onError = (err: unknown): void => {
    failure.first ??= err instanceof Error ? err : new Error(String(err));
  };
  const started = performance.now();
  const record = { topic: spec.topic, value };
  if (spec.api === 'send') {
    for (let i = 0; i < spec.records; i++) {
      producer.send(record).catch(onError);
      // Awaiting room every few hundred records keeps memory bounded without a microtask per record.
      if ((i & 255) === 255) await producer.whenWritable();
    }
  } else {
    for (let i = 0; i < spec.records; i++) {
      if (!producer.write(record)) await producer.whenWritable();
    }
  }
  await producer.flush().catch(onError);
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  if (failure.first !== null) throw failure.first;
  return { records: spec.records, bytes: spec.records * spec.recordBytes, seconds };
}

/** Reads every record of `topic` from offset 0, decoding each into a record the application sees. */
export async function consumeScenario(bootstrap: string, topic: string, records: number): Promise<Measurement> {
  const consumer = new Consumer<Uint8Array>({ bootstrap, codec: rawCodec(), from: 'earliest' });
  const started = performance.now();
  await consumer.assign(topic);
  let seen = 0;
  let bytes = 0;
  if (records > 0) {
    for await (const record of consumer) {
      seen++;
      bytes += record.value.byteLength;
      if (seen === records) break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await consumer.close();
  return { records: seen, bytes, seconds };
}
