/** The error of a send whose partition had no reachable leader for too long. */
import { BrookError } from '../../protocol/index.js';

/**
 * A send failed because its partition had no reachable leader for `leaderWaitMs`: metadata named none (a majority
 * of its replicas is down), or the broker it named did not answer. Code NOT_LEADER, so retry logic that asks
 * `retriable` may try again later; `topic` and `partition` say which partition, the cause is the last failure.
 */
export class NoLeaderError extends BrookError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    waitedMs: number,
    cause: Error | undefined,
  ) {
    super(
      'NOT_LEADER',
      `${topic}/${String(partition)} has no reachable leader: none for ${String(waitedMs)} ms (leaderWaitMs)` +
        (cause === undefined ? '' : ` (last error: ${cause.message})`),
      cause === undefined ? {} : { cause },
    );
    this.name = 'NoLeaderError';
  }
}
