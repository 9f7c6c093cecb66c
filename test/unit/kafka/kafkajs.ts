/**
 * kafkajs 2.2.4's own encoders (its protocol/ sources, CommonJS), an encoder independent of Brook's, for golden-byte
 * tests. Typed here just as far as the tests call them.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** kafkajs's Encoder: `.buffer` is the encoded bytes. */
export interface KafkajsEncoder {
  buffer: Buffer;
}

/** kafkajs's Long (its int64 values). */
interface LongStatic {
  fromValue(value: number | string): unknown;
}
export const Long = load('kafkajs/src/utils/long') as LongStatic;

/** One record as kafkajs's Record v0 encoder takes it. */
export interface KafkajsRecord {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string>;
}

export const Record = load('kafkajs/src/protocol/recordBatch/record/v0') as (r: KafkajsRecord) => KafkajsEncoder;

export const { RecordBatch } = load('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (opts: {
    compression?: number;
    firstOffset?: unknown;
    firstTimestamp: number;
    maxTimestamp: number;
    partitionLeaderEpoch?: number;
    lastOffsetDelta: number;
    producerId?: unknown;
    producerEpoch?: number;
    firstSequence?: number;
    records: KafkajsEncoder[];
  }) => Promise<KafkajsEncoder>;
};

/** kafkajs's compression codes (attributes bits 0-2). */
export const { Types: CompressionTypes } = load('kafkajs/src/protocol/message/compression') as {
  Types: { None: number; GZIP: number; Snappy: number; LZ4: number; ZSTD: number };
};

/** A request as kafkajs's versioned request modules build it. */
export interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<KafkajsEncoder> | KafkajsEncoder;
}

/** kafkajs's request builder for `api` (its folder name) at `version`: `(args) => request`. */
export function kafkajsRequest(api: string, version: number): (args: Record<string, unknown>) => KafkajsRequest {
  const mod = load(`kafkajs/src/protocol/requests/${api}/v${String(version)}/request.js`) as (
    args: Record<string, unknown>,
  ) => KafkajsRequest;
  return mod;
}

/** kafkajs's full request frame (size, header, body) for a request, as its connection writes it. */
export const encodeKafkajsRequest = load('kafkajs/src/protocol/request.js') as (opts: {
  request: KafkajsRequest;
  correlationId: number;
  clientId: string;
}) => Promise<KafkajsEncoder>;
