/**
 * The attribute bits of the batches a partition log stores (Kafka RecordBatch v2 attributes, an int16). Bits 0-6 are
 * Kafka's: 0-2 compression, 3 timestamp type, 4 transactional, 5 control, 6 delete horizon. Brook's own marks use
 * bits Kafka leaves unused (7-9), and only on batches the broker writes itself.
 *
 * Raft Noop and Config entries are stored as control batches (Kafka's control bit, so consumers and Kafka clients
 * skip them) of one record; they take one offset each, as Kafka's control records do, so every replica that holds the
 * same entries gives the same offsets.
 */
import { BatchAttributes, decodeRecordBatch } from '../../protocol/index.js';
import { plainBatch, type BatchToAppend } from './batch.js';
import { LogError, LogErrorKind } from './log-error.js';

/** Attributes bit 5 (Kafka's control bit): a control batch (Raft no-op or config entry) that consumers skip. */
export const CONTROL_BATCH = BatchAttributes.CONTROL;

/** Attributes bit 7 of a control batch: the row holds a Raft config entry (else a no-op). Brook's own bit. */
export const CONTROL_CONFIG = 0x80;

/** Both control bits; a client's data batch has neither. */
export const CONTROL_MASK = CONTROL_BATCH | CONTROL_CONFIG;

/**
 * Attributes bits 8 and 9 of a data batch: the first and the last batch of a checkpoint (a full copy of a state
 * machine's state written into its own log, as the group coordinator does in `__offsets`); one batch may be both.
 * A log with checkpoint cleanup deletes everything before the latest complete checkpoint. Only the broker sets them.
 */
export const CHECKPOINT_START = 0x100;
export const CHECKPOINT_END = 0x200;

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

/**
 * The key of a control batch's one record, as Kafka frames control records (int16 version 0, int16 type): a Raft
 * no-op as Kafka's LEADER_CHANGE (2), a Raft config entry as KRAFT_VOTERS (6). Kafka clients read the type of a
 * control record they meet and skip the batch.
 */
const NOOP_CONTROL_KEY = Uint8Array.of(0, 0, 0, 2);
const CONFIG_CONTROL_KEY = Uint8Array.of(0, 0, 0, 6);

/** The control batch that stores a Raft entry's `data`: one record, its value the data (the same on every replica). */
export function controlBatch(kind: 'noop' | 'config', data: Uint8Array): BatchToAppend {
  const config = kind === 'config';
  return plainBatch(
    [{ key: config ? CONFIG_CONTROL_KEY : NOOP_CONTROL_KEY, value: data, timestamp: CONTROL_TIMESTAMP_MS }],
    config ? CONFIG_ATTRIBUTES : NOOP_ATTRIBUTES,
  );
}

/** The Raft entry data a control batch's bytes hold (the converse of {@link controlBatch}). */
export function controlData(bytes: Uint8Array): Uint8Array {
  let value: Uint8Array | null | undefined;
  try {
    value = decodeRecordBatch(bytes)[0]?.value;
  } catch (err: unknown) {
    throw new LogError(LogErrorKind.CORRUPT_BATCH, `a control batch does not decode: ${String(err)}`);
  }
  if (value === undefined || value === null) throw new LogError(LogErrorKind.CORRUPT_BATCH, 'a control batch is empty');
  return value;
}
