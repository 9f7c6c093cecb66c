/**
 * Frames: msgpack `[version, op, correlationId, body]`. Over TCP each frame is preceded by its length as a 4-byte
 * big-endian integer; over WebSocket one binary message is one frame.
 */
import { Packr, RESERVE_START_SPACE, Unpackr } from 'msgpackr';
import { ProtocolError } from './errors.js';
import { checkMsgpack } from './msgpack-scan.js';

/** The protocol version this code speaks. */
export const PROTOCOL_VERSION = 1;
/** Bytes of the TCP length prefix. */
export const LENGTH_PREFIX_BYTES = 4;
/** Deepest nesting a frame may have (the deepest Brook body is 6 levels). */
export const MAX_FRAME_DEPTH = 16;

/** A decoded frame before its body is checked against the op's schema. */
export interface Frame {
  version: number;
  op: number;
  correlationId: number;
  body: unknown;
}

const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', moreTypes: false });

/**
 * Encodes a frame. With `lengthPrefix` the first 4 bytes hold the length of the rest (for TCP).
 * The result stays valid after later calls (msgpackr hands out fresh regions of its buffer).
 */
export function encodeFrame(op: number, correlationId: number, body: unknown, lengthPrefix: boolean): Uint8Array {
  const value = [PROTOCOL_VERSION, op, correlationId, body];
  if (!lengthPrefix) return packr.pack(value);
  const out = packr.pack(value, RESERVE_START_SPACE | LENGTH_PREFIX_BYTES);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(0, out.byteLength - LENGTH_PREFIX_BYTES);
  return out;
}

/**
 * Decodes one frame's bytes (without the TCP length prefix). Only a {@link ProtocolError} can escape: the bytes are
 * checked structurally before msgpackr reads them. Binary fields in the body are views into `bytes`, so the
 * caller must not reuse `bytes` while the body is in use.
 */
export function decodeFrame(bytes: Uint8Array, maxFrameBytes: number): Frame {
  if (bytes.byteLength > maxFrameBytes) {
    throw new ProtocolError(`frame of ${String(bytes.byteLength)} bytes exceeds ${String(maxFrameBytes)}`);
  }
  checkMsgpack(bytes, MAX_FRAME_DEPTH);
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch (err: unknown) {
    throw new ProtocolError(`undecodable frame: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(value) || value.length !== 4)
    throw new ProtocolError('frame is not [version, op, correlationId, body]');
  const [version, op, correlationId, body] = value as unknown[];
  if (typeof version !== 'number' || typeof op !== 'number' || typeof correlationId !== 'number') {
    throw new ProtocolError('frame header fields must be integers');
  }
  if (!Number.isInteger(version) || !Number.isInteger(op)) {
    throw new ProtocolError('frame header fields must be integers');
  }
  if (!Number.isInteger(correlationId) || correlationId < 0 || correlationId > 0xffffffff) {
    throw new ProtocolError('correlationId must be a uint32');
  }
  return { version, op, correlationId, body };
}
