import { recordsCrc, type BatchToAppend } from '../../../broker/log/batch.js';
import type { LogOptions } from '../../../broker/log/log-options.js';
import type { ShardOptions } from '../../../broker/log/shard.js';
export { tempDir } from '../../helpers/temp-dir.js';

/** Options with nothing deleted and no fsync, for tests (a log opened alone takes its shard's options too). */
export const TEST_OPTIONS: LogOptions & ShardOptions = { flush: 'never', retentionMs: -1, retentionBytes: -1 };

/** A valid batch of `count` records whose payload is `bytes` bytes filled from `seed`. */
export function makeBatch(
  count: number,
  bytes: number,
  seed = 1,
  fields: Partial<Omit<BatchToAppend, 'records' | 'crc' | 'count'>> = {},
): BatchToAppend {
  const records = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) records[i] = (seed * 31 + i) & 0xff;
  return {
    count,
    firstTimestamp: 1_000,
    maxTimestamp: 1_000,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    attributes: 0,
    ...fields,
    crc: recordsCrc(records),
    records,
  };
}
