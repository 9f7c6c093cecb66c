/**
 * The SCRAM credentials of the cluster's users, in the broker's metadata database (meta.db, beside the topics): in
 * a cluster they change only by applying metadata log entries, so every broker holds the same users; a broker
 * without peers changes them in place, as it does its topics. Only salt, iterations, StoredKey and ServerKey are
 * kept: the password cannot be recovered from them.
 */
import type Database from 'better-sqlite3';
import { BrookError, type ScramCredential } from '../../protocol/index.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY,
  iterations INTEGER NOT NULL,
  salt BLOB NOT NULL,
  stored_key BLOB NOT NULL,
  server_key BLOB NOT NULL
);
`;

type UserRow = [name: string, iterations: number, salt: Buffer, storedKey: Buffer, serverKey: Buffer];

/** A user as listings show it (never its keys). */
export interface UserListing {
  readonly name: string;
  readonly mechanism: 'SCRAM-SHA-256';
  readonly iterations: number;
}

export class UserStore {
  private readonly users = new Map<string, ScramCredential>();
  private readonly upsertStmt;
  private readonly deleteStmt;

  /** Creates the table if missing and loads the users. Writes happen inside the caller's transactions. */
  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.upsertStmt = db.prepare<UserRow>(
      'INSERT INTO users (name, iterations, salt, stored_key, server_key) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET iterations = excluded.iterations, salt = excluded.salt, ' +
        'stored_key = excluded.stored_key, server_key = excluded.server_key',
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM users WHERE name = ?');
    const rows = db
      .prepare<[], UserRow>('SELECT name, iterations, salt, stored_key, server_key FROM users')
      .raw(true)
      .all();
    for (const [name, iterations, salt, storedKey, serverKey] of rows) {
      this.users.set(name, freeze({ iterations, salt, storedKey, serverKey }));
    }
  }

  /** Whether any user exists: from the first one on, every connection must authenticate. */
  get isEmpty(): boolean {
    return this.users.size === 0;
  }

  /** The credential of `name`, if that user exists. */
  get(name: string): ScramCredential | undefined {
    return this.users.get(name);
  }

  /** Creates a user or replaces its credential. */
  put(name: string, credential: ScramCredential): void {
    const stored = freeze(credential);
    this.upsertStmt.run(
      name,
      stored.iterations,
      asBuffer(stored.salt),
      asBuffer(stored.storedKey),
      asBuffer(stored.serverKey),
    );
    this.users.set(name, stored);
  }

  /** Deletes a user; throws UNKNOWN_USER if there is none of that name. */
  delete(name: string): void {
    if (!this.users.has(name)) throw new BrookError('UNKNOWN_USER', `user '${name}' does not exist`);
    this.deleteStmt.run(name);
    this.users.delete(name);
  }

  /** The users, sorted by name. */
  list(): UserListing[] {
    return [...this.users.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, c]) => ({ name, mechanism: 'SCRAM-SHA-256', iterations: c.iterations }));
  }
}

function freeze(credential: ScramCredential): ScramCredential {
  return Object.freeze({
    iterations: credential.iterations,
    salt: Uint8Array.from(credential.salt),
    storedKey: Uint8Array.from(credential.storedKey),
    serverKey: Uint8Array.from(credential.serverKey),
  });
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
