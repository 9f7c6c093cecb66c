/**
 * Pattern subscriptions, matched by RE2 (re2js): a client's pattern is untrusted input run on the event loop, and a
 * backtracking engine takes exponential time on patterns like `(a+)+` (27 characters of topic name stalled the
 * broker 2.7 s). RE2 matches in time linear in the name; what stays is the size of the compiled pattern, bounded
 * here: the length is capped by the schema (MAX_PATTERN_LENGTH), counted repetitions and the program size here.
 *
 * The client sends the source of a JavaScript RegExp without flags. RE2 reads the common part the same way (literals,
 * `.`, classes, `\d\w\s` and their negations, `^$`, groups, alternation, `* + ? {n,m}` and their lazy forms); it
 * refuses what needs backtracking (backreferences, lookahead and lookbehind) and JavaScript-only escapes (`\cX`,
 * `\uXXXX`, `[^]`). Such a pattern is refused with INVALID_REQUEST rather than matched differently.
 */
import { RE2JS } from 're2js';
import { BrookError } from '../../protocol/index.js';

/** Most repetitions all counted quantifiers (`{n}`, `{n,}`, `{n,m}`) of a pattern may ask for, added up. */
export const MAX_PATTERN_REPETITIONS = 100;

/**
 * Most instructions a compiled pattern may have. Matching costs up to this much per character of a topic name, for
 * each topic; the patterns people write take tens.
 */
const MAX_PROGRAM_SIZE = 500;

/** A counted quantifier at the start of the text. Linear: no nested quantifiers. */
const COUNTED = /^\{(\d+)(?:,(\d*))?\}/;

/**
 * The repetitions the counted quantifiers of `source` ask for, added up (`{2,5}` counts 5). Checked before compiling,
 * because RE2 spells a counted repeat out (`[a-z]{0,999}` is 2 000 instructions) and compiling that costs the event
 * loop tens of milliseconds. Escapes and character classes are skipped; an overcount only refuses a pattern.
 */
function countedRepetitions(source: string): number {
  let total = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') {
      inClass = true;
      // A ']' right after '[' or '[^' is a literal, not the end of the class.
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
    } else if (c === '{') {
      const counted = COUNTED.exec(source.slice(i));
      if (counted !== null) total += Math.max(Number(counted[1]), Number(counted[2] ?? 0));
    }
  }
  return total;
}

/** A compiled pattern subscription. */
export class TopicPattern {
  private constructor(private readonly re: RE2JS) {}

  /**
   * Compiles `source` (matched against whole topic names). Throws a BrookError INVALID_REQUEST saying why for a
   * pattern RE2 cannot read or one too large to match cheaply.
   */
  static compile(source: string): TopicPattern {
    const repetitions = countedRepetitions(source);
    if (repetitions > MAX_PATTERN_REPETITIONS) {
      throw invalid(
        `its counted repetitions add up to ${String(repetitions)}, more than ${String(MAX_PATTERN_REPETITIONS)}`,
      );
    }
    let re: RE2JS;
    try {
      re = RE2JS.compile(source);
    } catch (err: unknown) {
      throw invalid(err instanceof Error ? err.message : String(err));
    }
    if (re.programSize() > MAX_PROGRAM_SIZE) {
      throw invalid(`it compiles to ${String(re.programSize())} instructions, more than ${String(MAX_PROGRAM_SIZE)}`);
    }
    return new TopicPattern(re);
  }

  /** Whether the pattern matches all of `topic`. */
  matches(topic: string): boolean {
    return this.re.matches(topic);
  }
}

function invalid(reason: string): BrookError {
  return new BrookError('INVALID_REQUEST', `subscribedPattern is not accepted (RE2 syntax): ${reason}`);
}
