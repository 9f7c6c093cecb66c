/**
 * Codecs turn application values into record bytes and back. The record type flows from the codec:
 * `new Producer<Order>({ codec: jsonCodec<Order>() })` sends `Order`s, and a `Consumer<Order>` yields them.
 * Each factory returns a fresh codec that owns its buffers, so codecs are safe to use from several clients.
 */
import { Packr } from 'msgpackr';
import { Utf8Decoder, Utf8Encoder } from './utf8.js';

/** Converts values of type T to bytes and back. `decode` must accept what `encode` produced. */
export interface Codec<T> {
  /** The bytes stored for `value`. The returned array must not be modified afterwards by the codec. */
  encode(value: T): Uint8Array;
  /** The value stored in `bytes`. `bytes` is a view into a received batch: copy it if you keep it. */
  decode(bytes: Uint8Array): T;
}

/** JSON text in UTF-8 (the default codec). `T` is trusted, not checked: validate decoded values if it matters. */
export function jsonCodec<T = unknown>(): Codec<T> {
  const encoder = new Utf8Encoder();
  const decoder = new Utf8Decoder();
  return {
    encode: (value) => {
      const text = JSON.stringify(value) as string | undefined;
      // JSON.stringify returns undefined for undefined, functions and symbols: refuse rather than store nothing.
      if (text === undefined) throw new TypeError('jsonCodec: value has no JSON representation');
      return encoder.encode(text);
    },
    decode: (bytes) => JSON.parse(decoder.decode(bytes)) as T,
  };
}

/**
 * The msgpackr options {@link msgpackCodec} passes on (msgpackr's README has the details). Declared here rather than
 * re-exported from msgpackr, whose type declarations need Node's: the client's types must compile in a browser
 * project without @types/node.
 */
export interface MsgpackCodecOptions {
  /** msgpackr's record extension for repeated object shapes: smaller, but only msgpackr reads it. Default false. */
  readonly useRecords?: boolean;
  /** Decode maps to plain objects (true) or to `Map`s (false). */
  readonly mapsAsObjects?: boolean;
  /** Keep shared and cyclic references. Default false. */
  readonly structuredClone?: boolean;
  /** Extensions for more JavaScript types (Map, Set, Error, RegExp, typed arrays). Default false. */
  readonly moreTypes?: boolean;
  /** What 64-bit integers decode to. Default 'bigint'. */
  readonly int64AsType?: 'bigint' | 'number' | 'string';
}

/**
 * MessagePack via msgpackr: more compact and faster than JSON for numbers and binary fields.
 * @param options msgpackr options (default: plain maps and arrays, `useRecords: false`, so any msgpack reader can
 *   decode the bytes).
 */
export function msgpackCodec<T = unknown>(options: MsgpackCodecOptions = {}): Codec<T> {
  const packr = new Packr({ useRecords: false, ...options });
  return {
    // pack() hands out a fresh region of msgpackr's buffer each call, so the result stays valid.
    encode: (value) => packr.pack(value),
    decode: (bytes) => packr.unpack(bytes) as T,
  };
}

/** Bytes as they are. Decoded values are views into the received batch: copy them if you keep them. */
export function rawCodec(): Codec<Uint8Array> {
  return { encode: (value) => value, decode: (bytes) => bytes };
}

/** Strings as UTF-8. */
export function stringCodec(): Codec<string> {
  const encoder = new Utf8Encoder();
  const decoder = new Utf8Decoder();
  return { encode: (value) => encoder.encode(value), decode: (bytes) => decoder.decode(bytes) };
}

/** The built-in codec factories by name. */
export const codecs = Object.freeze({
  json: jsonCodec,
  msgpack: msgpackCodec,
  raw: rawCodec,
  string: stringCodec,
});
