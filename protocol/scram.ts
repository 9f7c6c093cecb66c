/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677): the messages and the key arithmetic, shared by the broker (server side) and
 * the client (Node and browsers). The password never crosses the wire: the client proves it knows it, and the
 * server keeps only StoredKey and ServerKey, from which the password cannot be recovered. Crypto is Web Crypto
 * (`crypto.subtle`, global in Node 20 and browsers), so this file imports nothing.
 *
 * Not supported (and refused): channel binding (`p=` gs2 flag), an authorization identity, SCRAM extensions.
 * Usernames are escaped as RFC 5802 says; passwords are used as UTF-8 without SASLprep (Kafka does the same).
 */
import { ProtocolError } from './errors.js';

/** The one mechanism Brook speaks. */
export const SCRAM_MECHANISM = 'SCRAM-SHA-256' as const;
/** Fewest PBKDF2 iterations a stored credential may have (RFC 7677 section 4). */
export const MIN_SCRAM_ITERATIONS = 4096;
/** Most iterations a server-first message may ask of a client (bounds the work a rogue server can cause). */
export const MAX_SCRAM_ITERATIONS = 1_000_000;
/** The gs2 header of a client that neither supports nor wants channel binding and names no authzid. */
const GS2_HEADER = 'n,,';

/** What the server keeps of a password: salt, iterations and the two derived keys (RFC 5802 section 3). */
export interface ScramCredential {
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

const encoder = new TextEncoder();

/** Standard base64 of bytes (the encoding SCRAM messages use). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Bytes of standard base64; throws ProtocolError on anything else. */
export function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new ProtocolError('bad base64 in SCRAM');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A copy on a plain ArrayBuffer, which is what Web Crypto takes (a Node Buffer may sit on a shared pool). */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(bytes);
}

