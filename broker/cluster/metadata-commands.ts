/**
 * The entries of the metadata Raft log: each is one command, msgpack-encoded, applied in log order by every
 * broker to its own topic store. Commands carry their outcome (the replica placement is decided by the
 * controller when it proposes), so applying is deterministic.
 */
import { Packr } from 'msgpackr';
import type { TopicRecord } from './topic-registry.js';

export type MetadataCommand =
  | { readonly type: 'createTopic'; readonly record: TopicRecord }
  | { readonly type: 'deleteTopic'; readonly name: string };

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function encodeCommand(command: MetadataCommand): Uint8Array {
  return packr.pack(command);
}

/** Decodes a command; throws on bytes that are not one (a corrupt metadata log must stop the broker loudly). */
export function decodeCommand(bytes: Uint8Array): MetadataCommand {
  const value: unknown = packr.unpack(bytes);
  if (typeof value === 'object' && value !== null && 'type' in value) {
    if (value.type === 'createTopic' && 'record' in value) return value as MetadataCommand;
    if (value.type === 'deleteTopic' && 'name' in value) return value as MetadataCommand;
  }
  throw new Error(`corrupt metadata log entry: ${JSON.stringify(value)}`);
}
