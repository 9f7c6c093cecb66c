/**
 * Runs a shard's WAL checkpoints on a thread of their own (checkpointer-worker.ts), so the network thread never waits
 * for them: a checkpoint copies the WAL into the database and, under flush 'interval' or 'always', fsyncs both, which
 * took 20-30 ms on the event loop under load (issue 10). Requests made while one runs are folded into one more run
 * after it.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { checkpointerMain } from './checkpointer-worker.js';

/** What the worker is started with. */
export interface CheckpointerData {
  readonly file: string;
  /** The shard's SQLite `synchronous` setting, which decides whether a checkpoint fsyncs. */
  readonly synchronous: 'FULL' | 'NORMAL' | 'OFF';
  /** Where better-sqlite3 is, for the thread to load it from. */
  readonly sqlitePath: string;
}

/** The worker's answer to a checkpoint request. */
export type CheckpointReply =
  | { readonly ok: true; readonly walPages: number; readonly checkpointedPages: number }
  | { readonly ok: false; readonly message: string };

/** The worker's source: the thread's main function, called. */
const WORKER_SOURCE = `(${checkpointerMain.toString()})();`;

const SQLITE_PATH = createRequire(import.meta.url).resolve('better-sqlite3');

/** The checkpointer thread of one shard. */
export class Checkpointer {
  private readonly worker: Worker;
  private running = false;
  private again = false;
  private closing: Promise<void> | null = null;
  /** Pages the last run had copied when it could not copy all of the WAL; -1 after one that did. */
  private lastCheckpointed = -1;
  /** Checkpoints that finished, for tests and metrics. */
  completed = 0;

  /**
   * @param onError told (on the network thread) when a checkpoint fails; the data stays in the WAL, safe, and the
   *   next request tries again.
   */
  constructor(data: Omit<CheckpointerData, 'sqlitePath'>, onError: (message: string) => void) {
    const workerData: CheckpointerData = { ...data, sqlitePath: SQLITE_PATH };
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    // An idle checkpointer keeps no process alive; one at work (or closing) does, until it answers.
    this.worker.unref();
    this.worker.on('message', (reply: CheckpointReply) => {
      this.running = false;
      if (reply.ok) {
        this.completed++;
        // Commits made while it ran are still only in the WAL, and the WAL restarts (instead of growing) only once a
        // checkpoint has copied all of it: go again while the last run made progress towards that.
        if (reply.checkpointedPages < reply.walPages && reply.checkpointedPages > this.lastCheckpointed) {
          this.again = true;
        }
        this.lastCheckpointed = reply.checkpointedPages < reply.walPages ? reply.checkpointedPages : -1;
      } else {
        onError(reply.message);
      }
      if (this.again && this.closing === null) this.request();
      else if (this.closing === null) this.worker.unref();
    });
    this.worker.on('error', (err) => {
      onError(err.message);
    });
  }

  /** Asks for a checkpoint; returns at once. */
  request(): void {
    if (this.closing !== null) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.again = false;
    this.worker.ref();
    this.worker.postMessage('checkpoint');
  }

  /** Stops the thread after the checkpoint it is running, if any. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.worker.once('exit', () => {
        resolve();
      });
      this.worker.ref();
      this.worker.postMessage('close');
    });
    return this.closing;
  }
}
