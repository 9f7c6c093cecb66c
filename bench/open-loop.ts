/**
 * An open-loop sender: record i is due at `startMs + i / rate`, whatever happened to earlier records. The sender
 * wakes up, sends every record that is due (catching up after a stall in one burst) and reports each with its
 * intended time, so latency is measured from when the record SHOULD have been sent (see latency.ts). Clock and
 * sleep are injected so the schedule is tested without timers.
 */

/** The intended send time of record `index`, in ms of the same clock as `startMs`. */
export function intendedSendMs(startMs: number, ratePerSec: number, index: number): number {
  return startMs + (index * 1000) / ratePerSec;
}

/** How many of `total` records are due `elapsedMs` after the start (record 0 is due at once). */
export function dueCount(elapsedMs: number, ratePerSec: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * ratePerSec) / 1000) + 1);
}

/** What {@link runOpenLoop} needs. */
export interface OpenLoopOptions {
  readonly ratePerSec: number;
  readonly seconds: number;
  /** Monotonic ms (performance.now in the harness). */
  readonly nowMs: () => number;
  /** Yields to the event loop between bursts (about 1 ms in the harness). */
  readonly sleep: () => Promise<void>;
  /** Sends record `index`; `intendedMs` is its scheduled time, to be reported as the sample's sendMs. */
  readonly send: (index: number, intendedMs: number) => void;
}

/** Sends `ratePerSec * seconds` records on schedule; resolves once the last one is sent. Returns the start time. */
export async function runOpenLoop(options: OpenLoopOptions): Promise<number> {
  const total = Math.round(options.ratePerSec * options.seconds);
  const startMs = options.nowMs();
  let sent = 0;
  while (sent < total) {
    const due = dueCount(options.nowMs() - startMs, options.ratePerSec, total);
    for (; sent < due; sent++) options.send(sent, intendedSendMs(startMs, options.ratePerSec, sent));
    if (sent < total) await options.sleep();
  }
  return startMs;
}
