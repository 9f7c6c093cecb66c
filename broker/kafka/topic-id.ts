/**
 * Kafka topic ids for Brook topics. Brook's metadata log names topics by name only, so the id is derived from what
 * every broker's copy of the topic record holds alike: the name and the creation time the controller planned
 * (committed with the record). Not the cluster id: a new cluster's brokers learn theirs from the metadata log a moment
 * after they start, and an id must not change when they do. A topic deleted and created again under the same name gets a new creation
 * time, hence a new id, as Kafka's clients expect (they drop state kept under the old id). The one place ids are made.
 */
import { createHash } from 'node:crypto';
import { uuidFromBytes } from '../../protocol/kafka-uuid.js';

/** What the derivation reads of a topic. */
export interface TopicIncarnation {
  readonly name: string;
  /** When the controller created this incarnation of the topic (epoch ms, from the committed record). */
  readonly createdMs: number;
}

/** The Kafka topic id (22-character base64url UUID) of `topic`; never the zero UUID. */
export function kafkaTopicId(topic: TopicIncarnation): string {
  const digest = createHash('sha256')
    .update(`brook-topic\u0000${topic.name}\u0000${String(topic.createdMs)}`)
    .digest()
    .subarray(0, 16);
  // RFC 9562 version 8 (custom) and variant bits, as a UUID made by hashing; the variant bit also keeps it from being Kafka's zero "no id".
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x80;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  return uuidFromBytes(digest);
}
