/**
 * Peer authentication by a shared cluster secret (`--cluster-secret-file`), for clusters without certificates: a
 * challenge-response over nonces from both sides, so the secret never crosses the wire and a recorded handshake
 * cannot be replayed (the other side's nonce is new each time).
 *
 *   dialer -> hello {clusterId, from, nonce: Nd}
 *   acceptor -> challenge {nonce: Na, proof: HMAC(secret, "acceptor", clusterId, from, Nd, Na)}
 *   dialer -> response {proof: HMAC(secret, "dialer", clusterId, from, Nd, Na)}
 *
 * Each side checks the other's proof (constant-time) before trusting the connection. A shared secret proves
 * membership of the cluster, not which broker one is: binding ids needs certificates (peer-tls.ts).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { ConfigError } from '../config-kinds.js';

/** Bytes of each side's nonce. */
export const NONCE_BYTES = 32;

/** The fewest bytes a secret may have: shorter ones can be guessed offline from a recorded handshake. */
const MIN_SECRET_BYTES = 16;

/** Which side a proof comes from: the two proofs of a handshake differ, so one cannot be echoed as the other. */
export type ProofRole = 'acceptor' | 'dialer';

/** What both proofs of one handshake cover. */
export interface HandshakeFacts {
  readonly clusterId: string;
  /** The dialling broker's id, as its hello says. */
  readonly from: number;
  readonly dialerNonce: Uint8Array;
  readonly acceptorNonce: Uint8Array;
}

/** A fresh random nonce. */
export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/** The proof `role` sends for the handshake `facts`. */
export function handshakeProof(secret: Uint8Array, role: ProofRole, facts: HandshakeFacts): Buffer {
  const hmac = createHmac('sha256', secret);
  // Length-prefixed fields: no two different handshakes hash the same bytes.
  for (const part of [Buffer.from(role), Buffer.from(facts.clusterId), Buffer.from(String(facts.from))]) {
    hmac.update(lengthOf(part)).update(part);
  }
  hmac.update(lengthOf(facts.dialerNonce)).update(facts.dialerNonce);
  hmac.update(lengthOf(facts.acceptorNonce)).update(facts.acceptorNonce);
  return hmac.digest();
}

/** Whether `received` is the proof `role` should have sent (constant time in its content). */
export function proofMatches(
  secret: Uint8Array,
  role: ProofRole,
  facts: HandshakeFacts,
  received: Uint8Array,
): boolean {
  const expected = handshakeProof(secret, role, facts);
  return received.byteLength === expected.byteLength && timingSafeEqual(received, expected);
}

/** The secret in `file` (its bytes, a trailing newline dropped), or undefined when no file is given. */
export function readClusterSecret(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err: unknown) {
    throw new ConfigError(
      'clusterSecretFile',
      `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const secret = bytes.at(-1) === 0x0a ? bytes.subarray(0, bytes.byteLength - 1) : bytes;
  if (secret.byteLength < MIN_SECRET_BYTES) {
    throw new ConfigError('clusterSecretFile', `${file} holds fewer than ${String(MIN_SECRET_BYTES)} bytes`);
  }
  return secret;
}

function lengthOf(part: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(part.byteLength);
  return length;
}
