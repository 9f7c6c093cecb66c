/** Errors in what the user typed, worded as `--flag value: rule` so that they say what to change. */

/** A flag's value breaks a rule. The message names the flag, the value and the rule. */
export class FlagError extends Error {
  constructor(
    readonly flag: string,
    readonly value: string,
    readonly rule: string,
  ) {
    super(`${flag} ${/^[^\s"'\\]+$/.test(value) ? value : JSON.stringify(value)}: ${rule}`);
    this.name = 'FlagError';
  }
}

/** A commander argument parser for an integer flag within [min, max] (inclusive). */
export function integerFlag(
  flag: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): (value: string) => number {
  const rule =
    max === Number.MAX_SAFE_INTEGER
      ? `must be an integer >= ${String(min)}`
      : `must be an integer from ${String(min)} to ${String(max)}`;
  return (value) => {
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new FlagError(flag, value, rule);
    return n;
  };
}
