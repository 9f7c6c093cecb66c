/**
 * The broker's side of SCRAM-SHA-256 logins: starts exchanges against the cluster's users, and makes every failed
 * login cost the same constant delay, a log line (peer address and username, never a secret) and a count.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { BrookError, MIN_SCRAM_ITERATIONS, ScramServer, type ScramCredential } from '../../protocol/index.js';
import type { Timers } from '../clock.js';
import type { Authenticator } from '../net/broker-api.js';

/** How long a failed login waits before its answer, in ms: guessing passwords online gets one try per second. */
export const LOGIN_FAILURE_DELAY_MS = 1_000;

export interface ScramAuthenticatorOptions {
  /** The cluster's users (read at each login: they change as the metadata log is applied). */
  readonly users: { readonly isEmpty: boolean; get(name: string): ScramCredential | undefined };
  readonly timers: Timers;
  readonly logger: Logger;
  /** Counts one failed login (brook_auth_failures_total). */
  readonly failed: () => void;
  /** Logins are required even while the cluster has no user yet (a users file was given: its users are on the way). */
  readonly requiredWithoutUsers: boolean;
  /** Default {@link LOGIN_FAILURE_DELAY_MS}. */
  readonly failureDelayMs?: number;
}

/** Starts SCRAM exchanges and refuses failed ones (see {@link Authenticator}). */
export class ScramAuthenticator implements Authenticator {
  /** Key of the made-up credentials of unknown users: the same salt for a name on every attempt, until restart. */
  private readonly fakeKey = randomBytes(32);

  constructor(private readonly options: ScramAuthenticatorOptions) {}

  get required(): boolean {
    return this.options.requiredWithoutUsers || !this.options.users.isEmpty;
  }

  start(clientFirst: string): ScramServer {
    return ScramServer.start(clientFirst, (name) => this.options.users.get(name) ?? this.unknownUser(name), nonce());
  }

  async refuse(remoteAddress: string, username: string | undefined, reason: string): Promise<BrookError> {
    this.options.failed();
    this.options.logger.warn({ remote: remoteAddress, username, reason }, 'login failed');
    const delayMs = this.options.failureDelayMs ?? LOGIN_FAILURE_DELAY_MS;
    await new Promise<void>((resolve) => this.options.timers.setTimeout(resolve, delayMs));
    return new BrookError('UNAUTHORIZED', 'authentication failed');
  }

  /**
   * A credential no password matches, whose salt is stable per name: an unknown user's exchange looks like a known
   * one's, so trying names does not reveal which exist (RFC 5802 section 9).
   */
  private unknownUser(name: string): ScramCredential {
    const derived = createHmac('sha256', this.fakeKey).update(name, 'utf8').digest();
    return {
      salt: derived.subarray(0, 16),
      iterations: MIN_SCRAM_ITERATIONS,
      storedKey: randomBytes(32),
      serverKey: randomBytes(32),
    };
  }
}

/** A fresh server nonce: 18 random bytes, base64 (printable, no ','). */
function nonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * Logins without users: every connection is anonymous, and a client that offers credentials is refused at once (no
 * user can match). For network-layer tests and benchmarks that run sessions without a broker.
 */
export const NO_AUTHENTICATION: Authenticator = Object.freeze({
  required: false,
  start: (): never => {
    throw new BrookError('UNAUTHORIZED', 'this broker has no users');
  },
  refuse: () => Promise.resolve(new BrookError('UNAUTHORIZED', 'authentication failed')),
});
