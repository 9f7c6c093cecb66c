/**
 * Peer frames: a 4-byte big-endian length, then msgpack. The first frame on a connection is a {@link PeerHello}
 * map; every later frame is an array of envelopes, each in the positional form of peer-message-codec.ts.
 */
import { Packr, RESERVE_START_SPACE, Unpackr } from 'msgpackr';
import { ProtocolError } from '../../protocol/errors.js';
import { LENGTH_PREFIX_BYTES } from '../../protocol/frame.js';
import { checkMsgpack } from '../../protocol/msgpack-scan.js';
import type { Message } from '../raft/messages.js';
import type { OpaquePayload } from './peer-message-codec.js';
import { envelopeToTuple, tupleToEnvelope } from './peer-message-codec.js';

export type { OpaquePayload } from './peer-message-codec.js';

/** One Raft message of one group, as carried between brokers. */
export interface PeerEnvelope {
  /** The Raft group the message belongs to (a partition, or the metadata group). */
  readonly group: string;
  /** A Raft message, or a small message of the driver's own (see {@link OpaquePayload}). */
  readonly message: Message | OpaquePayload;
}

/** First frame of every peer connection: who is dialling, and for which cluster. */
export interface PeerHello {
  readonly clusterId: string;
  /** The dialling broker's id. */
  readonly from: number;
  /** The dialler's nonce, when the cluster authenticates peers by a shared secret (peer-secret.ts). */
  readonly nonce?: Uint8Array | undefined;
}

/** The acceptor's answer to a hello with a nonce, under a cluster secret: its nonce and its proof. */
export interface PeerChallenge {
  readonly nonce: Uint8Array;
  readonly proof: Uint8Array;
}

/** Deepest nesting of a peer frame: frame, envelope, snapshot, config, voters (entries go less deep). */
const MAX_PEER_FRAME_DEPTH = 8;

const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', moreTypes: false });

function packWithPrefix(value: unknown): Uint8Array {
  // Reserving the prefix inside msgpackr's buffer avoids copying the frame to put 4 bytes in front of it.
  const out = packr.pack(value, RESERVE_START_SPACE | LENGTH_PREFIX_BYTES);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(0, out.byteLength - LENGTH_PREFIX_BYTES);
  return out;
}

/**
 * Decodes untrusted bytes. The structural check comes first because msgpackr trusts container counts (see
 * msgpack-scan.ts): a few hostile bytes could otherwise ask for gigabytes.
 */
function unpackChecked(bytes: Uint8Array): unknown {
  checkMsgpack(bytes, MAX_PEER_FRAME_DEPTH);
  try {
    return unpackr.unpack(bytes);
  } catch (err: unknown) {
    throw new ProtocolError(`undecodable peer frame: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The hello frame, length prefix included. */
export function encodeHello(hello: PeerHello): Uint8Array {
  return packWithPrefix({
    clusterId: hello.clusterId,
    from: hello.from,
    ...(hello.nonce === undefined ? {} : { nonce: hello.nonce }),
  });
}

/** The challenge frame (acceptor to dialler), length prefix included. */
export function encodeChallenge(challenge: PeerChallenge): Uint8Array {
  return packWithPrefix({ nonce: challenge.nonce, proof: challenge.proof });
}

/** Decodes a challenge frame's payload; throws a {@link ProtocolError} if it is not one. */
export function decodeChallenge(bytes: Uint8Array): PeerChallenge {
  const { nonce, proof } = decodeMap(bytes, 'peer challenge');
  if (!(nonce instanceof Uint8Array) || !(proof instanceof Uint8Array)) {
    throw new ProtocolError('peer challenge lacks a nonce or a proof');
  }
  return { nonce, proof };
}

/** The dialler's proof frame, length prefix included. */
export function encodeProof(proof: Uint8Array): Uint8Array {
  return packWithPrefix({ proof });
}

/** Decodes a proof frame's payload; throws a {@link ProtocolError} if it is not one. */
export function decodeProof(bytes: Uint8Array): Uint8Array {
  const { proof } = decodeMap(bytes, 'peer proof');
  if (!(proof instanceof Uint8Array)) throw new ProtocolError('peer proof frame lacks a proof');
  return proof;
}

function decodeMap(bytes: Uint8Array, what: string): Record<string, unknown> {
  const value = unpackChecked(bytes);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new ProtocolError(`${what} is not a map`);
  }
  return value as Record<string, unknown>;
}

/** Decodes a hello frame's payload (without its prefix); throws a {@link ProtocolError} if it is not one. */
export function decodeHello(bytes: Uint8Array): PeerHello {
  const { clusterId, from, nonce } = decodeMap(bytes, 'peer hello');
  if (typeof clusterId !== 'string') throw new ProtocolError('peer hello lacks a clusterId');
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from <= 0) {
    throw new ProtocolError('peer hello lacks a positive broker id');
  }
  if (nonce !== undefined && !(nonce instanceof Uint8Array)) throw new ProtocolError('peer hello nonce is not bytes');
  return nonce === undefined ? { clusterId, from } : { clusterId, from, nonce };
}

/**
 * One frame holding `envelopes` in order, length prefix included. The result stays valid after later calls
 * (msgpackr hands out a fresh region of its buffer each time), so it can be queued on a socket as it is.
 */
export function encodeEnvelopes(envelopes: readonly PeerEnvelope[]): Uint8Array {
  return packWithPrefix(envelopes.map((e) => envelopeToTuple(e.group, e.message)));
}

/**
 * Decodes an envelope frame's payload (without its prefix). Throws a {@link ProtocolError} on anything malformed,
 * so one bad frame costs its connection and nothing else. Entry data are views of `bytes` (no copy): they keep
 * the received chunk alive for as long as they are referenced.
 */
export function decodeEnvelopes(bytes: Uint8Array): PeerEnvelope[] {
  const value = unpackChecked(bytes);
  if (!Array.isArray(value)) throw new ProtocolError('peer frame is not an array of envelopes');
  return (value as unknown[]).map(tupleToEnvelope);
}
