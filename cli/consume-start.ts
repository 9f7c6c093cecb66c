/** `brook consume --offset`: where reading starts. */
import { FlagError } from './flag-error.js';

/**
 * The first record to print: the log start, the log end (only new records), an offset, N records before the end of
 * each partition, or the first batch reaching a timestamp (ms since the epoch).
 */
export type ConsumeStart =
  'earliest' | 'latest' | { readonly offset: number } | { readonly fromEnd: number } | { readonly timestamp: number };

const RULE = 'must be earliest, latest, an offset N, -N (N before the end of each partition) or @<timestamp ms>';

/** Parses `--offset earliest|latest|N|-N|@timestamp`. Throws a {@link FlagError} for anything else. */
export function parseStart(text: string): ConsumeStart {
  if (text === 'earliest' || text === 'latest') return text;
  const match = /^(-|@)?(\d+)$/.exec(text);
  const n = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(n)) throw new FlagError('--offset', text, RULE);
  if (match[1] === '-') return { fromEnd: n };
  if (match[1] === '@') return { timestamp: n };
  return { offset: n };
}
