/**
 * Membership changes, one voter at a time (Raft thesis §4.1). A change travels as the data of a config
 * entry and takes effect on every replica as soon as the entry is in its log, committed or not.
 */
import { ConfigChangeType, EntryType } from './messages.js';
import type { Config, ConfigChange, Entry, NodeId } from './messages.js';

const OP_ADD = 1;
const OP_REMOVE = 2;
/** Encoded size: one op byte + a 32-bit node id. */
const ENCODED_BYTES = 5;

/** Encodes a change as config-entry data: `[op u8][nodeId u32 big-endian]`. */
export function encodeConfigChange(change: ConfigChange): Uint8Array {
  assertNodeId(change.nodeId);
  const bytes = new Uint8Array(ENCODED_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, change.type === ConfigChangeType.AddVoter ? OP_ADD : OP_REMOVE);
  view.setUint32(1, change.nodeId);
  return bytes;
}

/** Decodes config-entry data written by {@link encodeConfigChange}; throws on anything else. */
export function decodeConfigChange(data: Uint8Array): ConfigChange {
  if (data.byteLength !== ENCODED_BYTES) {
    throw new Error(`config change must be ${String(ENCODED_BYTES)} bytes, got ${String(data.byteLength)}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const op = view.getUint8(0);
  const nodeId = view.getUint32(1);
  if (op === OP_ADD) return { type: ConfigChangeType.AddVoter, nodeId };
  if (op === OP_REMOVE) return { type: ConfigChangeType.RemoveVoter, nodeId };
  throw new Error(`unknown config change op ${String(op)}`);
}

/** The membership after `change`. Adding a present voter or removing an absent one changes nothing. */
export function applyConfigChange(config: Config, change: ConfigChange): Config {
  const voters = new Set(config.voters);
  if (change.type === ConfigChangeType.AddVoter) voters.add(change.nodeId);
  else voters.delete(change.nodeId);
  return makeConfig([...voters]);
}

/** The membership after `entry` if it is a config entry, else `config` unchanged. */
export function applyConfigEntry(config: Config, entry: Entry): Config {
  if (entry.type !== EntryType.Config) return config;
  return applyConfigChange(config, decodeConfigChange(entry.data));
}

/** A normalised config: voters sorted ascending, deduplicated, validated. */
export function makeConfig(voters: Iterable<NodeId>): Config {
  const unique = [...new Set(voters)];
  for (const id of unique) assertNodeId(id);
  unique.sort((a, b) => a - b);
  return { voters: unique };
}

/** Whether `id` is a voter in `config`. */
export function isVoter(config: Config, id: NodeId): boolean {
  return config.voters.includes(id);
}

/** Whether two configs have the same voters. */
export function sameConfig(a: Config, b: Config): boolean {
  return a.voters.length === b.voters.length && a.voters.every((id, i) => b.voters[i] === id);
}

function assertNodeId(id: NodeId): void {
  if (!Number.isInteger(id) || id <= 0 || id > 0xffffffff) {
    throw new RangeError(`node id must be an integer in [1, 2^32), got ${String(id)}`);
  }
}
