/**
 * The entries of the metadata Raft log: each is one command, msgpack-encoded, applied in log order by every
 * broker to its own topic store. Commands carry their outcome (the replica placement is decided by the
 * controller when it proposes), so applying is deterministic.
 */
import { Packr } from 'msgpackr';
import { decodeBatchEntry, encodeBatchEntry } from '../log/batch-entry.js';
import { plainBatch } from '../log/batch.js';
import { decodeRecordBatch } from '../../protocol/index.js';
import type { SecurityChange } from '../auth/security-changes.js';
import type { PeerAddress } from './peer-link.js';
import type { TopicRecord } from '../topics/topic-registry.js';

export type MetadataCommand =
  | { readonly type: 'createTopic'; readonly record: TopicRecord }
  | { readonly type: 'deleteTopic'; readonly name: string }
  /** A broker joined: every broker dials it, and the controller makes it a metadata voter. */
  | { readonly type: 'addBroker'; readonly broker: PeerAddress }
  /** A partition moves to `replicas`: its leader changes the Raft membership one replica at a time. */
  | {
      readonly type: 'reassignPartition';
      readonly topic: string;
      readonly partition: number;
      readonly replicas: readonly number[];
    }
  /** The partition's Raft membership is `replicas` (committed): replicas left out drop their copy. */
  | {
      readonly type: 'completeMove';
      readonly topic: string;
      readonly partition: number;
      readonly replicas: readonly number[];
    }
  /** A topic's config is now `config` (checked by the controller). */
  | { readonly type: 'alterTopicConfig'; readonly name: string; readonly config: Readonly<Record<string, string>> }
  /** Partitions `from`, `from + 1`, ... are added to a topic, with these replicas each. */
  | {
      readonly type: 'createPartitions';
      readonly name: string;
      readonly from: number;
      readonly replicas: readonly (readonly number[])[];
    }
  /** A broker left the cluster for good: nobody places replicas on it or dials it, and it is no metadata voter. */
  | { readonly type: 'removeBroker'; readonly id: number }
  /** The cluster's id, made by the first controller (cluster-id.ts): brokers without one take it. */
  | { readonly type: 'clusterId'; readonly id: string }
  /** A user created, changed or deleted (broker/auth/security-changes.ts). */
  | { readonly type: 'security'; readonly change: SecurityChange };

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function encodeCommand(command: MetadataCommand): Uint8Array {
  return packr.pack(command);
}

/** The fields each command type must carry. */
const FIELDS: Readonly<Record<MetadataCommand['type'], readonly string[]>> = {
  createTopic: ['record'],
  deleteTopic: ['name'],
  addBroker: ['broker'],
  reassignPartition: ['topic', 'partition', 'replicas'],
  completeMove: ['topic', 'partition', 'replicas'],
  alterTopicConfig: ['name', 'config'],
  createPartitions: ['name', 'from', 'replicas'],
  security: ['change'],
  removeBroker: ['id'],
  clusterId: ['id'],
};

/**
 * The data of the Raft entry proposing `command`: a RecordBatch v2 of one record, its value the command, stamped
 * `nowMs` (the metadata log is a partition log like any other).
 */
export function encodeCommandEntry(command: MetadataCommand, nowMs: number): Uint8Array {
  return encodeBatchEntry(plainBatch([{ key: null, value: encodeCommand(command), timestamp: nowMs }]));
}

/** The command in a Raft entry's data (the converse of {@link encodeCommandEntry}); throws on anything else. */
export function decodeCommandEntry(data: Uint8Array): MetadataCommand {
  const value = decodeRecordBatch(decodeBatchEntry(data).bytes)[0]?.value;
  if (value === undefined || value === null) throw new Error('corrupt metadata log entry: an empty batch');
  return decodeCommand(value);
}

/** Decodes a command; throws on bytes that are not one (a corrupt metadata log must stop the broker loudly). */
export function decodeCommand(bytes: Uint8Array): MetadataCommand {
  const value: unknown = packr.unpack(bytes);
  if (typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string') {
    const fields = (FIELDS as Record<string, readonly string[] | undefined>)[value.type];
    if (fields?.every((f) => f in value) === true) return value as MetadataCommand;
  }
  throw new Error(`corrupt metadata log entry: ${JSON.stringify(value)}`);
}
