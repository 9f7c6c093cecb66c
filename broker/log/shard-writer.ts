/**
 * The network thread's side of a shard's writer thread (shard-writer-worker.ts): every write of the shard goes there,
 * so that no commit, fsync or busy wait for the disk runs on the thread that serves clients (issue 10).
 *
 * {@link ShardWriter.submit} queues a group of writes (one partition's, done atomically) and calls back once a round
 * holding it has committed. Groups submitted while a round runs go together in the next round: one transaction, and
 * under flush 'always' one fsync, for all of them, whichever partitions they belong to. {@link ShardWriter.runSync} is
 * for the rare writes whose callers cannot wait (creating or dropping a log, recovery at open): it blocks until its
 * round has committed, after every round submitted before it.
 */
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { LogError, LogErrorKind } from './log-error.js';
import { storageError } from './log-store.js';
import { shardWriterMain } from './shard-writer-worker.js';

/** A value bound to a statement parameter. */
export type SqlValue = number | bigint | string | Uint8Array | null;

/** One statement to run: its name (as given to the writer) and its parameters. */
export type WriteOp = readonly [statement: string, ...params: readonly SqlValue[]];

/** What the writer thread is started with. */
export interface ShardWriterData {
  readonly file: string;
  /** Where better-sqlite3 is, for the thread to load it from. */
  readonly sqlitePath: string;
  /** Pragmas the writer's connection runs first, e.g. `synchronous = FULL`. */
  readonly pragmas: readonly string[];
  /** The statements the writer may run, by name. */
  readonly statements: Readonly<Record<string, string>>;
  /** The port rounds come in on and replies go out on. */
  readonly replies: MessagePort;
  /** Int32 slot 0: the id of the last round answered, for a network thread blocked in runSync. */
  readonly signal: SharedArrayBuffer;
}

/** One round: the groups of writes of one transaction. */
export interface WriteRound {
  readonly id: number;
  readonly groups: readonly (readonly WriteOp[])[];
}

/** Why a group failed (as SQLite said it). */
export interface WriteFailure {
  readonly message: string;
  /** SQLite's error code (`SQLITE_FULL`, ...), or null for another error. */
  readonly code: string | null;
}

/** The writer's answer to a round: per group, null when it committed, else why not. */
export interface WriteReply {
  readonly id: number;
  readonly failures: readonly (WriteFailure | null)[];
}

/** Options of {@link ShardWriter.start}. */
export interface ShardWriterOptions {
  readonly file: string;
  readonly pragmas: readonly string[];
  readonly statements: Readonly<Record<string, string>>;
  /**
   * How long {@link ShardWriter.runSync} waits without any answer from the writer before it gives up with STORAGE_ERROR. Default 60 s: a
   * writer that does not answer in that time has hung or died.
   */
  readonly syncTimeoutMs?: number;
}

/**
 * Told the outcome of a group: null once it committed, else why none of it was written. Called synchronously when the
 * answer is read (by the event loop, or inside a later {@link ShardWriter.runSync}), never from a microtask, so a
 * caller's state has moved before any later synchronous write returns.
 */
export type WriteDone = (err: LogError | null) => void;

interface Pending {
  readonly group: readonly WriteOp[];
  readonly action: string;
  readonly done: WriteDone;
}

/**
 * The worker's source: the thread's main function, called. Under tsx (the tests), esbuild keeps function names by
 * wrapping named functions in a `__name` helper defined at the top of the module, which the source text alone lacks.
 */
const WORKER_SOURCE = `var __name = (fn) => fn; (${shardWriterMain.toString()})();`;
const SQLITE_PATH = createRequire(import.meta.url).resolve('better-sqlite3');

/** The writer thread of one shard. */
export class ShardWriter {
  private nextId = 1;
  /** Groups waiting for the next round. */
  private queued: Pending[] = [];
  /** Rounds posted and not yet answered, by id. */
  private readonly rounds = new Map<number, readonly Pending[]>();
  private flushScheduled = false;
  private failure: LogError | null = null;
  private closing: Promise<void> | null = null;
  /** Told when no round is in flight and nothing is queued (close waits for that). */
  private onIdle: (() => void) | null = null;
  /** Rounds the writer has answered. */
  roundsAnswered = 0;

  private constructor(
    /** The shard's database file (for messages). */
    readonly file: string,
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly answered: Int32Array,
    private readonly syncTimeoutMs: number,
  ) {
    port.on('message', (reply: WriteReply) => {
      this.settle(reply);
    });
    port.unref();
    worker.unref();
    worker.on('error', (err) => {
      this.fail(new LogError(LogErrorKind.STORAGE_ERROR, `the writer of ${this.file} failed: ${err.message}`));
    });
  }

