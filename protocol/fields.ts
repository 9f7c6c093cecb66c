/** Field schemas that several message families share (messages.ts, group-messages.ts). */
import { int, str } from './schema.js';

/** Topic names as Kafka allows them. */
export const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export const topicName = str({ maxLength: 249, pattern: TOPIC_NAME });
export const partitionNumber = int({ min: 0, max: 99_999 });
