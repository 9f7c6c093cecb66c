/** Why a log operation failed. */
export const LogErrorKind = {
  /** A batch's CRC32C does not match its records (on append: nothing was appended). */
  CORRUPT_BATCH: 'CORRUPT_BATCH',
  /** The requested offset is below the log start offset or above the log end offset. */
  OFFSET_OUT_OF_RANGE: 'OFFSET_OUT_OF_RANGE',
  /** The disk (or the configured page quota) is full; nothing in the failed commit was written. */
  STORAGE_FULL: 'STORAGE_FULL',
  /** SQLite reported an I/O or other storage failure; nothing in the failed commit was written. */
  STORAGE_ERROR: 'STORAGE_ERROR',
  /** A caller passed a malformed batch or argument (a bug in the caller, not a storage problem). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The log was closed. */
  CLOSED: 'CLOSED',
} as const;
export type LogErrorKind = (typeof LogErrorKind)[keyof typeof LogErrorKind];

/** The one error type thrown (or rejected with) by the partition log. */
export class LogError extends Error {
  override readonly name = 'LogError';

  constructor(
    readonly kind: LogErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link LogError}, optionally of the given kind. */
export function isLogError(err: unknown, kind?: LogErrorKind): err is LogError {
  return err instanceof LogError && (kind === undefined || err.kind === kind);
}
