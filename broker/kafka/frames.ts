/**
 * Kafka request and response frames around the generated bodies: the header version each API version uses, and
 * whole-frame decoding and encoding. A frame here is what follows Kafka's 4-byte size prefix on the wire; encoders
 * return the prefix too, as parts for one corked socket write (the record batches of a Fetch response are parts of
 * their own, the stored bytes themselves).
 */
import { ProtocolError } from '../../protocol/errors.js';
import { KafkaReader } from '../../protocol/kafka-reader.js';
import { KafkaWriter } from '../../protocol/kafka-writer.js';
import {
  KAFKA_APIS,
  REQUEST_CODECS,
  RESPONSE_CODECS,
  type KafkaApiName,
  type KafkaRequests,
  type KafkaResponses,
} from './messages/apis.js';
import { type RequestHeader, readRequestHeader, writeRequestHeader } from './messages/request-header.js';
import { readResponseHeader, writeResponseHeader } from './messages/response-header.js';

const API_BY_KEY = new Map<number, KafkaApiName>(
  (Object.keys(KAFKA_APIS) as KafkaApiName[]).map((name) => [KAFKA_APIS[name].apiKey, name]),
);

/** The API with key `apiKey`, if Brook has its definition. */
export function apiByKey(apiKey: number): KafkaApiName | undefined {
  return API_BY_KEY.get(apiKey);
}

/** Whether `version` of `api` is flexible (compact types, tagged fields). */
export function isFlexible(api: KafkaApiName, version: number): boolean {
  const first = KAFKA_APIS[api].firstFlexibleVersion;
  return first !== null && version >= first;
}

/** Whether `api` defines `version`. */
export function isSupported(api: KafkaApiName, version: number): boolean {
  return version >= KAFKA_APIS[api].minVersion && version <= KAFKA_APIS[api].maxVersion;
}

/** Request header version: 2 (tagged fields) for flexible API versions, else 1. (0 is ControlledShutdown v0's.) */
export function requestHeaderVersion(api: KafkaApiName, version: number): number {
  return isFlexible(api, version) ? 2 : 1;
}

/**
 * Response header version: 1 for flexible API versions, else 0; ApiVersions responses always use 0, so a client
 * can read the answer to a version it guessed too high (KIP-511).
 */
export function responseHeaderVersion(api: KafkaApiName, version: number): number {
  return api !== 'ApiVersions' && isFlexible(api, version) ? 1 : 0;
}

/** A decoded request of one API: its header and body, typed by `api`. */
export type KafkaRequest = {
  [K in KafkaApiName]: { api: K; version: number; header: RequestHeader; body: KafkaRequests[K] };
}[KafkaApiName];

/**
 * What a request frame holds: a request Brook can decode, or the header of one it cannot (unknown API key or
 * version), which the listener answers with UNSUPPORTED_VERSION as Kafka does (with ApiVersions v0 for ApiVersions).
 */
export type DecodedRequestFrame =
  | { readonly kind: 'request'; readonly request: KafkaRequest }
  | { readonly kind: 'unsupported'; readonly apiKey: number; readonly version: number; readonly correlationId: number };

/**
 * Decodes one request frame (the bytes after the size prefix). Byte fields, `records` among them, are views into
 * `frame`: copy them before the frame's buffer is reused. Throws a ProtocolError if the frame is malformed.
 */
export function decodeRequestFrame(frame: Uint8Array): DecodedRequestFrame {
  const r = new KafkaReader(frame);
  // Key, version and correlation id come first in every header version: read them before knowing the version.
  const apiKey = r.int16();
  const version = r.int16();
  const correlationId = r.int32();
  const api = apiByKey(apiKey);
  if (api === undefined || !isSupported(api, version)) return { kind: 'unsupported', apiKey, version, correlationId };
  r.pos = 0;
  const header = readRequestHeader(r, requestHeaderVersion(api, version));
  const body = REQUEST_CODECS[api].read(r, version);
  // Bytes past the body mean the two sides disagree on the message: answering it as read would be a guess.
  if (r.remaining !== 0)
    throw new ProtocolError(`${String(r.remaining)} bytes follow the ${api} v${String(version)} request`);
  return { kind: 'request', request: { api, version, header, body } as KafkaRequest };
}

/** Encodes a response frame, size prefix included, as parts to write in order. */
export function encodeResponseFrame<K extends KafkaApiName>(
  api: K,
  version: number,
  correlationId: number,
  body: KafkaResponses[K],
): Uint8Array[] {
  const w = new KafkaWriter();
  w.int32(0); // the size, set below
  writeResponseHeader(w, responseHeaderVersion(api, version), { correlationId });
  RESPONSE_CODECS[api].write(w, version, body);
  return withSize(w);
}

/**
 * The answer to a request of an API or version the listener does not serve (other than ApiVersions, which answers
 * in its v0 layout): the response header v0 and an int16 error code, as every response of Kafka's older versions
 * begins. Kafka itself closes such a connection without a word; Brook answers first, so a client sees why.
 */
export function encodeErrorOnlyFrame(correlationId: number, errorCode: number): Uint8Array[] {
  const w = new KafkaWriter();
  w.int32(0);
  writeResponseHeader(w, 0, { correlationId });
  w.int16(errorCode);
  return withSize(w);
}

/** Encodes a request frame, size prefix included (Brook's tests and tools speak to Kafka listeners with it). */
export function encodeRequestFrame<K extends KafkaApiName>(
  api: K,
  version: number,
  header: { correlationId: number; clientId: string | null },
  body: KafkaRequests[K],
): Uint8Array {
  const w = new KafkaWriter();
  w.int32(0);
  writeRequestHeader(w, requestHeaderVersion(api, version), {
    requestApiKey: KAFKA_APIS[api].apiKey,
    requestApiVersion: version,
    ...header,
  });
  REQUEST_CODECS[api].write(w, version, body);
  return concat(withSize(w));
}

/** Decodes a response frame (after the size prefix) of `api` at `version`. */
export function decodeResponseFrame<K extends KafkaApiName>(
  api: K,
  version: number,
  frame: Uint8Array,
): { correlationId: number; body: KafkaResponses[K] } {
  const r = new KafkaReader(frame);
  const { correlationId } = readResponseHeader(r, responseHeaderVersion(api, version));
  const body = RESPONSE_CODECS[api].read(r, version);
  if (r.remaining !== 0) throw new ProtocolError(`${String(r.remaining)} bytes follow the ${api} response`);
  return { correlationId, body };
}

/** Sets the size prefix (the first 4 bytes) of what `w` holds and returns its parts. */
function withSize(w: KafkaWriter): Uint8Array[] {
  const parts = w.chunks();
  const first = parts[0];
  if (first === undefined) throw new ProtocolError('empty frame');
  new DataView(first.buffer, first.byteOffset, 4).setInt32(0, w.length - 4);
  return parts;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
