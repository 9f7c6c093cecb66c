/**
 * The kinds of broker config field (integer, text, choice, switch, ...): how each one parses the text of its flag or
 * environment variable, checks a value, and shows its default. The table of fields (config-fields.ts) is made of
 * these, and the broker's types, defaults, validation, flags and README table are all produced from it.
 */

/** Thrown when a config value is bad; the message names the field, its flag and the bad value. */
export class ConfigError extends Error {
  constructor(
    /** The offending field (camelCase, as in BrokerConfig). */
    readonly field: string,
    /** What is wrong, without the field's name: `must be an integer in [0, 65535], got 70000`. */
    readonly reason: string,
  ) {
    super(`invalid broker config: ${field} (${flagName(field)}): ${reason}`);
    this.name = 'ConfigError';
  }
}

/** The flag of a field: `maxFrameBytes` -> `--max-frame-bytes` (commander maps it back to the same camelCase). */
export function flagName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (upper) => `-${upper.toLowerCase()}`)}`;
}

/** The environment variable of a field: `maxFrameBytes` -> `BROOK_MAX_FRAME_BYTES`. */
export function envName(field: string): string {
  return `BROOK_${field.replace(/[A-Z]/g, (upper) => `_${upper}`).toUpperCase()}`;
}

/** One config field of type `V`: everything the type, defaults, validation, flags and docs need to know. */
export interface ConfigField<V> {
  /** What the field means: the meaning in its README row and the flag's --help text. */
  readonly doc: string;
  /** The value when none is given. */
  readonly default: V;
  /** The default as --help and the README show it (`8 MiB`, `interval`, `none`). */
  readonly defaultText: string;
  /** What an integer counts (`bytes`, `ms`, `ticks`); undefined for plain counts and non-integers. */
  readonly unit: IntegerUnit | undefined;
  /** The flag's value name in --help (`n`, `dir`, `list`); undefined for a switch, which takes no value. */
  readonly arg: string | undefined;
  /** The allowed values of a choice, listed in --help. */
  readonly choices: readonly string[] | undefined;
  /** Other flag names of the same field (`id` for `brokerId`: `--id`, `BROOK_ID`). */
  readonly aliases: readonly string[];
  /** Turns the text of the flag or environment variable into a value; throws an Error saying what was expected. */
  readonly parse: (text: string) => V;
  /** Checks a value (given in code, or parsed) and returns it, frozen when it is an object. Throws ConfigError. */
  readonly check: (field: string, value: unknown) => V;
}

/** The value type of a config field. */
export type FieldValue<F> = F extends ConfigField<infer V> ? V : never;

/** What every kind leaves to the table row: its meaning, and optionally its aliases or a default shown in words. */
interface Described {
  readonly doc: string;
  readonly aliases?: readonly string[];
  readonly defaultText?: string;
}

/** Bytes in a kibibyte and a mebibyte, for sizes in the table. */
export const KiB = 1024;
export const MiB = 1024 * KiB;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** What an integer counts, when not just things; it picks how the default is shown. */
export type IntegerUnit = 'bytes' | 'ms' | 'ticks';

/** An integer in [min, max]. */
export function integerField(
  spec: Described & {
    readonly default: number;
    readonly min: number;
    readonly max: number;
    readonly unit?: IntegerUnit;
  },
): ConfigField<number> {
  return {
    ...described(spec, showInteger(spec.default, spec.unit)),
    unit: spec.unit,
    default: spec.default,
    arg: 'n',
    choices: undefined,
    parse: parseInteger,
    check: (field, value) => checkInteger(field, value, spec.min, spec.max),
  };
}

/** A non-empty string. */
export function textField(spec: Described & { readonly default: string; readonly arg: string }): ConfigField<string> {
  return {
    ...described(spec, `\`${spec.default}\``),
    default: spec.default,
    arg: spec.arg,
    choices: undefined,
    parse: (value) => value,
    check: checkText,
  };
}

/** A string matching `pattern`, or undefined (the default: the broker decides). */
export function optionalTextField(
  spec: Described & { readonly defaultText: string; readonly arg: string; readonly pattern: RegExp },
): ConfigField<string | undefined> {
  return {
    ...described(spec, spec.defaultText),
    default: undefined,
    arg: spec.arg,
    choices: undefined,
    parse: (value) => value,
    check: (field, value) => {
      if (value !== undefined && (typeof value !== 'string' || !spec.pattern.test(value))) {
        throw new ConfigError(field, `must match ${String(spec.pattern)}, got ${describe(value)}`);
      }
      return value;
    },
  };
}

