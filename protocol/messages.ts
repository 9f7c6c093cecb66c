/**
 * Every body on the wire, defined once as a schema. Types are inferred from these schemas; the broker checks
 * each request against its schema before handling it. docs/protocol.md describes the same shapes in prose.
 */
import { helloSasl, helloSaslAnswer } from './auth-messages.js';
import { partitionNumber as partition, topicName as topic } from './fields.js';
import {
  array,
  bool,
  bytes,
  either,
  int,
  literal,
  map,
  nullable,
  object,
  optional,
  str,
  type Infer,
} from './schema.js';

export { TOPIC_NAME } from './fields.js';
const offset = int({ min: 0 });
const u32 = int({ min: 0, max: 0xffffffff });

/** Largest producer epoch (an int16, as in Kafka). */
export const MAX_PRODUCER_EPOCH = 0x7fff;
/** Largest sequence number (an int32, as in Kafka); the sequence after it is 0. */
export const MAX_SEQUENCE = 0x7fff_ffff;

/** An error as carried inside a response (per topic or partition). */
export const wireError = object({ code: int(), message: str(), leaderId: optional(int()) });

// ---- record batches -------------------------------------------------------------------------------------------

/**
 * A record batch as a producer sends it: a Kafka RecordBatch v2 (magic 2, protocol.md section 8), as the producer
 * encoded it (baseOffset 0, partitionLeaderEpoch -1). The broker checks it and stores it untouched but for those two
 * fields, which lie outside the CRC.
 */
export const produceBatch = bytes;
export type ProduceBatch = Infer<typeof produceBatch>;

/** A stored batch as fetch and deliver return it: the bytes the log holds, with their baseOffset set. */
export const fetchedBatch = bytes;
export type FetchedBatch = Infer<typeof fetchedBatch>;

// ---- handshake and metadata -----------------------------------------------------------------------------------

export const helloRequest = object({
  protocolVersion: int({ min: 1 }),
  clientId: str({ maxLength: 256 }),
  /** Present to authenticate: the SCRAM-SHA-256 client-first message; `authenticate` must follow. */
  sasl: optional(helloSasl),
});
export const helloResponse = object({
  protocolVersion: int(),
  brokerId: int(),
  clusterId: str(),
  maxFrameBytes: int(),
  maxMessageBytes: int(),
  produceWindowBytes: int(),
  idleTimeoutMs: int(),
  /** Answers hello's `sasl`: the SCRAM server-first message. */
  sasl: optional(helloSaslAnswer),
});

export const metadataRequest = object({ topics: optional(array(topic)) });
const brokerInfo = object({ id: int(), host: str(), port: int(), wsPort: int() });
const partitionInfo = object({
  partition,
  leader: int(),
  replicas: array(int()),
  isr: array(int()),
  logStartOffset: offset,
  highWatermark: offset,
  /** Record batch bytes the answering broker's replica holds; absent where it hosts none (ask the leader). */
  sizeBytes: optional(int({ min: 0 })),
});
const topicInfo = object({
  name: str(),
  error: optional(wireError),
  partitions: array(partitionInfo),
  config: map(str()),
});
export const metadataResponse = object({
  clusterId: str(),
  controllerId: int(),
  brokers: array(brokerInfo),
  topics: array(topicInfo),
});

// ---- admin ----------------------------------------------------------------------------------------------------

export const createTopicsRequest = object({
  topics: array(
    object({
      name: topic,
      partitions: int({ min: 1, max: 100_000 }),
      replicationFactor: int({ min: 1, max: 16 }),
      config: map(str({ maxLength: 1024 }), { maxKeys: 64 }),
    }),
    { maxLength: 1000 },
  ),
});
const topicResult = object({ name: str(), error: optional(wireError) });
export const createTopicsResponse = object({ results: array(topicResult) });

export const deleteTopicsRequest = object({ names: array(topic, { maxLength: 1000 }) });
export const deleteTopicsResponse = object({ results: array(topicResult) });

/**
 * Moves partitions to new replicas online (the controller's partition leaders change their Raft membership one
 * replica at a time), and with `rebalance` places every partition anew over the current brokers by rendezvous
 * hashing (after a broker joins, it gets its share and few partitions move). `replicas`: preferred leader first.
 */
export const reassignPartitionsRequest = object({
  partitions: array(object({ topic, partition, replicas: array(int({ min: 1 }), { maxLength: 16 }) }), {
    maxLength: 100_000,
  }),
  rebalance: optional(bool),
});
/** The moves started: those asked for, and those a rebalance chose. */
export const reassignPartitionsResponse = object({
  partitions: array(object({ topic: str(), partition: int(), replicas: array(int()) })),
});

