/** How failures of the partition log reach clients: each LogError kind becomes a wire error code. */
import { isLogError, LogErrorKind } from '../log/log-error.js';
import { BrookError, type ErrorName } from '../../protocol/index.js';

const CODE_BY_KIND = {
  [LogErrorKind.CORRUPT_BATCH]: 'CORRUPT_BATCH',
  [LogErrorKind.OFFSET_OUT_OF_RANGE]: 'OFFSET_OUT_OF_RANGE',
  [LogErrorKind.STORAGE_FULL]: 'STORAGE_ERROR',
  [LogErrorKind.STORAGE_ERROR]: 'STORAGE_ERROR',
  [LogErrorKind.INVALID_ARGUMENT]: 'INVALID_REQUEST',
  // A log is closed only when its topic is deleted or the broker stops; callers that know which pass `closedAs`.
  [LogErrorKind.CLOSED]: 'UNKNOWN_TOPIC',
} as const satisfies Record<LogErrorKind, ErrorName>;

/**
 * The BrookError to send for `err`: a BrookError as is, a LogError by its kind (CLOSED as `closedAs`), anything
 * else UNKNOWN (a bug; the caller should log it).
 */
export function toBrookError(err: unknown, closedAs: ErrorName = CODE_BY_KIND.CLOSED): BrookError {
  if (err instanceof BrookError) return err;
  if (isLogError(err)) {
    const code = err.kind === LogErrorKind.CLOSED ? closedAs : CODE_BY_KIND[err.kind];
    return new BrookError(code, err.message, { cause: err });
  }
  return new BrookError('UNKNOWN', err instanceof Error ? err.message : String(err), { cause: err });
}
