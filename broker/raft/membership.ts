/**
 * Membership changes, one voter at a time (Raft thesis §4.1). A change travels as the data of a config
 * entry and takes effect on every replica as soon as the entry is in its log, committed or not.
 *
 * A config entry carries the change and the whole membership that results, so that a replica joining
 * with an empty log (and no idea of the bootstrap membership) learns the config from the entry itself.
 */
import { ConfigChangeType, EntryType } from './messages.js';
import type { Config, ConfigChange, Entry, NodeId } from './messages.js';

/** What a config entry holds. */
export interface ConfigEntryData {
  readonly change: ConfigChange;
  /** Membership once the change is applied. */
  readonly config: Config;
}

const OP_ADD = 1;
const OP_REMOVE = 2;
const HEADER_BYTES = 7;
const MAX_VOTERS = 0xffff;

/** Encodes config-entry data: `[op u8][nodeId u32][voterCount u16][voter u32]...`, big-endian. */
export function encodeConfigEntry(data: ConfigEntryData): Uint8Array {
  assertNodeId(data.change.nodeId);
  const voters = makeConfig(data.config.voters).voters;
  if (voters.length > MAX_VOTERS) throw new RangeError(`too many voters: ${voters.length}`);
  const bytes = new Uint8Array(HEADER_BYTES + 4 * voters.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, data.change.type === ConfigChangeType.AddVoter ? OP_ADD : OP_REMOVE);
  view.setUint32(1, data.change.nodeId);
  view.setUint16(5, voters.length);
  voters.forEach((id, i) => {
    view.setUint32(HEADER_BYTES + 4 * i, id);
  });
  return bytes;
}

/** Decodes data written by {@link encodeConfigEntry}; throws on anything else. */
export function decodeConfigEntry(bytes: Uint8Array): ConfigEntryData {
  if (bytes.byteLength < HEADER_BYTES) throw new Error(`config entry too short: ${bytes.byteLength} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const op = view.getUint8(0);
  const nodeId = view.getUint32(1);
  const count = view.getUint16(5);
  if (bytes.byteLength !== HEADER_BYTES + 4 * count) {
    throw new Error(
      `config entry of ${count} voters must be ${HEADER_BYTES + 4 * count} bytes, got ${bytes.byteLength}`,
    );
  }
  let type: ConfigChangeType;
  if (op === OP_ADD) type = ConfigChangeType.AddVoter;
  else if (op === OP_REMOVE) type = ConfigChangeType.RemoveVoter;
  else throw new Error(`unknown config change op ${op}`);
  const voters: NodeId[] = [];
  for (let i = 0; i < count; i++) voters.push(view.getUint32(HEADER_BYTES + 4 * i));
  return { change: { type, nodeId }, config: makeConfig(voters) };
}

/** The membership after `change`. Adding a present voter or removing an absent one changes nothing. */
export function applyConfigChange(config: Config, change: ConfigChange): Config {
  const voters = new Set(config.voters);
  if (change.type === ConfigChangeType.AddVoter) voters.add(change.nodeId);
  else voters.delete(change.nodeId);
  return makeConfig(voters);
}

/** The membership after `entry`: the one it carries if it is a config entry, else `config` unchanged. */
export function applyConfigEntry(config: Config, entry: Entry): Config {
  if (entry.type !== EntryType.Config) return config;
  return decodeConfigEntry(entry.data).config;
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
