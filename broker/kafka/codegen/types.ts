/**
 * How each Kafka field type maps onto TypeScript: its type, its default and the test for "holds the default" (which
 * decides whether a tagged field is written, and whether a field missing from a version may be sent).
 */
import type { FieldSpec } from './spec.js';

/** Kafka's primitive types and the reader/writer method (and array element codec) of each. */
export const PRIMITIVES = {
  int8: { ts: 'number', zero: '0', items: 'int8Items' },
  int16: { ts: 'number', zero: '0', items: 'int16Items' },
  uint16: { ts: 'number', zero: '0', items: 'uint16Items' },
  int32: { ts: 'number', zero: '0', items: 'int32Items' },
  int64: { ts: 'bigint', zero: '0n', items: 'int64Items' },
  float64: { ts: 'number', zero: '0', items: 'float64Items' },
  bool: { ts: 'boolean', zero: 'false', items: 'boolItems' },
  uuid: { ts: 'string', zero: 'ZERO_UUID', items: 'uuidItems' },
  string: { ts: 'string', zero: "''", items: 'stringItems' },
  bytes: { ts: 'Uint8Array', zero: 'new Uint8Array(0)', items: 'bytesItems' },
  records: { ts: 'Uint8Array', zero: 'null', items: 'bytesItems' },
} as const;

/** A primitive type name. */
export type Primitive = keyof typeof PRIMITIVES;

export function isPrimitive(type: string): type is Primitive {
  return Object.hasOwn(PRIMITIVES, type);
}

/** A field's type, decomposed. */
export type FieldKind =
  | { readonly kind: 'primitive'; readonly type: Primitive }
  | { readonly kind: 'array'; readonly element: FieldKind }
  | { readonly kind: 'struct'; readonly struct: string };

/** The kind of a type string (`int32`, `[]string`, `[]Topic`, `Topic`). */
export function kindOf(type: string): FieldKind {
  if (type.startsWith('[]')) return { kind: 'array', element: kindOf(type.slice(2)) };
  if (isPrimitive(type)) return { kind: 'primitive', type };
  return { kind: 'struct', struct: type };
}

/** camelCase of Kafka's PascalCase names (`TransactionalId` -> `transactionalId`). */
export function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Whether a field's value may be null in some version. */
export function nullableAnywhere(field: FieldSpec): boolean {
  return field.nullableVersions.lowest <= field.nullableVersions.highest;
}

/**
 * The TypeScript expression of a field's default value; `structType` names the TypeScript type of a struct field.
 * Records default to null (Kafka's generator does the same); other nullable fields only when the JSON says "null".
 */
export function defaultExpr(field: FieldSpec, structType: (name: string) => string): string {
  const kind = kindOf(field.type);
  const d = field.default;
  if (d === 'null' && nullableAnywhere(field)) return 'null';
  if (kind.kind === 'array') return '[]';
  if (kind.kind === 'struct') return `default${structType(kind.struct)}()`;
  const type = kind.type;
  if (type === 'records') return nullableAnywhere(field) ? 'null' : 'new Uint8Array(0)';
  if (d === undefined || d === '') return type === 'string' && d === '' ? "''" : PRIMITIVES[type].zero;
  switch (type) {
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'float64':
      return String(Number(d));
    case 'int64':
      return `${BigInt(d).toString()}n`;
    case 'bool':
      return d === 'true' ? 'true' : 'false';
    case 'string':
      return JSON.stringify(d);
    case 'uuid':
    case 'bytes':
      throw new Error(`${field.name}: no default value supported for ${type}`);
  }
}

/**
 * A boolean TypeScript expression: whether `expr` (the field's value) holds the field's default. `nullableType` says
 * whether `expr`'s TypeScript type admits null (so the test neither misses null nor checks it needlessly).
 */
export function isDefaultExpr(
  field: FieldSpec,
  expr: string,
  structType: (name: string) => string,
  nullableType: boolean,
): string {
  const dflt = defaultExpr(field, structType);
  const kind = kindOf(field.type);
  if (dflt === 'null') return `${expr} === null`;
  const notNull = nullableType ? `${expr} !== null && ` : '';
  if (kind.kind === 'array') return `${notNull}${expr}.length === 0`;
  if (kind.kind === 'struct') return `${notNull}isDefault${structType(kind.struct)}(${expr})`;
  if (kind.type === 'bytes' || kind.type === 'records') return `${notNull}${expr}.byteLength === 0`;
  if (kind.type === 'bool') return dflt === 'true' ? expr : `!${expr}`;
  return `${expr} === ${dflt}`;
}
