/**
 * Envelopes as positional msgpack arrays: `[group, type, ...fields]`, the fields in the order of
 * {@link MESSAGE_FIELDS}, and entries as `[index, term, type, data]`. Arrays instead of maps because a tick of a
 * thousand groups sends a thousand small messages per peer: maps repeat every key in every message, and decoding
 * map keys was the largest cost of a frame (arrays measured 1.3-2x the envelopes per CPU second).
 *
 * Decoding also checks every field Raft reads, so a corrupt or hostile frame is refused at the connection instead
 * of reaching a Raft node as half a message. Tuples longer than expected are accepted (trailing items ignored) so a
 * newer broker may append fields.
 */
import { ProtocolError } from '../../protocol/errors.js';
import { EntryType, MessageType, type Entry, type Message } from '../raft/messages.js';

/** Each message type's fields after `type`, in wire order. */
const MESSAGE_FIELDS = {
  [MessageType.Append]: ['from', 'to', 'term', 'index', 'logTerm', 'commit', 'entries'],
  [MessageType.AppendResponse]: ['from', 'to', 'term', 'index', 'reject', 'rejectHint', 'logTerm'],
  [MessageType.Vote]: ['from', 'to', 'term', 'index', 'logTerm', 'transfer'],
  [MessageType.PreVote]: ['from', 'to', 'term', 'index', 'logTerm', 'transfer'],
  [MessageType.VoteResponse]: ['from', 'to', 'term', 'reject'],
  [MessageType.PreVoteResponse]: ['from', 'to', 'term', 'reject'],
  [MessageType.Heartbeat]: ['from', 'to', 'term', 'commit'],
  [MessageType.HeartbeatResponse]: ['from', 'to', 'term'],
  [MessageType.Snapshot]: ['from', 'to', 'term', 'snapshot'],
  [MessageType.TimeoutNow]: ['from', 'to', 'term'],
} as const satisfies Record<MessageType, readonly string[]>;

/** Entry fields in wire order. */
const ENTRY_FIELDS = ['index', 'term', 'type', 'data'] as const;

type MessageOf<T extends MessageType> = Message extends infer M
  ? M extends Message
    ? T extends M['type']
      ? M
      : never
    : never
  : never;
type Listed<T extends MessageType> = (typeof MESSAGE_FIELDS)[T][number];
/** Fields a message type has that the table does not list. */
type Unlisted = { [T in MessageType]: Exclude<keyof MessageOf<T>, 'type' | Listed<T>> }[MessageType];
/** Fields the table lists that the message type does not have. */
type Unknown = { [T in MessageType]: Exclude<Listed<T>, keyof MessageOf<T>> }[MessageType];
type EntryDrift = Exclude<keyof Entry, (typeof ENTRY_FIELDS)[number]>;
type MustBeNever<T extends never> = T;
/** Compile-time guard: tsc stops here when messages.ts gains or loses a field the tables above do not list. */
export type PeerWireTableDrift = [MustBeNever<Unlisted>, MustBeNever<Unknown>, MustBeNever<EntryDrift>];

const FIELDS_BY_TYPE: ReadonlyMap<unknown, readonly string[]> = new Map(Object.entries(MESSAGE_FIELDS));
const ENTRY_TYPES: ReadonlySet<unknown> = new Set(Object.values(EntryType));

type Fields = Record<string, unknown>;