  /** Starts the writer thread of the (existing) database `options.file`. */
  static start(options: ShardWriterOptions): ShardWriter {
    const channel = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    const workerData: ShardWriterData = {
      file: options.file,
      sqlitePath: SQLITE_PATH,
      pragmas: options.pragmas,
      statements: options.statements,
      replies: channel.port2,
      signal,
    };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [channel.port2] });
    return new ShardWriter(
      options.file,
      worker,
      channel.port1,
      new Int32Array(signal),
      options.syncTimeoutMs ?? 60_000,
    );
  }

  /**
   * Queues `group` (writes done atomically: all or none) for the next round and calls `done` once that round has
   * answered: with null when the group committed, else with a {@link LogError} (STORAGE_FULL, STORAGE_ERROR, CLOSED),
   * and then none of it was written. `action` names what the group does, for the error ("appending 3 batches to
   * orders-0"). A writer that is closed or failed calls `done` before this returns.
   */
  submit(group: readonly WriteOp[], action: string, done: WriteDone): void {
    const unavailable = this.unavailable();
    if (unavailable !== null) {
      done(unavailable);
      return;
    }
    this.queued.push({ group, action, done });
    if (!this.flushScheduled && this.rounds.size === 0) {
      // Everything submitted in this event-loop turn joins the round.
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.postQueued();
      });
    }
  }

  /** Blocks until every group submitted so far has been answered (their `done` callbacks have run). */
  drainSync(): void {
    if (this.queued.length > 0) this.postQueued();
    if (this.rounds.size > 0) this.waitFor(this.nextId - 1, 'waiting for earlier writes');
  }

  /**
   * Runs `group` in a round of its own after every round submitted before it, and returns once it has committed
   * (blocking the calling thread). Throws a {@link LogError} when it did not; then none of it was written.
   */
  runSync(group: readonly WriteOp[], action: string): void {
    const unavailable = this.unavailable();
    if (unavailable !== null) throw unavailable;
    let outcome: LogError | null | undefined;
    this.queued.push({
      group,
      action,
      done: (err) => {
        outcome = err;
      },
    });
    // The wait settles our round, or fails the writer (which answers every pending group): `outcome` is set either way.
    this.waitFor(this.postQueued(), action);
    if (outcome !== null && outcome !== undefined) throw outcome;
  }

  /** Blocks until round `id` has answered, settling every answered round in order; fails the writer on a timeout. */
  private waitFor(id: number, action: string): void {
    // Every answer wakes the wait; the timeout only detects a writer that stopped answering at all.
    for (let last = Atomics.load(this.answered, 0); last < id; last = Atomics.load(this.answered, 0)) {
      if (Atomics.wait(this.answered, 0, last, this.syncTimeoutMs) === 'timed-out') break;
    }
    // Replies are in the port in round order: settle every one up to ours now, before the event loop would.
    for (
      let message = receiveMessageOnPort(this.port);
      message !== undefined;
      message = receiveMessageOnPort(this.port)
    ) {
      this.settle(message.message as WriteReply);
    }
    if (this.rounds.has(id)) {
      this.fail(
        new LogError(
          LogErrorKind.STORAGE_ERROR,
          `the writer of ${this.file} did not answer within ${String(this.syncTimeoutMs)} ms while ${action}`,
        ),
      );
    }
  }

  /** Waits for every submitted group, then stops the thread (closing its connection). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.queued.length > 0 || this.rounds.size > 0) {
        if (this.failure !== null) break;
        await new Promise<void>((resolve) => {
          this.onIdle = resolve;
          if (this.rounds.size === 0) this.postQueued();
        });
      }
      const exited = new Promise<void>((resolve) => {
        this.worker.once('exit', () => {
          resolve();
        });
      });
      this.worker.ref();
      this.port.postMessage('close');
      await exited;
      this.port.close();
    })();
    return this.closing;
  }

  private unavailable(): LogError | null {
    if (this.failure !== null) return this.failure;
    if (this.closing !== null) return new LogError(LogErrorKind.CLOSED, `${this.file} is closed`);
    return null;
  }

  /** Posts the queued groups as one round; returns its id. */
  private postQueued(): number {
    const pending = this.queued;
    if (pending.length === 0) return this.nextId - 1;
    this.queued = [];
    const id = this.nextId++;
    this.rounds.set(id, pending);
    // A round in flight keeps the process alive until it has committed.
    this.port.ref();
    const round: WriteRound = { id, groups: pending.map((p) => p.group) };
    this.port.postMessage(round);
    return id;
  }

  private settle(reply: WriteReply): void {
    const pending = this.rounds.get(reply.id);
    if (pending === undefined) return;
    this.rounds.delete(reply.id);
    this.roundsAnswered++;
    pending.forEach((p, i) => {
      const failure = reply.failures[i];
      p.done(
        failure === null || failure === undefined
          ? null
          : storageError(new Database.SqliteError(failure.message, failure.code ?? 'SQLITE_ERROR'), p.action),
      );
    });
    if (this.rounds.size > 0) return;
    if (this.queued.length > 0) {
      this.postQueued();
      return;
    }
    this.port.unref();
    const idle = this.onIdle;
    this.onIdle = null;
    idle?.();
  }

  private fail(err: LogError): void {
    this.failure ??= err;
    const failed = [...this.rounds.values(), this.queued];
    this.rounds.clear();
    this.queued = [];
    for (const pending of failed) for (const p of pending) p.done(err);
    const idle = this.onIdle;
    this.onIdle = null;
    idle?.();
  }
}
