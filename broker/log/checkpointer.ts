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

/** What a finished checkpoint decides: whether to run another at once, and the progress to compare the next with. */
export interface AfterCheckpoint {
  readonly again: boolean;
  /** Pages copied by a run that could not copy all of the WAL; -1 after one that did. */
  readonly lastCheckpointed: number;
}

/**
 * Commits made while a checkpoint ran are still only in the WAL, and the WAL restarts (instead of growing) only once
 * a checkpoint has copied all of it: go again while the last run made progress towards that, and stop when a run
 * copies nothing new (a reader holds the rest back; the next request tries again).
 */
export function afterCheckpoint(
  reply: { readonly walPages: number; readonly checkpointedPages: number },
  lastCheckpointed: number,
): AfterCheckpoint {
  const partial = reply.checkpointedPages < reply.walPages;
  return {
    again: partial && reply.checkpointedPages > lastCheckpointed,
    lastCheckpointed: partial ? reply.checkpointedPages : -1,
  };
}

/** The checkpointer thread of one shard. */
export class Checkpointer {
  /** Started by the first request: most logs a test opens, and a broker's idle shards, never checkpoint. */
  private worker: Worker | null = null;
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
  constructor(
    private readonly data: Omit<CheckpointerData, 'sqlitePath'>,
    private readonly onError: (message: string) => void,
  ) {}

  private start(): Worker {
    const { onError } = this;
    const workerData: CheckpointerData = { ...this.data, sqlitePath: SQLITE_PATH };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    this.worker = worker;
    // An idle checkpointer keeps no process alive; one at work (or closing) does, until it answers.
    worker.unref();
    worker.on('message', (reply: CheckpointReply) => {
      this.running = false;
      if (reply.ok) {
        this.completed++;
        const next = afterCheckpoint(reply, this.lastCheckpointed);
        if (next.again) this.again = true;
        this.lastCheckpointed = next.lastCheckpointed;
      } else {
        onError(reply.message);
      }
      if (this.again && this.closing === null) this.request();
      else if (this.closing === null) worker.unref();
    });
    worker.on('error', (err) => {
      onError(err.message);
    });
    return worker;
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
    const worker = this.worker ?? this.start();
    worker.ref();
    worker.postMessage('checkpoint');
  }

  /** Stops the thread after the checkpoint it is running, if any. Idempotent. */
  close(): Promise<void> {
    const worker = this.worker;
    this.closing ??=
      worker === null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            worker.once('exit', () => {
              resolve();
            });
            worker.ref();
            worker.postMessage('close');
          });
    return this.closing;
  }
}
