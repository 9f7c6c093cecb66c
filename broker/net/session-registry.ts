/**
 * Every live session of a broker, over both transports: admission against maxConnections, one server-wide sweep
 * timer for handshake deadlines and idle timeouts (no timer per connection), graceful drain and close.
 */
import { BrookError } from '../../protocol/index.js';
import { systemTimers, type TimerHandle, type Timers } from '../clock.js';
import type { SessionLimits } from './broker-api.js';
import type { ServerConnection } from './connection.js';
import { FrameWriter } from './frame-writer.js';
import { Session, type SessionOptions } from './session.js';

/** How often the sweep runs: a tenth of the shortest deadline, between 5 ms and 1 s. */
export function sweepIntervalMs(limits: Pick<SessionLimits, 'handshakeTimeoutMs' | 'idleTimeoutMs'>): number {
  const shortestMs =
    limits.idleTimeoutMs > 0 ? Math.min(limits.handshakeTimeoutMs, limits.idleTimeoutMs) : limits.handshakeTimeoutMs;
  return Math.min(1000, Math.max(5, Math.floor(shortestMs / 10)));
}

/** A live connection as the connection caps count it. */
export interface CountedConnection {
  /** Past its handshake (and login, when one is required). */
  readonly isGreeted: boolean;
  readonly sourceAddress: string;
}

/**
 * Why a new connection from `address` is refused given the live ones of its listener, or undefined: maxConnections
 * past their handshake, or too many still in it, in all or from `address`. The one rule of every client listener.
 */
export function connectionRefusal(
  limits: Pick<
    SessionLimits,
    'maxConnections' | 'maxUnauthenticatedConnections' | 'maxUnauthenticatedConnectionsPerIp'
  >,
  live: Iterable<CountedConnection>,
  address: string,
): string | undefined {
  let greeted = 0;
  let pending = 0;
  let pendingFromAddress = 0;
  for (const conn of live) {
    if (conn.isGreeted) greeted++;
    else {
      pending++;
      if (conn.sourceAddress === address) pendingFromAddress++;
    }
  }
  if (greeted >= limits.maxConnections) {
    return `broker limit of ${String(limits.maxConnections)} connections reached`;
  }
  if (pending >= limits.maxUnauthenticatedConnections) {
    return `broker limit of ${String(limits.maxUnauthenticatedConnections)} connections in their handshake reached`;
  }
  if (pendingFromAddress >= limits.maxUnauthenticatedConnectionsPerIp) {
    return `limit of ${String(limits.maxUnauthenticatedConnectionsPerIp)} connections in their handshake from ${address} reached`;
  }
  return undefined;
}

export class SessionRegistry {
  private readonly sessions = new Set<Session>();
  /** Produce requests of ended sessions still being appended: drain() waits for them too. */
  private readonly endedInFlight = new Set<Promise<void>>();
  private sweepTimer: TimerHandle | undefined;

  constructor(private readonly options: SessionOptions) {}

  /** Live sessions. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Opens a session for a new connection, or, when a connection limit is reached (maxConnections sessions past their
   * handshake, or too many still in it, in all or from the connection's address), sends it TOO_MANY_CONNECTIONS
   * (correlation id 0), closes it and returns undefined.
   */
  open(conn: ServerConnection): Session | undefined {
    const { core } = this.options;
    const refusal = this.refusal(conn.sourceAddress);
    if (refusal !== undefined) {
      const out = new FrameWriter(conn, core.metrics);
      out.fail(0, new BrookError('TOO_MANY_CONNECTIONS', refusal));
      out.close();
      return undefined;
    }
    const session = new Session(conn, this.options, (ended) => {
      this.onEnded(ended);
    });
    this.sessions.add(session);
    return session;
  }

  /** Why a connection from `address` is refused now, or undefined. */
  private refusal(address: string): string | undefined {
    return connectionRefusal(this.options.limits, this.sessions, address);
  }

  /** Applies deadlines to every session at time `nowMs`. */
  sweep(nowMs: number): void {
    for (const session of this.sessions) session.checkDeadlines(nowMs);
  }

  /** Starts the periodic sweep, on the injected timers (the system's are unref'd: they never keep the process alive). */
  startSweep(intervalMs: number = sweepIntervalMs(this.options.limits)): void {
    if (this.sweepTimer !== undefined) return;
    this.sweepTimer = this.timers.setInterval(() => {
      this.sweep(this.options.clock.nowMs());
    }, intervalMs);
  }

  stopSweep(): void {
    if (this.sweepTimer !== undefined) this.timers.clear(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private get timers(): Timers {
    return this.options.timers ?? systemTimers;
  }

  /**
   * Refuses new produce requests on every session and resolves once the admitted ones are done, including those of
   * connections that have closed meanwhile.
   */
  async drain(): Promise<void> {
    await Promise.all([...[...this.sessions].map((s) => s.drain()), ...this.endedInFlight]);
  }

  private onEnded(session: Session): void {
    this.sessions.delete(session);
    const done: Promise<void> = session.drain().then(() => {
      this.endedInFlight.delete(done);
    });
    this.endedInFlight.add(done);
  }

  /** Closes every session, sending `error` (correlation id 0) first if given. */
  closeAll(error?: BrookError): void {
    for (const session of [...this.sessions]) session.close(error);
  }
}