async function hmac(key: Uint8Array, data: Uint8Array | string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', own(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const bytes = typeof data === 'string' ? encoder.encode(data) : own(data);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, bytes));
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', own(data)));
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/** Compares two byte strings in time that depends only on their lengths. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Hi(password, salt, i) of RFC 5802: PBKDF2-HMAC-SHA-256 with a 32-byte output. */
async function saltedPassword(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: own(salt), iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** Derives the credential a server stores for `password` (the salt should be 16 random bytes or more). */
export async function scramCredential(
  password: string,
  salt: Uint8Array,
  iterations: number = MIN_SCRAM_ITERATIONS,
): Promise<ScramCredential> {
  if (!Number.isSafeInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS) {
    throw new RangeError(`SCRAM iterations must be at least ${String(MIN_SCRAM_ITERATIONS)}`);
  }
  const salted = await saltedPassword(password, salt, iterations);
  const clientKey = await hmac(salted, 'Client Key');
  return { salt, iterations, storedKey: await sha256(clientKey), serverKey: await hmac(salted, 'Server Key') };
}

/** A SCRAM message's attributes (`a=value,b=value`), in order; throws ProtocolError when malformed. */
function attributes(message: string, expected: readonly string[]): Map<string, string> {
  const parts = message.split(',');
  if (parts.length < expected.length) throw new ProtocolError(`SCRAM message truncated: ${expected.join(',')}`);
  const found = new Map<string, string>();
  expected.forEach((name, i) => {
    const part = parts[i] ?? '';
    if (!part.startsWith(`${name}=`)) throw new ProtocolError(`SCRAM message lacks ${name}=`);
    found.set(name, part.slice(name.length + 1));
  });
  // A mandatory extension (m=) or anything after the expected attributes is not understood.
  if (parts.length > expected.length) throw new ProtocolError('SCRAM message has unexpected attributes');
  return found;
}

function attribute(found: Map<string, string>, name: string): string {
  const value = found.get(name);
  if (value === undefined || value === '') throw new ProtocolError(`SCRAM attribute ${name} is empty`);
  return value;
}

/** A printable nonce: RFC 5802 forbids ',' and requires printable ASCII. */
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

function escapeName(name: string): string {
  return name.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

function unescapeName(saslname: string): string {
  if (/=(?!2C|3D)/.test(saslname)) throw new ProtocolError('bad escape in SCRAM username');
  return saslname.replaceAll('=2C', ',').replaceAll('=3D', '=');
}

function authMessage(clientFirstBare: string, serverFirst: string, clientFinalWithoutProof: string): string {
  return `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
}

/** The client side of one exchange: {@link first}, then {@link final} on the server-first, then {@link verify}. */
export class ScramClient {
  private readonly bare: string;
  private serverSignature: Uint8Array | undefined;

  /** @param nonce printable, unpredictable (18 random bytes in base64 is usual); tests pass RFC 7677's. */
  constructor(
    username: string,
    private readonly password: string,
    private readonly nonce: string,
  ) {
    if (!NONCE.test(nonce)) throw new RangeError('SCRAM nonce must be printable ASCII without ","');
    this.bare = `n=${escapeName(username)},r=${nonce}`;
  }

  /** The client-first message. */
  first(): string {
    return GS2_HEADER + this.bare;
  }

  /** The client-final message answering `serverFirst`; throws ProtocolError if the server's message is bad. */
  async final(serverFirst: string): Promise<string> {
    const found = attributes(serverFirst, ['r', 's', 'i']);
    const nonce = attribute(found, 'r');
    if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length || !NONCE.test(nonce)) {
      throw new ProtocolError('SCRAM server nonce does not extend the client nonce');
    }
    const iterations = Number(attribute(found, 'i'));
    if (!Number.isSafeInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS || iterations > MAX_SCRAM_ITERATIONS) {
      throw new ProtocolError(`SCRAM iteration count out of range: ${String(found.get('i'))}`);
    }
    const salted = await saltedPassword(this.password, fromBase64(attribute(found, 's')), iterations);
    const clientKey = await hmac(salted, 'Client Key');
    const withoutProof = `c=${btoa(GS2_HEADER)},r=${nonce}`;
    const message = authMessage(this.bare, serverFirst, withoutProof);
    const clientSignature = await hmac(await sha256(clientKey), message);
    this.serverSignature = await hmac(await hmac(salted, 'Server Key'), message);
    return `${withoutProof},p=${toBase64(xor(clientKey, clientSignature))}`;
  }

  /** Checks the server-final message: the server proves it knew the credential. Throws ProtocolError if not. */
  verify(serverFinal: string): void {
    if (serverFinal.startsWith('e=')) throw new ProtocolError(`SCRAM refused: ${serverFinal.slice(2)}`);
    const expected = this.serverSignature;
    const found = attributes(serverFinal, ['v']);
    if (expected === undefined || !sameBytes(fromBase64(attribute(found, 'v')), expected)) {
      throw new ProtocolError('SCRAM server signature does not match: not the broker that holds the credential');
    }
  }
}

/** The username a client-first message names; throws ProtocolError when the message is not one Brook takes. */
export function scramUsername(clientFirst: string): string {
  return parseClientFirst(clientFirst).username;
}

function parseClientFirst(clientFirst: string): { username: string; nonce: string; bare: string } {
  if (!clientFirst.startsWith(GS2_HEADER)) {
    throw new ProtocolError('SCRAM client-first must start with "n,,": no channel binding, no authzid');
  }
  const bare = clientFirst.slice(GS2_HEADER.length);
  const found = attributes(bare, ['n', 'r']);
  const nonce = attribute(found, 'r');
  if (!NONCE.test(nonce)) throw new ProtocolError('SCRAM client nonce is not printable ASCII');
  return { username: unescapeName(attribute(found, 'n')), nonce, bare };
}

/**
 * The server side of one exchange. {@link ScramServer.start} reads the client-first and answers the server-first;
 * {@link finish} checks the client-final and answers the server-final, or throws ProtocolError. An exchange is
 * used once: its server nonce is fresh, so a recorded client-final replayed on another exchange fails.
 */
export class ScramServer {
  private finished = false;

  private constructor(
    /** The username the client named. */
    readonly username: string,
    private readonly credential: ScramCredential,
    private readonly bare: string,
    /** The server-first message to send. */
    readonly serverFirst: string,
    private readonly nonce: string,
  ) {}

  /**
   * Starts an exchange. `credentialOf` gives the stored credential of a username; for an unknown user it should give
   * a made-up one (the same on every attempt) so that the answer does not reveal whether the user exists.
   * `serverNonce` must be unpredictable (tests pass RFC 7677's).
   */
  static start(
    clientFirst: string,
    credentialOf: (username: string) => ScramCredential,
    serverNonce: string,
  ): ScramServer {
    const { username, nonce, bare } = parseClientFirst(clientFirst);
    if (!NONCE.test(serverNonce)) throw new RangeError('SCRAM nonce must be printable ASCII without ","');
    const credential = credentialOf(username);
    const full = nonce + serverNonce;
    const serverFirst = `r=${full},s=${toBase64(credential.salt)},i=${String(credential.iterations)}`;
    return new ScramServer(username, credential, bare, serverFirst, full);
  }

  /** Checks the client's proof; returns the server-final message. Throws ProtocolError on any mismatch. */
  async finish(clientFinal: string): Promise<string> {
    if (this.finished) throw new ProtocolError('SCRAM exchange already finished');
    this.finished = true;
    const found = attributes(clientFinal, ['c', 'r', 'p']);
    if (attribute(found, 'c') !== btoa(GS2_HEADER)) throw new ProtocolError('SCRAM channel binding mismatch');
    // Kafka's own server checks only that the nonce ends with the combined one (ScramSaslServer), and librdkafka
    // relies on it: it sends its client nonce in front of the combined nonce again. The fresh server nonce at the end
    // still ties the proof to this exchange.
    if (!attribute(found, 'r').endsWith(this.nonce)) {
      throw new ProtocolError('SCRAM nonce mismatch (replayed exchange?)');
    }
    const proof = fromBase64(attribute(found, 'p'));
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='));
    const message = authMessage(this.bare, this.serverFirst, withoutProof);
    const clientSignature = await hmac(this.credential.storedKey, message);
    const clientKey = xor(proof, clientSignature);
    const valid =
      proof.length === clientSignature.length && sameBytes(await sha256(clientKey), this.credential.storedKey);
    if (!valid) throw new ProtocolError('SCRAM proof does not match');
    return `v=${toBase64(await hmac(this.credential.serverKey, message))}`;
  }
}
