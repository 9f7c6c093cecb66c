import type { LogError } from './log-error.js';
import type { BatchRow } from './log-store.js';

/** Offsets a successful append was given. */
export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
}

/** How an asynchronous append is told the outcome of its group commit. */
export interface Settle {
  resolve: (result: AppendResult) => void;
  reject: (err: LogError) => void;
}

/** The appends of one group commit, taken off the queue. */
export interface AppendGroup {
  readonly rows: readonly BatchRow[];
  /** Sum of the rows' payload bytes. */
  readonly bytes: number;
  /** Resolves every waiting append with its offsets. */
  resolve(): void;
  /** Rejects every waiting append with the group's error. */
  reject(err: LogError): void;
}

/** Rows that have offsets but are not committed yet, in offset order, with whoever waits for each. */
export class AppendQueue {
  private rows: BatchRow[] = [];
  private settles: (Settle | null)[] = [];
  private bytes = 0;

  get length(): number {
    return this.rows.length;
  }

  /** Queues a row; `settle` is null for a synchronous append, whose caller learns the outcome directly. */
  push(row: BatchRow, settle: Settle | null): void {
    this.rows.push(row);
    this.settles.push(settle);
    this.bytes += row[11].byteLength;
  }

  /** Term of the queued batch holding `offset`, or null. */
  termAt(offset: number): number | null {
    for (const row of this.rows) if (row[0] <= offset && offset <= row[1]) return row[2];
    return null;
  }

  /** Empties the queue into one group, or returns null when nothing is queued. */
  takeAll(): AppendGroup | null {
    if (this.rows.length === 0) return null;
    const rows = this.rows;
    const settles = this.settles;
    const bytes = this.bytes;
    this.rows = [];
    this.settles = [];
    this.bytes = 0;
    return {
      rows,
      bytes,
      resolve() {
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i];
          if (row !== undefined) settles[i]?.resolve({ baseOffset: row[0], lastOffset: row[1] });
        }
      },
      reject(err: LogError) {
        for (const settle of settles) settle?.reject(err);
      },
    };
  }
}
