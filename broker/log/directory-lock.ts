/**
 * The lock that keeps a second process (or a second LogManager in this one) out of a directory of shards: an SQLite
 * database, `storage.lock`, held in exclusive locking mode after one write, so the lock lives exactly as long as this
 * connection. The operating system drops it when the process dies, so a crash leaves nothing stale behind.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { LogError, LogErrorKind } from './log-error.js';
import { storageError } from './log-store.js';

/** The lock file's name in the directory it guards. */
export const LOCK_FILE = 'storage.lock';

/** A held lock on a directory of shards. */
export class DirectoryLock {
  private constructor(private readonly db: Database.Database) {}

  /** Takes the lock of `dir` (which must exist); throws STORAGE_ERROR when another holder has it. */
  static take(dir: string): DirectoryLock {
    const file = path.join(dir, LOCK_FILE);
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { timeout: 0 });
      db.pragma('locking_mode = EXCLUSIVE');
      // The first write takes the exclusive lock, which exclusive locking mode then keeps.
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
      db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
      return new DirectoryLock(db);
    } catch (err) {
      db?.close();
      const busy = err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY');
      if (busy) throw new LogError(LogErrorKind.STORAGE_ERROR, `${dir} is in use by another broker or log manager`);
      throw storageError(err, `locking ${dir}`);
    }
  }

  /** Releases the lock. */
  release(): void {
    this.db.close();
  }
}
