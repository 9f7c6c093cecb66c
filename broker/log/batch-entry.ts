/**
 * The data of a Raft Normal entry: a record batch as the producer sent it, in a fixed binary header followed
 * by the records bytes. The leader encodes a batch once when it proposes it; every replica decodes it when it
 * persists the entry (the records go into the log as they are) and re-encodes stored rows with the same bytes
 * when it sends old entries to a follower. Control batches never travel this way: they are Noop and Config
 * entries (see raft-log-storage.ts).
 *
 * Layout, little-endian:
 *
 *   offset  size  field
 *        0     1  format version (1)
 *        1     2  attributes (u16, control bits clear)
 *        3     4  count (u32, >= 1)
 *        7     4  crc (u32, CRC32C of the records)
 *       11     8  firstTimestamp (f64, a safe integer)
 *       19     8  maxTimestamp (f64, a safe integer)
 *       27     8  producerId (f64, a safe integer)
 *       35     4  producerEpoch (i32)
 *       39     4  baseSequence (i32)
 *       43     -  records
 */
import type { BatchToAppend } from './batch.js';
import { CONTROL_MASK } from './control.js';
import { LogError, LogErrorKind } from './log-error.js';

const FORMAT_VERSION = 1;

/** Bytes before the records in an encoded batch entry. */
export const BATCH_ENTRY_HEADER_BYTES = 43;

const MAX_U16 = 0xffff;
const MAX_U32 = 0xffff_ffff;
const MIN_I32 = -0x8000_0000;
const MAX_I32 = 0x7fff_ffff;

/**
 * Encodes a batch as the data of a Raft Normal entry. Throws a {@link LogError} INVALID_ARGUMENT when a field
 * does not fit its slot, or when the batch has a control bit set (a client may not write control batches: a
 * stored row with one would read back as a Noop or Config entry).
 */
export function encodeBatchEntry(batch: BatchToAppend): Uint8Array {
  checkRange('count', batch.count, 1, MAX_U32);
  checkRange('crc', batch.crc, 0, MAX_U32);
  checkRange('attributes', batch.attributes, 0, MAX_U16);
  if ((batch.attributes & CONTROL_MASK) !== 0) {
    throw new LogError(
      LogErrorKind.INVALID_ARGUMENT,
      `a data batch may not set control attribute bits, got attributes ${String(batch.attributes)}`,
    );
  }
  checkSafe('firstTimestamp', batch.firstTimestamp);
  checkSafe('maxTimestamp', batch.maxTimestamp);
  checkSafe('producerId', batch.producerId);
  checkRange('producerEpoch', batch.producerEpoch, MIN_I32, MAX_I32);
  checkRange('baseSequence', batch.baseSequence, MIN_I32, MAX_I32);
  const records = batch.records;
  const data = Buffer.allocUnsafe(BATCH_ENTRY_HEADER_BYTES + records.byteLength);
  const view = new DataView(data.buffer, data.byteOffset, BATCH_ENTRY_HEADER_BYTES);
  view.setUint8(0, FORMAT_VERSION);
  view.setUint16(1, batch.attributes, true);
  view.setUint32(3, batch.count, true);
  view.setUint32(7, batch.crc, true);
  view.setFloat64(11, batch.firstTimestamp, true);
  view.setFloat64(19, batch.maxTimestamp, true);
  view.setFloat64(27, batch.producerId, true);
  view.setInt32(35, batch.producerEpoch, true);
  view.setInt32(39, batch.baseSequence, true);
  data.set(records, BATCH_ENTRY_HEADER_BYTES);
  return data;
}

/**
 * Decodes what {@link encodeBatchEntry} wrote. `records` is a view into `data` (no copy). The CRC is not checked
 * here: the log checks it on append. Throws a {@link LogError} CORRUPT_BATCH for data of another shape.
 */
export function decodeBatchEntry(data: Uint8Array): BatchToAppend {
  if (data.byteLength < BATCH_ENTRY_HEADER_BYTES) {
    throw corrupt(`${String(data.byteLength)} bytes, shorter than the ${String(BATCH_ENTRY_HEADER_BYTES)}-byte header`);
  }
  const view = new DataView(data.buffer, data.byteOffset, BATCH_ENTRY_HEADER_BYTES);
  const version = view.getUint8(0);
  if (version !== FORMAT_VERSION) throw corrupt(`unknown format version ${String(version)}`);
  const batch: BatchToAppend = {
    count: view.getUint32(3, true),
    firstTimestamp: view.getFloat64(11, true),
    maxTimestamp: view.getFloat64(19, true),
    crc: view.getUint32(7, true),
    producerId: view.getFloat64(27, true),
    producerEpoch: view.getInt32(35, true),
    baseSequence: view.getInt32(39, true),
    attributes: view.getUint16(1, true),
    records: data.subarray(BATCH_ENTRY_HEADER_BYTES),
  };
  if (
    batch.count < 1 ||
    !Number.isSafeInteger(batch.firstTimestamp) ||
    !Number.isSafeInteger(batch.maxTimestamp) ||
    !Number.isSafeInteger(batch.producerId)
  ) {
    throw corrupt('a header field is out of range');
  }
  return batch;
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LogError(
      LogErrorKind.INVALID_ARGUMENT,
      `batch ${name} must be an integer in [${String(min)}, ${String(max)}] to travel in a Raft entry, got ${String(value)}`,
    );
  }
}

function checkSafe(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new LogError(LogErrorKind.INVALID_ARGUMENT, `batch ${name} must be a safe integer, got ${String(value)}`);
  }
}

function corrupt(detail: string): LogError {
  return new LogError(LogErrorKind.CORRUPT_BATCH, `not a batch entry: ${detail}`);
}
