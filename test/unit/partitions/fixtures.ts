import type { SetTimer } from '../../../broker/partitions/hw-waiters.js';
import { RecordBatchBuilder, type RecordBatch } from '../../../protocol/index.js';
export { tempDir } from '../../helpers/temp-dir.js';

/** A valid batch of `count` records with `valueBytes`-byte values, timestamps from `timestamp`. */
export function batchOf(count: number, timestamp = 1_000, valueBytes = 8): RecordBatch {
  const builder = new RecordBatchBuilder();
  for (let i = 0; i < count; i++) {
    builder.add({ key: null, value: new Uint8Array(valueBytes).fill(i & 0xff), timestamp: timestamp + i });
  }
  return builder.build();
}

/** A timer driven by hand: `advance(ms)` fires what is due. */
export class ManualTimer {
  private nowMs = 0;
  private readonly pending = new Set<{ at: number; fn: () => void }>();

  readonly set: SetTimer = (fn, delayMs) => {
    const entry = { at: this.nowMs + delayMs, fn };
    this.pending.add(entry);
    return () => {
      this.pending.delete(entry);
    };
  };

  get armed(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    this.nowMs += ms;
    for (const entry of [...this.pending]) {
      if (entry.at <= this.nowMs) {
        this.pending.delete(entry);
        entry.fn();
      }
    }
  }
}
