/**
 * Random messages for the generated Kafka codecs, built from the vendored JSON definitions by a walker of its own
 * (not the generator's), so the round-trip tests check the generated code against Kafka's rules as written here:
 * a field absent from a version holds its default; a nullable one is sometimes null; a tagged one sometimes holds its
 * default (and is then not written).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type FieldSpec, type MessageSpec, inVersions, parseMessageSpec } from '../../../broker/kafka/codegen/spec.js';
import { ZERO_UUID } from '../../../protocol/kafka-uuid.js';
import { SeededRandom } from '../client/helpers/manual-clock.js';

export const VENDOR_DIR = join(import.meta.dirname, '../../../broker/kafka/vendor/apache-kafka/message');

/** Every vendored definition, by message name. */
export function loadSpecs(): Map<string, MessageSpec> {
  const specs = new Map<string, MessageSpec>();
  for (const file of readdirSync(VENDOR_DIR).filter((f) => f.endsWith('.json'))) {
    const spec = parseMessageSpec(readFileSync(join(VENDOR_DIR, file), 'utf8'));
    specs.set(spec.name, spec);
  }
  return specs;
}

/** A plain-data value of a message field. */
export type Sample = null | boolean | number | bigint | string | Uint8Array | Sample[] | { [k: string]: Sample };

/** Builds random messages of one definition. */
export class SampleMaker {
  private readonly rng: SeededRandom;
  private readonly structs = new Map<string, readonly FieldSpec[]>();

  constructor(
    private readonly spec: MessageSpec,
    seed: number,
  ) {
    this.rng = new SeededRandom(seed);
    for (const s of spec.commonStructs) this.structs.set(s.name, s.fields);
    const collect = (fields: readonly FieldSpec[]): void => {
      for (const f of fields) {
        if (f.fields === undefined) continue;
        this.structs.set(f.type.replace(/^\[\]/, ''), f.fields);
        collect(f.fields);
      }
    };
    collect(spec.fields);
  }

  /** A random message of version `v`. */
  message(v: number): Record<string, Sample> {
    return this.struct(this.spec.fields, v, 0);
  }

  private int(bound: number): number {
    return Math.floor(this.rng.next() * bound);
  }

  private chance(p: number): boolean {
    return this.rng.next() < p;
  }

  private struct(fields: readonly FieldSpec[], v: number, depth: number): Record<string, Sample> {
    const out: Record<string, Sample> = {};
    for (const f of fields) {
      const key = f.name.charAt(0).toLowerCase() + f.name.slice(1);
      const present = inVersions(f.versions, v);
      const tagged = f.tag !== undefined && inVersions(f.taggedVersions, v);
      out[key] = !present || (tagged && this.chance(0.3)) ? this.defaultOf(f) : this.value(f, v, depth);
    }
    return out;
  }

  private structFields(type: string): readonly FieldSpec[] {
    const fields = this.structs.get(type.replace(/^\[\]/, ''));
    if (fields === undefined) throw new Error(`unknown struct ${type}`);
    return fields;
  }

  /** Kafka's default of a field: its JSON `default`, else the type's zero (records: null). */
  defaultOf(f: FieldSpec): Sample {
    const nullable = f.nullableVersions.lowest <= f.nullableVersions.highest;
    if (f.default === 'null' && nullable) return null;
    if (f.type.startsWith('[]')) return [];
    const d = f.default;
    switch (f.type) {
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'float64':
        return d === undefined ? 0 : Number(d);
      case 'int64':
        return d === undefined ? 0n : BigInt(d);
      case 'bool':
        return d === 'true';
      case 'string':
        return d ?? '';
      case 'uuid':
        return ZERO_UUID;
      case 'bytes':
        return new Uint8Array(0);
      case 'records':
        return nullable ? null : new Uint8Array(0);
      default: {
        const fields = this.structFields(f.type);
        const out: Record<string, Sample> = {};
        for (const sf of fields) out[sf.name.charAt(0).toLowerCase() + sf.name.slice(1)] = this.defaultOf(sf);
        return out;
      }
    }
  }

  private value(f: FieldSpec, v: number, depth: number): Sample {
    if (inVersions(f.nullableVersions, v) && this.chance(0.2)) return null;
    if (f.type.startsWith('[]')) {
      const element = f.type.slice(2);
      const n = depth > 2 ? this.int(2) : this.int(4);
      return Array.from({ length: n }, () => this.primitiveOrStruct(element, v, depth + 1));
    }
    return this.primitiveOrStruct(f.type, v, depth);
  }

  private primitiveOrStruct(type: string, v: number, depth: number): Sample {
    switch (type) {
      case 'int8':
        return this.int(256) - 128;
      case 'int16':
        return this.int(65536) - 32768;
      case 'uint16':
        return this.int(65536);
      case 'int32':
        return this.int(2 ** 32) - 2 ** 31;
      case 'int64':
        return BigInt(this.int(2 ** 32)) * BigInt(this.int(2 ** 31)) - 2n ** 61n;
      case 'float64':
        return this.rng.next() * 1e6 - 5e5;
      case 'bool':
        return this.chance(0.5);
      case 'uuid':
        return uuid(this.bytes(16));
      case 'string':
        return this.string();
      case 'bytes':
      case 'records':
        return this.bytes(this.chance(0.1) ? 5000 : this.int(40));
      default:
        return this.struct(this.structFields(type), v, depth);
    }
  }

  private string(): string {
    const alphabet = ['a', 'b', 'Z', '-', '.', '_', '0', 'é', '€', '日', '🙂'];
    const n = this.chance(0.05) ? 200 : this.int(12);
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(this.chance(0.8) ? 7 : alphabet.length)] ?? '';
    return s;
  }

  private bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
}

function uuid(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** `value` with bytes as hex strings, so tap compares contents (it treats Uint8Arrays loosely). */
export function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return { hex: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}
