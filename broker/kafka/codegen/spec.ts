/**
 * Apache Kafka's JSON message definitions (clients/src/main/resources/common/message/*.json), parsed into a typed
 * model for the code generator. The format is Kafka's own (see the README beside those files in Kafka's repository):
 * JSON with `//` comments; version ranges written "3", "1-4", "2+" or "none".
 */

/** An inclusive range of versions; `highest` is Infinity for "N+", and `lowest > highest` for "none". */
export interface Versions {
  readonly lowest: number;
  readonly highest: number;
}

/** No version at all. */
export const NO_VERSIONS: Versions = { lowest: 1, highest: 0 };

/** One field of a message or struct. */
export interface FieldSpec {
  /** Kafka's PascalCase name, e.g. `TransactionalId`. */
  readonly name: string;
  /** `int32`, `string`, `[]int32`, `[]TopicData`, `LeaderIdAndEpoch`, ... */
  readonly type: string;
  readonly versions: Versions;
  readonly nullableVersions: Versions;
  readonly taggedVersions: Versions;
  /** Tag number when the field is tagged in `taggedVersions`. */
  readonly tag: number | undefined;
  /** Field-level override of the message's flexible versions (the request header's ClientId: "none"). */
  readonly flexibleVersions: Versions | undefined;
  readonly ignorable: boolean;
  /** The literal default as the JSON gives it, or undefined for the type's zero. */
  readonly default: string | undefined;
  readonly about: string;
  /** Fields of an inline struct (or of the elements of an inline struct array). */
  readonly fields: readonly FieldSpec[] | undefined;
}

/** A named struct shared inside one message (`commonStructs`). */
export interface StructSpec {
  readonly name: string;
  readonly versions: Versions;
  readonly fields: readonly FieldSpec[];
}

/** One message definition: a request, a response or a header. */
export interface MessageSpec {
  readonly name: string;
  readonly type: 'request' | 'response' | 'header';
  readonly apiKey: number | undefined;
  readonly validVersions: Versions;
  readonly flexibleVersions: Versions;
  readonly fields: readonly FieldSpec[];
  readonly commonStructs: readonly StructSpec[];
}

/** Parses "3", "1-4", "2+" or "none". */
export function parseVersions(text: string): Versions {
  const s = text.trim();
  if (s === 'none') return NO_VERSIONS;
  if (s.endsWith('+')) return { lowest: Number.parseInt(s.slice(0, -1), 10), highest: Infinity };
  const dash = s.indexOf('-');
  if (dash >= 0) {
    return { lowest: Number.parseInt(s.slice(0, dash), 10), highest: Number.parseInt(s.slice(dash + 1), 10) };
  }
  const n = Number.parseInt(s, 10);
  if (Number.isNaN(n)) throw new Error(`not a version range: ${JSON.stringify(text)}`);
  return { lowest: n, highest: n };
}

/** Whether `v` lies in `range`. */
export function inVersions(range: Versions, v: number): boolean {
  return v >= range.lowest && v <= range.highest;
}

/** The versions of `range` that also lie in `within`. */
export function intersect(range: Versions, within: Versions): Versions {
  const lowest = Math.max(range.lowest, within.lowest);
  const highest = Math.min(range.highest, within.highest);
  return lowest > highest ? NO_VERSIONS : { lowest, highest };
}

/** Whether `range` holds no version. */
export function isEmpty(range: Versions): boolean {
  return range.lowest > range.highest;
}

/** Removes `//` comments that lie outside strings (Kafka's definitions carry license and version notes in them). */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (inString) {
      out += c;
      if (c === '\\') out += text.charAt(++i);
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text.charAt(i + 1) === '/') {
      while (i < text.length && text.charAt(i) !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

/** Parses one definition file's text. */
export function parseMessageSpec(text: string): MessageSpec {
  const json: unknown = JSON.parse(stripComments(text));
  const o = asObject(json, 'message');
  const type = str(o, 'type');
  if (type !== 'request' && type !== 'response' && type !== 'header') throw new Error(`unknown message type ${type}`);
  const validVersions = parseVersions(str(o, 'validVersions'));
  return {
    name: str(o, 'name'),
    type,
    apiKey: typeof o.apiKey === 'number' ? o.apiKey : undefined,
    validVersions,
    flexibleVersions: parseVersions(str(o, 'flexibleVersions')),
    fields: list(o.fields, 'fields').map((f) => parseField(f, validVersions)),
    commonStructs: (o.commonStructs === undefined ? [] : list(o.commonStructs, 'commonStructs')).map((s) => {
      const so = asObject(s, 'common struct');
      const versions = parseVersions(str(so, 'versions'));
      return {
        name: str(so, 'name'),
        versions,
        fields: list(so.fields, 'fields').map((f) => parseField(f, versions)),
      };
    }),
  };
}

function parseField(json: unknown, parentVersions: Versions): FieldSpec {
  const o = asObject(json, 'field');
  const versions = intersect(parseVersions(str(o, 'versions')), parentVersions);
  const dflt = o.default;
  const tag = o.tag;
  if (tag !== undefined && typeof tag !== 'number') throw new Error(`tag of ${str(o, 'name')} is not a number`);
  return {
    name: str(o, 'name'),
    type: str(o, 'type'),
    versions,
    nullableVersions: optionalVersions(o, 'nullableVersions'),
    taggedVersions: optionalVersions(o, 'taggedVersions'),
    tag,
    flexibleVersions: typeof o.flexibleVersions === 'string' ? parseVersions(o.flexibleVersions) : undefined,
    ignorable: o.ignorable === true,
    default: typeof dflt === 'number' ? String(dflt) : typeof dflt === 'string' ? dflt : undefined,
    about: typeof o.about === 'string' ? o.about : '',
    fields: o.fields === undefined ? undefined : list(o.fields, 'fields').map((f) => parseField(f, versions)),
  };
}

function optionalVersions(o: Record<string, unknown>, key: string): Versions {
  const v = o[key];
  return typeof v === 'string' ? parseVersions(v) : NO_VERSIONS;
}

function asObject(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${what} is not an object`);
  return json as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`${key} is missing or not a string`);
  return v;
}

function list(json: unknown, what: string): unknown[] {
  if (!Array.isArray(json)) throw new Error(`${what} is not an array`);
  return json as unknown[];
}
