/** Idle pings: keeps a session the broker would close for idleness alive by pinging when nothing else was sent. */
import type { Clock, TimerHandle } from './clock.js';

/** What the pinger needs from its connection. */
export interface IdlePingHooks {
  /** Whether a session is established (no ping, and no further scheduling, otherwise). */
  isReady(): boolean;
  /** Sends a ping request. */
  ping(): void;
}

/** Tracks when the connection last sent anything and pings once it has been quiet for a third of the idle timeout. */
export class IdlePinger {
  private lastSentMs = 0;
  private timer: TimerHandle | undefined;

  /**
   * @param clock time source and timers.
   * @param hooks the connection's state and ping.
   */
  constructor(
    private readonly clock: Clock,
    private readonly hooks: IdlePingHooks,
  ) {}

  /** Records that a frame was just sent (any frame keeps the session alive). */
  noteSent(): void {
    this.lastSentMs = this.clock.nowMs();
  }

  /**
   * (Re)starts pinging for a session whose broker closes connections idle for `idleTimeoutMs` (0 or less: the
   * broker never does, so no pings).
   */
  start(idleTimeoutMs: number): void {
    this.stop();
    if (idleTimeoutMs <= 0) return;
    // A third of the timeout leaves room for a ping to arrive late and still beat the broker's idle close.
    const intervalMs = Math.max(1, Math.floor(idleTimeoutMs / 3));
    const dueMs = Math.max(1, this.lastSentMs + intervalMs - this.clock.nowMs());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.hooks.isReady()) return;
      if (this.clock.nowMs() - this.lastSentMs >= intervalMs) this.hooks.ping();
      this.start(idleTimeoutMs);
    }, dueMs);
  }

  /** Stops pinging (the session ended). */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
