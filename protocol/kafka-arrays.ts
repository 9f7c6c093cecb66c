/**
 * Arrays in Kafka messages: a length (classic int32 or compact unsigned varint, null allowed where the schema says)
 * followed by the elements. The generated codecs pass their struct readers and writers here; the primitive element
 * codecs are below.
 */
import { ProtocolError } from './errors.js';
import type { KafkaReader } from './kafka-reader.js';
import type { KafkaWriter } from './kafka-writer.js';

/** Reads one element; `v` is the message version, `compact` whether the version is flexible. */
export type ReadItem<T> = (r: KafkaReader, v: number, compact: boolean) => T;
/** Writes one element. */
export type WriteItem<T> = (w: KafkaWriter, v: number, item: T, compact: boolean) => void;

/** Reads and writes one kind of array element. */
export interface ItemCodec<T> {
  readonly read: ReadItem<T>;
  readonly write: WriteItem<T>;
}

/** An array that may be null. */
export function readNullableArray<T>(r: KafkaReader, compact: boolean, v: number, item: ReadItem<T>): T[] | null {
  const n = r.arrayLength(compact);
  if (n < 0) return null;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item(r, v, compact));
  return out;
}

/** An array that must not be null. */
export function readArray<T>(r: KafkaReader, compact: boolean, v: number, item: ReadItem<T>): T[] {
  const out = readNullableArray(r, compact, v, item);
  if (out === null) throw new ProtocolError('null where an array is required');
  return out;
}

/** Writes an array or null. */
export function writeNullableArray<T>(
  w: KafkaWriter,
  compact: boolean,
  v: number,
  items: readonly T[] | null,
  item: WriteItem<T>,
): void {
  if (items === null) {
    w.arrayLength(-1, compact);
    return;
  }
  w.arrayLength(items.length, compact);
  for (const x of items) item(w, v, x, compact);
}

/** Writes an array. */
export function writeArray<T>(
  w: KafkaWriter,
  compact: boolean,
  v: number,
  items: readonly T[],
  item: WriteItem<T>,
): void {
  writeNullableArray(w, compact, v, items, item);
}

/** `value`, or a ProtocolError naming `field` when it is null in a version where the field cannot be. */
export function required<T>(value: T | null, field: string, v: number): T {
  if (value === null) throw new ProtocolError(`${field} cannot be null in version ${String(v)}`);
  return value;
}

/** The error for a field set to a non-default value in a version that does not carry it (Kafka refuses the same). */
export function notInVersion(field: string, v: number): ProtocolError {
  return new ProtocolError(`${field} is not in version ${String(v)} and cannot be sent with a non-default value`);
}

export const int8Items: ItemCodec<number> = {
  read: (r) => r.int8(),
  write: (w, _v, x) => {
    w.int8(x);
  },
};
export const int16Items: ItemCodec<number> = {
  read: (r) => r.int16(),
  write: (w, _v, x) => {
    w.int16(x);
  },
};
export const uint16Items: ItemCodec<number> = {
  read: (r) => r.uint16(),
  write: (w, _v, x) => {
    w.uint16(x);
  },
};
export const int32Items: ItemCodec<number> = {
  read: (r) => r.int32(),
  write: (w, _v, x) => {
    w.int32(x);
  },
};
export const int64Items: ItemCodec<bigint> = {
  read: (r) => r.int64(),
  write: (w, _v, x) => {
    w.int64(x);
  },
};
export const float64Items: ItemCodec<number> = {
  read: (r) => r.float64(),
  write: (w, _v, x) => {
    w.float64(x);
  },
};
export const boolItems: ItemCodec<boolean> = {
  read: (r) => r.bool(),
  write: (w, _v, x) => {
    w.bool(x);
  },
};
export const uuidItems: ItemCodec<string> = {
  read: (r) => r.uuid(),
  write: (w, _v, x) => {
    w.uuid(x);
  },
};
export const stringItems: ItemCodec<string> = {
  read: (r, _v, c) => r.string(c),
  write: (w, _v, x, c) => {
    w.string(x, c);
  },
};
export const bytesItems: ItemCodec<Uint8Array> = {
  read: (r, _v, c) => r.bytes(c),
  write: (w, _v, x, c) => {
    w.bytes(x, c);
  },
};