/**
 * Changes the config of existing topics through the metadata log (every replica applies it): `set` keys are set
 * (validated as createTopics' config), `delete` keys go back to the broker's default.
 */
export const alterTopicConfigsRequest = object({
  topics: array(
    object({
      name: topic,
      set: map(str({ maxLength: 1024 }), { maxKeys: 64 }),
      delete: optional(array(str({ maxLength: 256 }), { maxLength: 64 })),
    }),
    { maxLength: 1000 },
  ),
});
export const alterTopicConfigsResponse = object({ results: array(topicResult) });

/**
 * Grows topics to `count` partitions in all (never fewer). The new partitions are placed on live brokers as
 * createTopics places them; existing partitions, and the records they hold, are untouched.
 */
export const createPartitionsRequest = object({
  topics: array(object({ name: topic, count: int({ min: 1, max: 100_000 }) }), { maxLength: 1000 }),
});
export const createPartitionsResponse = object({ results: array(topicResult) });

// ---- produce and fetch ----------------------------------------------------------------------------------------

/** acks: 0 = no response, 1 = after the leader's append, -1 (all) = after commit by the in-sync replicas. */
export const ACKS = [0, 1, -1] as const;
export type Acks = (typeof ACKS)[number];

export const produceRequest = object({
  acks: literal(...ACKS),
  timeoutMs: int({ min: 0, max: 3_600_000 }),
  partitions: array(object({ topic, partition, batch: produceBatch }), { maxLength: 100_000 }),
});
/** `throttleTimeMs`: present when the answer (and the window's credit) was held back by the produce quota. */
export const produceResponse = object({
  partitions: array(object({ topic: str(), partition: int(), baseOffset: int(), error: optional(wireError) })),
  throttleTimeMs: optional(int({ min: 0 })),
});

export const fetchRequest = object({
  topic,
  partition,
  offset,
  maxBytes: int({ min: 1 }),
  maxWaitMs: int({ min: 0, max: 60_000 }),
});
/** `throttleTimeMs`: present when the answer was held back by the fetch quota. */
export const fetchResponse = object({
  highWatermark: offset,
  logStartOffset: offset,
  batches: array(fetchedBatch),
  throttleTimeMs: optional(int({ min: 0 })),
});

/** Where a log position is asked for: the first offset, the next offset, or the first at or after a timestamp. */
const position = either(literal('earliest', 'latest'), int({ min: 0 }));

export const listOffsetsRequest = object({ topic, partition, at: position });
/** `timestamp` is null for 'earliest'/'latest', or when no record is at or after the asked timestamp. */
export const listOffsetsResponse = object({ offset, timestamp: nullable(int()) });

// ---- idempotent producers ------------------------------------------------------------------------------------

/** Asks for a producer identity; the body is empty in version 1 (every call gets a fresh id). */
export const initProducerRequest = object({});
/**
 * A producer identity, unique in the cluster: batches carrying it get duplicate and order checks per partition
 * (docs/protocol.md section 9, Idempotent producers).
 */
export const initProducerResponse = object({
  producerId: int({ min: 0 }),
  producerEpoch: int({ min: 0, max: MAX_PRODUCER_EPOCH }),
});

// ---- push delivery and credit ---------------------------------------------------------------------------------

/** Credit a subscriber grants: the broker may start a batch only while both are positive. */
export const credit = object({ records: int({ min: 0 }), bytes: int({ min: 0 }) });

export const subscribeRequest = object({
  subscriptionId: u32,
  topic,
  partition,
  /** An offset, or 'earliest' / 'latest'. */
  offset: position,
  credit,
});
export const subscribeResponse = object({ offset, highWatermark: offset, logStartOffset: offset });

export const unsubscribeRequest = object({ subscriptionId: u32 });
export const emptyBody = object({});

/** Client -> broker, no response: adds to a subscription's credit. */
export const creditNotice = object({ subscriptionId: u32, records: int({ min: 0 }), bytes: int({ min: 0 }) });

/** Broker -> client: batches for a subscription. */
export const deliverPush = object({ subscriptionId: u32, highWatermark: offset, batches: array(fetchedBatch) });
/** Broker -> client: more produce window, in bytes. */
export const grantPush = object({ bytes: int({ min: 0 }) });
/** Broker -> client: the broker ended a subscription (topic deleted, offset out of range, ...). */
export const subscriptionEndPush = object({ subscriptionId: u32, error: wireError });
