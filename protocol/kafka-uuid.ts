/**
 * Kafka's UUIDs (topic ids, directory ids) in the text form Kafka's tools print: the 16 bytes in URL-safe base64
 * without padding, 22 characters. The all-zero UUID is Kafka's "no id".
 */
import { ProtocolError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Map<string, number>(Array.from({ length: 64 }, (_, i) => [ALPHABET.charAt(i), i]));

/** The all-zero UUID (Kafka's `Uuid.ZERO_UUID`). */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Text form of 16 UUID bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  let s = '';
  // 16 bytes = 5 groups of 3 bytes (4 characters each) + 1 byte (2 characters).
  for (let i = 0; i < 15; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += char(n >>> 18) + char((n >>> 12) & 63) + char((n >>> 6) & 63) + char(n & 63);
  }
  const last = bytes[15] ?? 0;
  return s + char(last >>> 2) + char((last & 3) << 4);
}

/** The 16 bytes of a UUID's text form, written into `out` at `at`. Throws a ProtocolError if `uuid` is malformed. */
export function uuidToBytes(uuid: string, out: Uint8Array, at: number): void {
  if (uuid.length !== 22) throw new ProtocolError(`a UUID is 22 base64url characters, got ${JSON.stringify(uuid)}`);
  for (let g = 0; g < 5; g++) {
    const n = (value(uuid, g * 4) << 18) | (value(uuid, g * 4 + 1) << 12) | (value(uuid, g * 4 + 2) << 6);
    const m = n | value(uuid, g * 4 + 3);
    out[at + g * 3] = m >>> 16;
    out[at + g * 3 + 1] = (m >>> 8) & 0xff;
    out[at + g * 3 + 2] = m & 0xff;
  }
  const tail = value(uuid, 21);
  if ((tail & 15) !== 0) throw new ProtocolError(`UUID ${uuid} has bits past its 16 bytes`);
  out[at + 15] = (value(uuid, 20) << 2) | (tail >>> 4);
}

function char(n: number): string {
  return ALPHABET[n] ?? '';
}

function value(uuid: string, i: number): number {
  const v = VALUE.get(uuid.charAt(i));
  if (v === undefined) throw new ProtocolError(`UUID ${JSON.stringify(uuid)} is not base64url`);
  return v;
}
