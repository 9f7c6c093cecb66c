/**
 * Control batches in the partition log. Raft Noop and Config entries are stored as rows with the control bit
 * set (consumers skip them); they take one offset each, as Kafka's control records do, so every replica that
 * holds the same entries gives the same offsets.
 */
import { CONTROL_BATCH } from '../../protocol/records.js';

export { CONTROL_BATCH };

/** Attributes bit 1 of a control batch: the row holds a Raft config entry (else a no-op). Storage-internal. */
export const CONTROL_CONFIG = 2;

/** Both control bits; a client's data batch has neither. */
export const CONTROL_MASK = CONTROL_BATCH | CONTROL_CONFIG;

/**
 * Attributes bits 2 and 3 of a data batch: the first and the last batch of a checkpoint (a full copy of a state
 * machine's state written into its own log, as the group coordinator does in `__offsets`); one batch may be both.
 * A log with checkpoint cleanup deletes everything before the latest complete checkpoint. Only the broker sets them.
 */
export const CHECKPOINT_START = 4;
export const CHECKPOINT_END = 8;

/** The attribute bits only the broker may set. */
export const BROKER_ATTRIBUTES = CONTROL_MASK | CHECKPOINT_START | CHECKPOINT_END;

/** Attributes of a row holding a Raft no-op. */
export const NOOP_ATTRIBUTES = CONTROL_BATCH;

/** Attributes of a row holding a Raft config entry. */
export const CONFIG_ATTRIBUTES = CONTROL_BATCH | CONTROL_CONFIG;

/**
 * Timestamp of a control row. Raft entries carry no time and replicas must agree on every row, so a fixed
 * value: 0 never holds back time retention and never matches a ListOffsets-by-time lookup.
 */
export const CONTROL_TIMESTAMP_MS = 0;
