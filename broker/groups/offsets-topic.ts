/**
 * The internal `__offsets` topic: its spec, which partition a group lives in, and its batches. A group's
 * coordinator is the leader of partition `toPositive(murmur2(groupId)) % partitions` (Kafka's hash, so the
 * mapping is stable across brokers and versions). Pure.
 */
import { CHECKPOINT_POLICY, type TopicSpec } from '../topics/topic-config.js';
import { plainBatch, type BatchToAppend, type StoredBatch } from '../log/batch.js';
import { CHECKPOINT_END, CHECKPOINT_START, CONTROL_BATCH } from '../log/control.js';
import { decodeRecordBatch, recordSizeBound, type DecodedRecord, type RecordToEncode } from '../../protocol/index.js';
import { partitionForKey } from '../../protocol/murmur2.js';
import { decodeEntry, encodeEntry, type OffsetsEntry } from './offsets-records.js';

/** The topic's name. Clients may read it but not produce to it, create it with their own spec, or delete it. */
export const OFFSETS_TOPIC = '__offsets';

/** Largest records bytes of one batch the coordinator writes (a checkpoint is split into several). */
export const MAX_OFFSETS_BATCH_BYTES = 512 * 1024;

const utf8 = new TextEncoder();

/** The `__offsets` partition a group's state lives in. */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  return partitionForKey(utf8.encode(groupId), partitions);
}

/**
 * The spec the controller creates the topic with: replication factor min(3, brokers), checkpoint cleanup (each
 * replica keeps its log from the latest complete checkpoint on: see {@link encodeBatches}).
 */
export function offsetsTopicSpec(partitions: number, brokerCount: number): TopicSpec {
  return {
    name: OFFSETS_TOPIC,
    partitions,
    replicationFactor: Math.min(3, Math.max(1, brokerCount)),
    config: { 'cleanup.policy': CHECKPOINT_POLICY },
  };
}

/**
 * Batches of entries (each record keyed by its group id), none over {@link MAX_OFFSETS_BATCH_BYTES} unless one entry
 * is. With `checkpoint` they are marked as one checkpoint: the first CHECKPOINT_START, the last CHECKPOINT_END (one
 * batch may be both); the marks are attributes bits, inside each batch's CRC, so they are set as the batch is built.
 */
export function encodeBatches(entries: readonly OffsetsEntry[], nowMs: number, checkpoint = false): BatchToAppend[] {
  const groups: RecordToEncode[][] = [];
  let group: RecordToEncode[] = [];
  let groupBytes = 0;
  for (const entry of entries) {
    const record = { key: utf8.encode(entry.groupId), value: encodeEntry(entry), timestamp: nowMs };
    const bytes = recordSizeBound(record);
    if (group.length > 0 && groupBytes + bytes > MAX_OFFSETS_BATCH_BYTES) {
      groups.push(group);
      group = [];
      groupBytes = 0;
    }
    group.push(record);
    groupBytes += bytes;
  }
  if (group.length > 0) groups.push(group);
  const last = groups.length - 1;
  return groups.map((records, i) => {
    const marks = checkpoint ? (i === 0 ? CHECKPOINT_START : 0) | (i === last ? CHECKPOINT_END : 0) : 0;
    return plainBatch(records, marks);
  });
}

/**
 * The entries of a fetched batch (none for a control batch). A record that does not decode is passed to
 * `skipped` and left out: one bad record must not stop a coordinator from loading every other group.
 */
export function decodeBatch(batch: StoredBatch, skipped: (offset: number, err: unknown) => void): OffsetsEntry[] {
  if ((batch.attributes & CONTROL_BATCH) !== 0) return [];
  let records: DecodedRecord[];
  try {
    records = decodeRecordBatch(batch.bytes);
  } catch (err) {
    skipped(batch.baseOffset, err);
    return [];
  }
  const entries: OffsetsEntry[] = [];
  for (const record of records) {
    if (record.value === null) continue;
    try {
      entries.push(decodeEntry(record.value));
    } catch (err) {
      skipped(record.offset, err);
    }
  }
  return entries;
}
