/**
 * User administration: the cluster's SCRAM-SHA-256 users, changed through the controller. The client derives the
 * credential (random salt, PBKDF2, StoredKey and ServerKey), so the password never reaches a broker.
 */
import { MIN_SCRAM_ITERATIONS, scramCredential, type RequestOf, type ResponseOf } from '../protocol/index.js';
import type { Connection } from './connection.js';

/** A user as {@link UserAdmin.listUsers} shows it (never a key or the password). */
export type UserListing = ResponseOf<'listUsers'>['users'][number];

/** Bytes of salt of a new credential. */
const SALT_BYTES = 16;

/** Sends an admin request to the controller, retrying retriable errors (AdminCore's). */
type ControllerRequest = <R>(send: (connection: Connection) => Promise<R>) => Promise<R>;

export class UserAdmin {
  constructor(private readonly controllerRequest: ControllerRequest) {}

  /**
   * Creates a user, or replaces its password. The first user of a cluster turns authentication on: from then on every
   * connection must log in (docs/authorization.md).
   */
  async createUser(name: string, password: string): Promise<void> {
    if (password.length === 0) throw new TypeError('a password must not be empty');
    // A salt must be unpredictable: the platform's cryptographic source, not the client's injectable Random.
    const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
    const credential = await scramCredential(password, salt, MIN_SCRAM_ITERATIONS);
    const request: RequestOf<'createUser'> = { name, ...credential };
    await this.controllerRequest((c) => c.request('createUser', request));
  }

  /** Deletes a user; rejects with UNKNOWN_USER if there is none. Its open connections stay open until they close. */
  async deleteUser(name: string): Promise<void> {
    await this.controllerRequest((c) => c.request('deleteUser', { name }));
  }

  /** The cluster's users, sorted by name. */
  async listUsers(): Promise<UserListing[]> {
    const response = await this.controllerRequest((c) => c.request('listUsers', {}));
    return response.users;
  }
}
