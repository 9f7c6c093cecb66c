/** Idempotent-producer sequence arithmetic, shared by broker and client: int32 sequences that wrap like Kafka's. */
import { MAX_SEQUENCE } from './messages.js';

/** Sequences repeat after this many values: 0 .. MAX_SEQUENCE. */
const SEQUENCE_SPACE = MAX_SEQUENCE + 1;

/**
 * `sequence` advanced by `increment` (>= 0), wrapping from {@link MAX_SEQUENCE} to 0: the sequence after a batch of
 * `count` records is `addSequence(baseSequence, count)`, its last record's is `addSequence(baseSequence, count - 1)`.
 */
export function addSequence(sequence: number, increment: number): number {
  return (sequence + increment) % SEQUENCE_SPACE;
}