/** One of `choices`. */
export function choiceField<const C extends readonly string[]>(
  spec: Described & { readonly choices: C; readonly default: C[number]; readonly arg: string },
): ConfigField<C[number]> {
  const { choices } = spec;
  return {
    ...described(spec, `\`${spec.default}\``),
    default: spec.default,
    arg: spec.arg,
    choices,
    parse: (value) => isOneOf(value, choices),
    check: (field, value) => {
      try {
        return isOneOf(value, choices);
      } catch (err) {
        throw new ConfigError(field, reasonOf(err));
      }
    },
  };
}

/** A switch: off unless given (the flag takes no value). */
export function switchField(spec: Described): ConfigField<boolean> {
  return {
    ...described(spec, 'off'),
    default: false,
    arg: undefined,
    choices: undefined,
    parse: () => true,
    check: (field, value) => {
      if (typeof value !== 'boolean') throw new ConfigError(field, `must be true or false, got ${describe(value)}`);
      return value;
    },
  };
}

/** A list or map written as text on the command line: `parse` reads the text, `check` validates the value. */
export function structuredField<V>(
  spec: Described & {
    readonly default: V;
    readonly defaultText: string;
    readonly arg: string;
    readonly parse: (text: string) => V;
    readonly check: (field: string, value: unknown) => V;
  },
): ConfigField<V> {
  return {
    ...described(spec, spec.defaultText),
    default: spec.default,
    arg: spec.arg,
    choices: undefined,
    parse: spec.parse,
    check: spec.check,
  };
}

/** The parts every kind fills alike; `unit` is overridden by integers. */
function described(
  spec: Described,
  defaultText: string,
): Pick<ConfigField<unknown>, 'doc' | 'defaultText' | 'aliases' | 'unit'> {
  return { doc: spec.doc, defaultText: spec.defaultText ?? defaultText, aliases: spec.aliases ?? [], unit: undefined };
}

/** Parses an integer written in decimal; throws an Error saying what was expected. */
export function parseInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n)) throw new Error(`expected an integer, got "${value}"`);
  return n;
}

/** Checks an integer in [min, max]; `part` names what of the field's value it is (a peer's `port`). */
export function checkInteger(field: string, value: unknown, min: number, max: number, part?: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const what = part === undefined ? 'must' : `${part} must`;
    throw new ConfigError(field, `${what} be an integer in [${String(min)}, ${String(max)}], got ${describe(value)}`);
  }
  return value;
}

/** Checks a non-empty string. */
export function checkText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(field, `must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** How a bad value is shown in an error: strings quoted, objects by their kind (they may hold secrets). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** The message of a thrown value. */
export function reasonOf(err: unknown): string {
  if (err instanceof ConfigError) return err.reason;
  return err instanceof Error ? err.message : String(err);
}

function isOneOf<const C extends readonly string[]>(value: unknown, choices: C): C[number] {
  if (typeof value !== 'string' || !choices.includes(value)) {
    throw new Error(`must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`);
  }
  return value;
}

/** `8 MiB` for bytes, `604 800 000 (7 days)` for a long duration, big numbers grouped; the unit is shown apart. */
function showInteger(value: number, unit: IntegerUnit | undefined): string {
  // Grouped from five digits on, as typesetting does, so that ports stay as they are written (9400).
  const grouped = Math.abs(value) < 10_000 ? String(value) : value.toLocaleString('en-US').replaceAll(',', ' ');
  if (unit === 'bytes' && value > 0 && value % MiB === 0) return `${String(value / MiB)} MiB`;
  if (unit === 'bytes' && value > 0 && value % KiB === 0) return `${String(value / KiB)} KiB`;
  if (unit === 'ms' && value > 0 && value % DAY_MS === 0) return `${grouped} (${String(value / DAY_MS)} days)`;
  if (unit === 'ms' && value >= MINUTE_MS && value % MINUTE_MS === 0) {
    return `${grouped} (${String(value / MINUTE_MS)} min)`;
  }
  return grouped;
}
