/** Waiting on conditions instead of sleeping for fixed times. */
import { inspect } from 'node:util';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long, in ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** Time between checks, in ms. Default 10. */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout error ("the consumer to catch up"). Default: the condition's source. */
  readonly what?: string;
}

/** Thrown by {@link waitFor} when the condition did not hold in time. */
export class WaitTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * Resolves with the condition's first truthy result, checking it at once and then every `intervalMs`. A condition
 * that throws counts as not yet true (the last error is attached as the timeout error's cause). Rejects with
 * {@link WaitTimeoutError} naming `what` and the time waited once `timeoutMs` has passed.
 */
export async function waitFor<R>(
  condition: () => R | Promise<R>,
  options: WaitForOptions = {},
): Promise<Exclude<R, false | 0 | '' | null | undefined>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 10;
  const what = options.what ?? condition.toString().replace(/\s+/g, ' ').slice(0, 200);
  const startMs = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const result = await condition();
      if (result) return result as Exclude<R, false | 0 | '' | null | undefined>;
    } catch (err: unknown) {
      lastError = err;
    }
    const waitedMs = Date.now() - startMs;
    if (waitedMs >= timeoutMs) {
      const reason =
        lastError === undefined
          ? ''
          : ` (last error: ${lastError instanceof Error ? lastError.message : inspect(lastError)})`;
      throw new WaitTimeoutError(
        `timed out after ${String(waitedMs)} ms waiting for ${what}${reason}`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, timeoutMs - waitedMs)));
  }
}
