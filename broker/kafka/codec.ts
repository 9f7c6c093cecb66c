/** The shape every generated Kafka message codec has (see broker/kafka/messages/apis.ts). */
import type { KafkaReader } from '../../protocol/kafka-reader.js';
import type { KafkaWriter } from '../../protocol/kafka-writer.js';

/** Reads and writes one message type at any of its versions. */
export interface MessageCodec<T> {
  /** Reads version `v` of the message. */
  readonly read: (r: KafkaReader, v: number) => T;
  /** Writes `m` as version `v`; throws a ProtocolError if `m` sets a field `v` cannot carry. */
  readonly write: (w: KafkaWriter, v: number, m: T) => void;
}
