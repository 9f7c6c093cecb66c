/**
 * Open-loop sending for the latency scenario, shared by every peer: records are sent on a fixed schedule by the
 * clock (never waiting for the previous one), and each record's latency is measured from its intended send time,
 * so a stall in the system under test shows up as latency instead of silently slowing the sender down
 * (coordinated omission).
 */
import type { LatencySample } from './peer.js';

/** Bytes at the start of a latency payload that carry the record's index in the run. */
export const indexBytes = 4;

/** A payload of `recordBytes` whose first bytes are free for {@link writeIndex}. */
export function latencyPayload(recordBytes: number): Buffer {
  if (recordBytes < indexBytes) throw new Error(`latency records need at least ${String(indexBytes)} bytes`);
  return Buffer.alloc(recordBytes, 0x61);
}

export function writeIndex(payload: Buffer, index: number): Buffer {
  const copy = Buffer.from(payload);
  copy.writeUInt32BE(index, 0);
  return copy;
}

export function readIndex(payload: Uint8Array): number {
  if (payload.byteLength < indexBytes) return -1;
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
}

/** Collects deliveries of one open-loop run and resolves `complete` when every record has arrived. */
export class LatencyRecorder {
  readonly total: number;
  private readonly sendMs: Float64Array;
  private readonly deliverMs: Float64Array;
  private delivered = 0;
  private resolveComplete: () => void = () => undefined;
  readonly complete: Promise<void>;

  constructor(total: number) {
    this.total = total;
    this.sendMs = new Float64Array(total).fill(Number.NaN);
    this.deliverMs = new Float64Array(total).fill(Number.NaN);
    this.complete = new Promise((resolve) => {
      this.resolveComplete = resolve;
      if (total === 0) resolve();
    });
  }

  sent(index: number, intendedMs: number): void {
    this.sendMs[index] = intendedMs;
  }

  /** Marks `index` delivered at `nowMs`; duplicates and foreign indexes are ignored. */
  deliver(index: number, nowMs: number): void {
    if (index < 0 || index >= this.total || !Number.isNaN(this.deliverMs[index] ?? 0)) return;
    this.deliverMs[index] = nowMs;
    this.delivered++;
    if (this.delivered === this.total) this.resolveComplete();
  }

  samples(): LatencySample[] {
    const out: LatencySample[] = [];
    for (let i = 0; i < this.total; i++) {
      const sendMs = this.sendMs[i] ?? Number.NaN;
      const deliverMs = this.deliverMs[i] ?? Number.NaN;
      if (!Number.isNaN(sendMs) && !Number.isNaN(deliverMs)) out.push({ sendMs, deliverMs });
    }
    return out;
  }
}

/**
 * Calls `send(index, intendedMs)` for `ratePerSec * seconds` records, record i due at start + i / rate. Sends that
 * fall due while the event loop was busy go out together as soon as it is free, still stamped with their
 * intended time. Waits with 1 ms timers rather than spinning, so the sender does not steal a core from the
 * server on a small machine.
 */
export async function runOpenLoop(
  ratePerSec: number,
  seconds: number,
  send: (index: number, intendedMs: number) => void,
): Promise<number> {
  const total = Math.round(ratePerSec * seconds);
  const intervalMs = 1000 / ratePerSec;
  const startMs = performance.now();
  let next = 0;
  while (next < total) {
    const due = Math.min(total, Math.floor((performance.now() - startMs) / intervalMs) + 1);
    for (; next < due; next++) send(next, startMs + next * intervalMs);
    if (next < total) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return total;
}

/**
 * Runs the open loop against `recorder`, then waits up to `drainMs` for the last deliveries. Records still missing
 * then are left out of the samples, so the caller sees them as lost (ratePerSec x seconds minus the samples).
 */
export async function measureOpenLoop(
  ratePerSec: number,
  seconds: number,
  recorder: LatencyRecorder,
  send: (index: number, intendedMs: number) => void,
  drainMs = 15_000,
): Promise<LatencySample[]> {
  await runOpenLoop(ratePerSec, seconds, (index, intendedMs) => {
    recorder.sent(index, intendedMs);
    send(index, intendedMs);
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    recorder.complete,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, drainMs);
    }),
  ]);
  clearTimeout(timer);
  return recorder.samples();
}
