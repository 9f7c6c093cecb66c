/**
 * A small runtime schema language for the wire contract. Each request and response body is defined once as a
 * schema; its TypeScript type is inferred from it (`Infer<typeof schema>`), so the type and the check never drift.
 * Parsing returns the input itself (no copy) once it has been checked, so validation stays cheap on hot paths.
 */
import { ProtocolError } from './errors.js';

/** Checks an unknown value and returns it typed, or throws a {@link ProtocolError} naming the path. */
export interface Schema<T> {
  readonly parse: (value: unknown, path: string) => T;
  /** Set on schemas made by {@link optional}: the field may be absent. */
  readonly optional?: true;
}

/** The type a schema accepts. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

type Shape = Readonly<Record<string, Schema<unknown>>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type Flatten<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<S extends Shape> = Flatten<
  { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
    -readonly [K in OptionalKeys<S>]?: Infer<S[K]>;
  }
>;

function fail(path: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new ProtocolError(`${path || 'body'}: expected ${expected}, got ${got}`);
}

/** A string, optionally bounded in length and matched against a pattern. */
export function str(opts: { maxLength?: number; pattern?: RegExp } = {}): Schema<string> {
  const maxLength = opts.maxLength ?? Infinity;
  return {
    parse(value, path) {
      if (typeof value !== 'string') fail(path, 'string', value);
      if (value.length > maxLength) fail(path, `string of at most ${String(maxLength)} characters`, value);
      if (opts.pattern !== undefined && !opts.pattern.test(value))
        fail(path, `string matching ${String(opts.pattern)}`, value);
      return value;
    },
  };
}

/** A safe integer within [min, max]. */
export function int(opts: { min?: number; max?: number } = {}): Schema<number> {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return {
    parse(value, path) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(path, 'integer', value);
      if (value < min || value > max) fail(path, `integer in [${String(min)}, ${String(max)}]`, value);
      return value;
    },
  };
}

/** A boolean. */
export const bool: Schema<boolean> = {
  parse(value, path) {
    if (typeof value !== 'boolean') fail(path, 'boolean', value);
    return value;
  },
};

/** Raw bytes (msgpack bin). */
export const bytes: Schema<Uint8Array> = {
  parse(value, path) {
    if (!(value instanceof Uint8Array)) fail(path, 'bytes', value);
    return value;
  },
};

/** One of the given literal values. */
export function literal<const V extends readonly (string | number | boolean)[]>(...values: V): Schema<V[number]> {
  const allowed = new Set<unknown>(values);
  return {
    parse(value, path) {
      if (!allowed.has(value)) fail(path, `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, value);
      return value as V[number];
    },
  };
}

/** Either schema; the first that accepts wins. */
export function either<A, B>(a: Schema<A>, b: Schema<B>): Schema<A | B> {
  return {
    parse(value, path) {
      try {
        return a.parse(value, path);
      } catch (err: unknown) {
        if (!(err instanceof ProtocolError)) throw err;
        return b.parse(value, path);
      }
    },
  };
}

/** A field that may be absent from its object (omit the key: nil is not "absent"). */
export function optional<T>(inner: Schema<T>): Schema<T> & { readonly optional: true } {
  return {
    optional: true,
    parse: (value, path) => inner.parse(value, path),
  };
}

/** The value or null. */
export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return { parse: (value, path) => (value === null ? null : inner.parse(value, path)) };
}

/** An array of at most `maxLength` items, each checked. */
export function array<T>(item: Schema<T>, opts: { maxLength?: number } = {}): Schema<T[]> {
  const maxLength = opts.maxLength ?? 100_000;
  return {
    parse(value, path) {
      if (!Array.isArray(value)) fail(path, 'array', value);
      if (value.length > maxLength) fail(path, `array of at most ${String(maxLength)} items`, value);
      for (let i = 0; i < value.length; i++) item.parse(value[i], `${path}[${String(i)}]`);
      return value as T[];
    },
  };
}

/** A fixed-length array whose positions have their own schemas. */
export function tuple<const S extends readonly Schema<unknown>[]>(
  ...items: S
): Schema<{ -readonly [K in keyof S]: Infer<S[K]> }> {
  return {
    parse(value, path) {
      if (!Array.isArray(value) || value.length !== items.length)
        fail(path, `array of ${String(items.length)} items`, value);
      for (let i = 0; i < items.length; i++) items[i]?.parse(value[i], `${path}[${String(i)}]`);
      return value as { -readonly [K in keyof S]: Infer<S[K]> };
    },
  };
}

/** A string-keyed map with values of one schema. */
export function map<T>(value: Schema<T>, opts: { maxKeys?: number } = {}): Schema<Record<string, T>> {
  const maxKeys = opts.maxKeys ?? 1000;
  return {
    parse(input, path) {
      if (typeof input !== 'object' || input === null || Array.isArray(input) || input instanceof Uint8Array) {
        fail(path, 'map', input);
      }
      const entries = Object.entries(input);
      if (entries.length > maxKeys) fail(path, `map of at most ${String(maxKeys)} keys`, input);
      for (const [k, v] of entries) value.parse(v, `${path}.${k}`);
      return input as Record<string, T>;
    },
  };
}

/** An object with the given fields (unknown extra fields are allowed and ignored, for forward compatibility). */
export function object<const S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  const fields = Object.entries(shape);
  return {
    parse(value, path) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
        fail(path, 'object', value);
      }
      const record = value as Record<string, unknown>;
      for (const [key, field] of fields) {
        const v = record[key];
        if (v === undefined && field.optional === true) continue;
        field.parse(v, path ? `${path}.${key}` : key);
      }
      return value as ObjectOf<S>;
    },
  };
}
