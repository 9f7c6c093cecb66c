import type { BatchToAppend } from '../../../broker/log/batch.js';
import { batchOfSize, type BatchFields } from '../../helpers/opaque-batches.js';
import type { LogOptions } from '../../../broker/log/log-options.js';
import type { ShardOptions } from '../../../broker/log/shard.js';
export { tempDir } from '../../helpers/temp-dir.js';

/** Options with nothing deleted and no fsync, for tests (a log opened alone takes its shard's options too). */
export const TEST_OPTIONS: LogOptions & ShardOptions = { flush: 'never', retentionMs: -1, retentionBytes: -1 };

/**
 * A valid batch of `count` records, `bytes` bytes long in all (or as small as `count` records can be), whose filler
 * values derive from `seed`.
 */
export function makeBatch(count: number, bytes: number, seed = 1, fields: BatchFields = {}): BatchToAppend {
  return batchOfSize(count, bytes, { ...fields, seed });
}
