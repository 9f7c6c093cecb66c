/** Raft entries and storages over real partition logs, for the log's Raft tests. */
import type { Test } from 'tap';
import { encodeBatchEntry } from '../../../broker/log/batch-entry.js';
import type { LogOptions } from '../../../broker/log/log-options.js';
import type { ShardOptions } from '../../../broker/log/shard.js';
import { PartitionLog } from '../../../broker/log/partition-log.js';
import { RaftLogStorage, type RaftLogStorageOptions } from '../../../broker/log/raft-log-storage.js';
import { encodeConfigEntry } from '../../../broker/raft/membership.js';
import type { Entry } from '../../../broker/raft/messages.js';
import { setBaseOffset, setPartitionLeaderEpoch } from '../../../protocol/index.js';
import { makeBatch, TEST_OPTIONS } from './log-fixtures.js';

/** A Normal entry holding a batch of `count` records (so it takes `count` offsets), `bytes` long (or as small as it can be). */
export function dataEntry(index: number, term: number, count = 1, bytes = 120): Entry {
  return { index, term, type: 'normal', data: encodeBatchEntry(makeBatch(count, bytes, index * 7 + term)) };
}

export function noopEntry(index: number, term: number): Entry {
  return { index, term, type: 'noop', data: new Uint8Array(0) };
}

/** A config entry that adds `nodeId`, leaving `voters`. */
export function configEntry(index: number, term: number, voters: number[], nodeId = voters.at(-1) ?? 1): Entry {
  const data = encodeConfigEntry({ change: { type: 'addVoter', nodeId }, config: { voters } });
  return { index, term, type: 'config', data };
}

/**
 * Entries as plain values, so Buffers read back from SQLite compare equal to the Uint8Arrays written. A Normal entry's
 * batch is compared without the two fields the log sets when it stores it (baseOffset and partitionLeaderEpoch,
 * outside the CRC): they are shown as a producer sends them (0 and -1).
 */
export function plain(entries: readonly Entry[]): { index: number; term: number; type: string; data: number[] }[] {
  return entries.map((e) => ({ index: e.index, term: e.term, type: e.type, data: Array.from(unplaced(e)) }));
}

function unplaced(entry: Entry): Uint8Array {
  if (entry.type !== 'normal') return entry.data;
  const data = entry.data.slice();
  setBaseOffset(data, 0);
  setPartitionLeaderEpoch(data, -1);
  return data;
}

/** Opens a log in `dir`, closed in teardown. */
export function openLog(t: Test, dir: string, options: Partial<LogOptions & ShardOptions> = {}): PartitionLog {
  const log = PartitionLog.openAlone(dir, { ...TEST_OPTIONS, ...options });
  t.teardown(() => log.close());
  return log;
}

/** A log in `dir` and a RaftLogStorage over it. */
export function openStorage(
  t: Test,
  dir: string,
  voters: readonly number[] = [1, 2, 3],
  options: { log?: Partial<LogOptions>; storage?: RaftLogStorageOptions } = {},
): { log: PartitionLog; storage: RaftLogStorage } {
  const log = openLog(t, dir, options.log);
  return { log, storage: new RaftLogStorage(log, voters, options.storage) };
}
