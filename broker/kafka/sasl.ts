/**
 * Kafka's SASL login on one connection (SaslHandshake v1, then SaslAuthenticate frames), against the same users and
 * the same {@link Authenticator} as the native protocol: SCRAM-SHA-256 is its exchange, relayed; PLAIN runs that
 * exchange inside the broker with the given password, so both check the one stored SCRAM credential (and an
 * unknown user looks like a wrong password). A failed login gets the native listener's delay, log line and count.
 * SCRAM-SHA-512 is not offered: the user store keeps SHA-256 credentials only.
 */
import { ScramClient, type ScramServer } from '../../protocol/index.js';
import type { Authenticator } from '../net/broker-api.js';
import { KAFKA_ERRORS } from './error-codes.js';
import type { SaslAuthenticateResponse } from './messages/sasl-authenticate-response.js';
import type { SaslHandshakeResponse } from './messages/sasl-handshake-response.js';

/** The mechanisms SaslHandshake offers. */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256'] as const;
type Mechanism = (typeof SASL_MECHANISMS)[number];

/**
 * The client nonce of the exchange PLAIN runs inside the broker: it never leaves the process, and the server adds
 * its own random nonce, so it need not be unpredictable.
 */
const PLAIN_NONCE = 'brook-plain';

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** What one SaslAuthenticate step led to. */
export interface SaslStep {
  readonly response: SaslAuthenticateResponse;
  /** Set once the login succeeded: the connection's principal. */
  readonly principal?: string;
  /** The login failed: close the connection once the answer is sent. */
  readonly failed: boolean;
}

export class SaslLogin {
  private mechanism: Mechanism | undefined;
  private scram: ScramServer | undefined;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly remoteAddress: string,
  ) {}

  /** Whether a mechanism was chosen and the exchange is under way. */
  get started(): boolean {
    return this.mechanism !== undefined;
  }

  /** Chooses the mechanism; an unknown one gets UNSUPPORTED_SASL_MECHANISM with the list. */
  handshake(mechanism: string): SaslHandshakeResponse {
    const known = SASL_MECHANISMS.find((m) => m === mechanism);
    this.mechanism = known;
    return {
      errorCode: known === undefined ? KAFKA_ERRORS.UNSUPPORTED_SASL_MECHANISM : KAFKA_ERRORS.NONE,
      mechanisms: [...SASL_MECHANISMS],
    };
  }

  /** One SaslAuthenticate frame's bytes (copied by the caller if they are a view of a reused buffer). */
  async authenticate(authBytes: Uint8Array): Promise<SaslStep> {
    let username: string | undefined;
    try {
      const message = decoder.decode(authBytes);
      if (this.mechanism === 'PLAIN') {
        const { user, password } = plainCredentials(message);
        username = user;
        await this.checkPassword(user, password);
        return success(`User:${user}`, EMPTY);
      }
      if (this.mechanism === 'SCRAM-SHA-256') {
        if (this.scram === undefined) {
          this.scram = this.authenticator.start(message);
          return { response: answer(KAFKA_ERRORS.NONE, null, encoder.encode(this.scram.serverFirst)), failed: false };
        }
        const scram = this.scram;
        username = scram.username;
        const serverFinal = await scram.finish(message);
        return success(`User:${scram.username}`, encoder.encode(serverFinal));
      }
      throw new Error('SaslAuthenticate before SaslHandshake chose a mechanism');
    } catch (err: unknown) {
      const reason = err instanceof Error ? err.message : String(err);
      await this.authenticator.refuse(this.remoteAddress, username, reason);
      return {
        response: answer(KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED, 'Authentication failed: invalid credentials', EMPTY),
        failed: true,
      };
    }
  }

  /** Runs the SCRAM exchange for `user` with `password`; throws when the password is not the user's. */
  private async checkPassword(user: string, password: string): Promise<void> {
    const client = new ScramClient(user, password, PLAIN_NONCE);
    const server = this.authenticator.start(client.first());
    await server.finish(await client.final(server.serverFirst));
  }
}

/** PLAIN's `authzid NUL authcid NUL password` (RFC 4616); an authzid other than the user is refused. */
export function plainCredentials(message: string): { user: string; password: string } {
  const parts = message.split('\u0000');
  const [authzid, user, password] = parts;
  if (parts.length !== 3 || authzid === undefined || user === undefined || password === undefined || user === '') {
    throw new Error('malformed PLAIN message');
  }
  if (authzid !== '' && authzid !== user) throw new Error('PLAIN authorization id differs from the user');
  return { user, password };
}

function success(principal: string, authBytes: Uint8Array): SaslStep {
  return { response: answer(KAFKA_ERRORS.NONE, null, authBytes), principal, failed: false };
}

function answer(errorCode: number, errorMessage: string | null, authBytes: Uint8Array): SaslAuthenticateResponse {
  return { errorCode, errorMessage, authBytes, sessionLifetimeMs: 0n };
}