function fail(what: string): never {
  throw new ProtocolError(`malformed peer message: ${what}`);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkCount(fields: Fields, name: string): void {
  if (!isCount(fields[name])) fail(`${name} must be a non-negative integer`);
}

function checkFlag(fields: Fields, name: string): void {
  if (typeof fields[name] !== 'boolean') fail(`${name} must be a boolean`);
}

/**
 * A message of the driver's own (liveness, quiesce...), told apart from Raft messages by its `kind`. On the wire it
 * is `[group, 0, map]`; the transport checks only that it is a map with a string `kind`, so the receiver checks the
 * rest. Keep it small: frame splitting counts it as a few hundred bytes.
 */
export interface OpaquePayload {
  readonly kind: string;
}

/** Marks an opaque envelope in the type slot (Raft types are strings, so a number cannot collide). */
const OPAQUE_MARK = 0;

/** The wire form of one envelope. */
export function envelopeToTuple(group: string, message: Message | OpaquePayload): unknown[] {
  if ('kind' in message) return [group, OPAQUE_MARK, message];
  const fields = MESSAGE_FIELDS[message.type];
  const tuple = new Array<unknown>(fields.length + 2);
  tuple[0] = group;
  tuple[1] = message.type;
  const values = message as unknown as Fields;
  for (let i = 0; i < fields.length; i++) tuple[i + 2] = values[fields[i] as string];
  if (message.type === MessageType.Append) {
    tuple[tuple.length - 1] = message.entries.map((e) => [e.index, e.term, e.type, e.data]);
  }
  return tuple;
}

/**
 * An entry from its wire form. Its `data` becomes a plain `Uint8Array` view of the same bytes: msgpackr hands out
 * Node `Buffer`s, whose `slice()` shares memory where `Uint8Array.slice()` copies.
 */
function tupleToEntry(value: unknown): Entry {
  if (!Array.isArray(value) || value.length < ENTRY_FIELDS.length) fail('an entry must be [index, term, type, data]');
  const [index, term, type, data] = value as unknown[];
  if (!isCount(index) || !isCount(term)) fail('entry index and term must be non-negative integers');
  if (!ENTRY_TYPES.has(type)) fail(`unknown entry type ${String(type)}`);
  if (!(data instanceof Uint8Array)) fail('entry data must be binary');
  const bytes = data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { index, term, type: type as EntryType, data: bytes };
}

function checkSnapshot(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    fail('snapshot must be a map');
  }
  const snapshot = value as Fields;
  checkCount(snapshot, 'index');
  checkCount(snapshot, 'term');
  checkCount(snapshot, 'logOffset');
  const config = snapshot.config;
  if (typeof config !== 'object' || config === null || !Array.isArray((config as Fields).voters)) {
    fail('snapshot config must hold a voters array');
  }
  for (const voter of (config as Fields).voters as unknown[]) {
    if (!isCount(voter) || voter === 0) fail('voter ids must be positive integers');
  }
}

/** An envelope from its wire form; throws a {@link ProtocolError} unless every field checks out. */
export function tupleToEnvelope(value: unknown): { group: string; message: Message | OpaquePayload } {
  if (!Array.isArray(value)) fail('an envelope must be an array');
  const tuple = value as unknown[];
  const [group, type] = tuple;
  if (typeof group !== 'string') fail('group must be a string');
  if (type === OPAQUE_MARK) {
    const payload = tuple[2];
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || payload instanceof Uint8Array) {
      fail('an opaque payload must be a map');
    }
    if (typeof (payload as Fields).kind !== 'string') fail('an opaque payload needs a string kind');
    return { group, message: payload as OpaquePayload };
  }
  const fields = FIELDS_BY_TYPE.get(type);
  if (fields === undefined) fail(`unknown type ${String(type)}`);
  if (tuple.length < fields.length + 2) fail(`${String(type)} needs ${String(fields.length)} fields`);
  const message: Fields = { type };
  for (let i = 0; i < fields.length; i++) message[fields[i] as string] = tuple[i + 2];
  checkCount(message, 'from');
  checkCount(message, 'to');
  checkCount(message, 'term');
  switch (type as MessageType) {
    case MessageType.Append: {
      checkCount(message, 'index');
      checkCount(message, 'logTerm');
      checkCount(message, 'commit');
      const entries = message.entries;
      if (!Array.isArray(entries)) fail('entries must be an array');
      message.entries = (entries as unknown[]).map(tupleToEntry);
      break;
    }
    case MessageType.AppendResponse:
      checkCount(message, 'index');
      checkCount(message, 'rejectHint');
      checkCount(message, 'logTerm');
      checkFlag(message, 'reject');
      break;
    case MessageType.Vote:
    case MessageType.PreVote:
      checkCount(message, 'index');
      checkCount(message, 'logTerm');
      checkFlag(message, 'transfer');
      break;
    case MessageType.VoteResponse:
    case MessageType.PreVoteResponse:
      checkFlag(message, 'reject');
      break;
    case MessageType.Heartbeat:
      checkCount(message, 'commit');
      break;
    case MessageType.Snapshot:
      checkSnapshot(message.snapshot);
      break;
    case MessageType.HeartbeatResponse:
    case MessageType.TimeoutNow:
      break;
  }
  return { group, message: message as unknown as Message };
}
