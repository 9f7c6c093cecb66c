/**
 * Reconnect state of a connection: which endpoint to try, how many attempts have failed in a row, and the timer of
 * the next attempt, spaced by exponential backoff with jitter.
 */
import { BrookError } from '../protocol/index.js';
import { backoffDelayMs } from './backoff.js';
import type { TimerHandle } from './clock.js';
import { endpointName, type Endpoint } from './endpoint.js';
import type { ResolvedClientOptions } from './options.js';

/** The options reconnecting reads. */
export type ReconnectOptions = Pick<
  ResolvedClientOptions,
  'clock' | 'random' | 'reconnectBackoff' | 'reconnectMaxRetries'
>;

/** Rotates through the endpoints and spaces out attempts after failures. */
export class Reconnector {
  /** Why the last attempt failed; cleared once a session is established. */
  private lastFailure: Error | undefined;
  private attempt = 0;
  private endpointIndex = 0;
  private timer: TimerHandle | undefined;

  /**
   * @param endpoints where to connect; each retry moves on to the next (a bootstrap list) or retries the one broker.
   * @param options backoff, retry limit, clock and randomness.
   */
  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly options: ReconnectOptions,
  ) {
    if (endpoints.length === 0) throw new TypeError('Connection needs at least one endpoint');
  }

  /** The endpoint to connect to now. */
  get endpoint(): Endpoint {
    const endpoint = this.endpoints[this.endpointIndex % this.endpoints.length];
    if (endpoint === undefined) throw new TypeError('Connection has no endpoint');
    return endpoint;
  }

  /** Why the last attempt failed, until a session is established. */
  get lastError(): Error | undefined {
    return this.lastFailure;
  }

  /**
   * Records a failed attempt and schedules `retry` on the next endpoint after the backoff delay. Returns the error
   * to give up with, scheduling nothing, once reconnectMaxRetries attempts have failed in a row.
   */
  failed(error: Error, retry: () => void): BrookError | undefined {
    this.lastFailure = error;
    if (this.attempt >= this.options.reconnectMaxRetries) {
      return new BrookError(
        'NETWORK_ERROR',
        `giving up on ${endpointName(this.endpoint)} after ${String(this.attempt + 1)} attempts: ${error.message}`,
        { cause: error },
      );
    }
    const delayMs = backoffDelayMs(this.attempt, this.options.reconnectBackoff, this.options.random);
    this.attempt++;
    this.endpointIndex++;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      retry();
    }, delayMs);
    return undefined;
  }

  /** A session is established: the next failure starts the backoff over. */
  succeeded(): void {
    this.attempt = 0;
    this.lastFailure = undefined;
  }

  /** Cancels a scheduled attempt. */
  cancel(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
