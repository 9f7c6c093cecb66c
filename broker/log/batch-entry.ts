/**
 * The data of a Raft Normal entry: the batch itself, a Kafka RecordBatch v2, whose header carries every field the log
 * indexes. The leader proposes the producer's bytes; every replica reads the header when it persists the entry and
 * stores the same bytes (each sets the same baseOffset and partitionLeaderEpoch, batch.ts's placeBatch), and stored
 * rows travel to followers as they are. Control batches never travel this way: they are Noop and Config entries (see
 * raft-log-storage.ts).
 */
import { recordBatchOf } from '../../protocol/index.js';
import type { BatchToAppend } from './batch.js';
import { CONTROL_MASK } from './control.js';
import { LogError, LogErrorKind } from './log-error.js';

/**
 * The data of the Raft Normal entry carrying `batch`: its bytes. Throws a {@link LogError} INVALID_ARGUMENT when the
 * batch has a control bit set (a client may not write control batches: a stored row with one would read back as a
 * Noop or Config entry).
 */
export function encodeBatchEntry(batch: BatchToAppend): Uint8Array {
  if ((batch.attributes & CONTROL_MASK) !== 0) {
    throw new LogError(
      LogErrorKind.INVALID_ARGUMENT,
      `a data batch may not set control attribute bits, got attributes ${String(batch.attributes)}`,
    );
  }
  return batch.bytes;
}

/**
 * The batch in the data of a Raft Normal entry; `bytes` is `data` itself (no copy). The CRC is not checked here: the
 * log checks it on append. Throws a {@link LogError} CORRUPT_BATCH for data of another shape.
 */
export function decodeBatchEntry(data: Uint8Array): BatchToAppend {
  let batch: BatchToAppend;
  try {
    batch = recordBatchOf(data);
  } catch (err: unknown) {
    throw new LogError(LogErrorKind.CORRUPT_BATCH, `not a batch entry: ${String(err)}`);
  }
  if (batch.count < 1 || data.byteLength !== new DataView(data.buffer, data.byteOffset).getInt32(8) + 12) {
    throw new LogError(LogErrorKind.CORRUPT_BATCH, 'not a batch entry: its length or record count is wrong');
  }
  return batch;
}
