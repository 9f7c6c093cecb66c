/**
 * `brook consume --format`: how a record is printed. Templates use kcat's tokens (`%t` topic, `%p` partition, `%o`
 * offset, `%T` timestamp in ms, `%k` key, `%v` value, `%h` headers as `k=v,k=v`, `%%`) and the escapes `\n`, `\t`,
 * `\r`, `\\`; as in kcat, a template prints no newline of its own. `json` prints one JSON object per line instead.
 */
import type { ConsumerRecord } from '@brook/client';
import { FlagError } from './flag-error.js';

/** A record as the CLI reads it: key, value and header values stay bytes until printed. */
export type RawRecord = ConsumerRecord<Uint8Array | null>;

/** Turns a record into the text printed for it (newline included). */
export type RecordFormatter = (record: RawRecord) => string;

/** The format `brook consume` uses when given no `--format` and no `--print-*` flag: the value on its own line. */
export const DEFAULT_FORMAT = '%v\\n';

const utf8 = new TextDecoder();

/** Bytes as UTF-8 text; null (no key, a tombstone's value) prints as nothing, not as the text `null`. */
function text(bytes: Uint8Array | null): string {
  return bytes === null ? '' : utf8.decode(bytes);
}

type Field = (record: RawRecord) => string;

const FIELDS: Readonly<Record<string, Field>> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  T: (r) => String(r.timestamp),
  k: (r) => text(r.key),
  v: (r) => text(r.value),
  h: (r) => r.headers.map(([key, value]) => `${key}=${text(value)}`).join(','),
};

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };

/** One JSON object per line: topic, partition, offset, timestamp, key, value and headers, as UTF-8 text or null. */
function formatJson(record: RawRecord): string {
  return (
    JSON.stringify({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: record.key === null ? null : text(record.key),
      value: record.value === null ? null : text(record.value),
      headers: record.headers.map(([key, value]) => ({ key, value: value === null ? null : text(value) })),
    }) + '\n'
  );
}

/**
 * Compiles `--format` once: `json`, or a template of tokens and escapes. Throws a {@link FlagError} for an unknown
 * token or escape, or a trailing `%` or `\`.
 */
export function parseFormat(spec: string): RecordFormatter {
  if (spec === 'json') return formatJson;
  const parts: (string | Field)[] = [];
  let literal = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec.charAt(i);
    if (c !== '%' && c !== '\\') {
      literal += c;
      continue;
    }
    const next = spec[++i];
    if (c === '%' && next === '%') {
      literal += '%';
    } else if (c === '%') {
      const field = next === undefined ? undefined : FIELDS[next];
      if (field === undefined) throw unknown(spec, `%${next ?? ''}`);
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(field);
    } else {
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) throw unknown(spec, `\\${next ?? ''}`);
      literal += escaped;
    }
  }
  if (literal !== '') parts.push(literal);
  return (record) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(record);
    return out;
  };
}

function unknown(spec: string, token: string): FlagError {
  return new FlagError(
    '--format',
    spec,
    `"${token}" is not a token: use json, or %t %p %o %T %k %v %h %% and the escapes \\n \\t \\r \\\\`,
  );
}

/**
 * The template the older flags stand for: `--print-offset` prefixes `partition:offset<TAB>`, `--print-key` prefixes
 * the key and `keySeparator`. The separator is literal text, so `%` and `\` in it are escaped.
 */
export function legacyFormat(opts: { printKey: boolean; printOffset: boolean; keySeparator: string }): string {
  const separator = opts.keySeparator.replace(/[%\\]/g, (c) => (c === '%' ? '%%' : '\\\\'));
  return (opts.printOffset ? '%p:%o\\t' : '') + (opts.printKey ? `%k${separator}` : '') + DEFAULT_FORMAT;
}
