/**
 * `brook broker`: the only place that reads argv and the environment for a broker. Its flags are made from the table
 * of config fields (config-fields.ts): `--max-frame-bytes <n>`, env `BROOK_MAX_FRAME_BYTES`, for `maxFrameBytes`;
 * a flag wins over the environment. The `brook` command itself (cli/main.ts) adds this command to its client commands.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BrokerConfigInput } from './config.js';
import { configFieldEntries } from './config-fields.js';
import { envName, flagName, parseInteger, reasonOf, type ConfigField } from './config-kinds.js';

/** Parses an integer flag; commander reports the error with the flag's name. */
export function integer(value: string): number {
  return asArgument(() => parseInteger(value));
}

/** Runs a parser so that commander reports its failure as a bad value of the flag (naming the flag and the value). */
function asArgument<V>(parse: () => V): V {
  try {
    return parse();
  } catch (err) {
    throw new InvalidArgumentError(reasonOf(err));
  }
}

/** The flag `--<name>` of a config field (`name` is the field itself or one of its aliases), with its env var. */
function fieldOption(name: string, field: ConfigField<unknown>, description: string): Option {
  const option = new Option(field.arg === undefined ? flagName(name) : `${flagName(name)} <${field.arg}>`, description);
  option.env(envName(name));
  // Listed in --help; the check is the field's own (set below, it replaces commander's), as for every other kind.
  if (field.choices !== undefined) option.choices(field.choices);
  // A switch takes no value: commander sets it to true.
  if (field.arg === undefined) return option;
  return option.argParser((text: string) => asArgument(() => field.check(name, field.parse(text))));
}

/** The --help text of a field: its meaning, then its unit and default. */
function helpText(field: ConfigField<unknown>): string {
  const unit = field.unit === undefined ? '' : `in ${field.unit}, `;
  return `${field.doc} (${unit}default ${field.defaultText})`;
}

/**
 * The config the flags and environment variables of `command` give (after parsing). A field given under its name
 * and an alias takes the flag over the environment variable, then the alias (`--id` over `--broker-id`).
 */
function givenConfig(command: Command): BrokerConfigInput {
  const given: Record<string, unknown> = {};
  for (const [name, field] of configFieldEntries()) {
    let best: { value: unknown; fromFlag: boolean } | undefined;
    for (const key of [name, ...field.aliases]) {
      const value: unknown = command.getOptionValue(key);
      if (value === undefined) continue;
      const fromFlag = command.getOptionValueSource(key) === 'cli';
      if (best === undefined || fromFlag || !best.fromFlag) best = { value, fromFlag };
    }
    if (best !== undefined) given[name] = best.value;
  }
  // Every value came out of its field's parser, and resolveConfig checks them all again.
  return given;
}

/**
 * `brook broker`: every config field as a flag with its environment variable. `run` is given the config they make;
 * by default it runs the broker until SIGTERM or SIGINT (tests pass their own to see what the flags give).
 */
export function brokerCommand(run: (input: BrokerConfigInput) => Promise<void> = runBroker): Command {
  const command = new Command('broker').description('run a broker');
  for (const [name, field] of configFieldEntries()) {
    command.addOption(fieldOption(name, field, helpText(field)));
    for (const alias of field.aliases) {
      command.addOption(fieldOption(alias, field, `same as ${flagName(name)}`));
    }
  }
  return command.action(() => run(givenConfig(command)));
}

async function runBroker(opts: BrokerConfigInput): Promise<void> {
  // Loaded here so client commands do not pay for SQLite, uWebSockets and the rest of the broker.
  // Broker.start, not the embedded startBroker: the command logs at the config's default level (info), not silently.
  const { Broker } = await import('./broker.js');
  const broker = await Broker.start(opts);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    broker.logger.info({ signal }, 'shutting down');
    broker.close().then(
      () => process.exit(0),
      (err: unknown) => {
        broker.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
  // Certificate rotation: new TCP connections get the files as they are now (see docs/security.md).
  process.on('SIGHUP', () => {
    try {
      broker.reloadTls();
      broker.logger.info({ signal: 'SIGHUP' }, 'TLS files reloaded for new connections on the TCP port');
    } catch (err: unknown) {
      broker.logger.error({ err, signal: 'SIGHUP' }, 'TLS files not reloaded: the previous ones stay in use');
    }
  });
}
