/**
 * Control batches in the partition log. Raft Noop and Config entries are stored as rows with the control bit
 * set (consumers skip them); they take one offset each, as Kafka's control records do, so every replica that
 * holds the same entries gives the same offsets.
 */
import { CONTROL_BATCH } from '../protocol/records.js';

export { CONTROL_BATCH };

/** Attributes bit 1 of a control batch: the row holds a Raft config entry (else a no-op). Storage-internal. */
export const CONTROL_CONFIG = 2;

/** Both control bits; a client's data batch has neither. */
export const CONTROL_MASK = CONTROL_BATCH | CONTROL_CONFIG;

/** Attributes of a row holding a Raft no-op. */
export const NOOP_ATTRIBUTES = CONTROL_BATCH;

/** Attributes of a row holding a Raft config entry. */
export const CONFIG_ATTRIBUTES = CONTROL_BATCH | CONTROL_CONFIG;

/**
 * Timestamp of a control row. Raft entries carry no time and replicas must agree on every row, so a fixed
 * value: 0 never holds back time retention and never matches a ListOffsets-by-time lookup.
 */
export const CONTROL_TIMESTAMP_MS = 0;
