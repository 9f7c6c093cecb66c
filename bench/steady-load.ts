/** A producer load at a steady rate, spread round-robin over a topic's partitions (bench/rebalance.ts uses it). */
import type { Producer } from '../client/index.js';

/**
 * Writes records round-robin over the partitions at `perSec` on average (a timer every 5 ms sends what is due; a
 * backlog after a stall is capped at a tenth of a second's worth, so a slow broker lowers the rate).
 */
export class SteadyLoad {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private startedMs = 0;
  /** Records skipped after stalls: not owed later. */
  private forgiven = 0;

  constructor(
    private readonly producer: Producer<number>,
    private readonly topic: string,
    private readonly partitions: number,
    private readonly perSec: number,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    this.startedMs = performance.now();
    this.timer = setInterval(() => {
      this.tick();
    }, 5);
  }

  /** Stops writing, flushes, and returns the rate achieved, in records per second (0 if it never started). */
  async stop(): Promise<number> {
    if (this.timer === undefined) return 0;
    clearInterval(this.timer);
    const seconds = (performance.now() - this.startedMs) / 1000;
    await this.producer.flush().catch((err: unknown) => {
      this.onError(err instanceof Error ? err.message : String(err));
    });
    return seconds > 0 ? this.sent / seconds : 0;
  }

  private tick(): void {
    const owed = Math.floor(((performance.now() - this.startedMs) * this.perSec) / 1000) - this.forgiven - this.sent;
    const now = Math.min(owed, Math.ceil(this.perSec / 10));
    this.forgiven += owed - now;
    for (let i = 0; i < now; i++) {
      try {
        this.producer.write({ topic: this.topic, partition: this.sent % this.partitions, value: this.sent });
      } catch (err: unknown) {
        this.onError(err instanceof Error ? err.message : String(err));
        return;
      }
      this.sent++;
    }
  }
}
