/**
 * The flags and environment variables of `brook broker` (broker/main.ts), made from the table of config fields:
 * parsed by commander with the broker's start replaced, so nothing listens.
 */
import t from 'tap';
import { CommanderError } from 'commander';
import type { BrokerConfigInput } from '../../broker/config.js';
import { CONFIG_FIELDS, CONFIG_FIELD_NAMES } from '../../broker/config-fields.js';
import { envName, flagName } from '../../broker/config-kinds.js';
import { brokerCommand, integer } from '../../broker/main.js';

/**
 * The config `brook broker <argv>` gives with exactly `env` as its BROOK_* environment (the caller's BROOK_*
 * variables are hidden meanwhile, and everything is put back after). Rejects with commander's error on a bad flag.
 */
async function given(argv: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<BrokerConfigInput> {
  const saved = Object.entries(process.env).filter(([key]) => key.startsWith('BROOK_'));
  for (const [key] of saved) Reflect.deleteProperty(process.env, key);
  Object.assign(process.env, env);
  try {
    let input: BrokerConfigInput | undefined;
    const command = brokerCommand((config) => {
      input = config;
      return Promise.resolve();
    });
    command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    await command.parseAsync(argv, { from: 'user' });
    if (input === undefined) throw new Error('the command did not run');
    return input;
  } finally {
    for (const key of Object.keys(env)) Reflect.deleteProperty(process.env, key);
    for (const [key, value] of saved) process.env[key] = value;
  }
}

void t.test('nothing given: no field is set, so resolveConfig fills every default', async (t) => {
  t.same(await given([]), {});
});

void t.test('--help lists every field as a flag with its environment variable, unit and default', (t) => {
  const help = brokerCommand().helpInformation({ error: false }).replace(/\s+/g, ' ');
  for (const name of CONFIG_FIELD_NAMES) {
    const field = CONFIG_FIELDS[name];
    t.match(help, `${flagName(name)}${field.arg === undefined ? '' : ` <${field.arg}>`} `, `${name}: its flag`);
    t.match(help, `env: ${envName(name)})`, `${name}: its environment variable`);
    t.match(help, `default ${field.defaultText})`, `${name}: its default`);
  }
  t.match(help, '--max-frame-bytes <n> largest frame accepted or sent; a larger one closes its connection with');
  t.match(help, '(in bytes, default 8 MiB) (env: BROOK_MAX_FRAME_BYTES)');
  t.match(help, '--id <n> same as --broker-id (env: BROOK_ID)');
  t.match(help, '(choices: "always", "interval", "never"');
  t.end();
});

void t.test('each field is set by its flag and by its environment variable', async (t) => {
  for (const name of CONFIG_FIELD_NAMES) {
    const value: unknown = CONFIG_FIELDS[name].default;
    // Lists (--peers), files (--users-file) and the cluster id have no default to write back; they are tested below.
    if (typeof value === 'boolean') {
      t.same(await given([flagName(name)]), { [name]: true }, flagName(name));
      t.same(await given([], { [envName(name)]: '1' }), { [name]: true }, envName(name));
    } else if (typeof value === 'number' || typeof value === 'string') {
      t.same(await given([flagName(name), String(value)]), { [name]: value }, `${flagName(name)} ${String(value)}`);
      t.same(await given([], { [envName(name)]: String(value) }), { [name]: value }, envName(name));
    }
  }
  t.same(await given(['--raft-heartbeat-ticks', '3']), { raftHeartbeatTicks: 3 }, 'the flag that was missing');
  t.same(await given([], { BROOK_RAFT_HEARTBEAT_TICKS: '4' }), { raftHeartbeatTicks: 4 });
  t.same(await given(['--cluster-id', 'prod-1']), { clusterId: 'prod-1' });
});

void t.test('a flag wins over the environment, also through the --id alias', async (t) => {
  t.same(await given(['--port', '1'], { BROOK_PORT: '2' }), { port: 1 });
  t.same(await given(['--id', '4']), { brokerId: 4 });
  t.same(await given([], { BROOK_ID: '5' }), { brokerId: 5 });
  t.same(await given(['--id', '4'], { BROOK_BROKER_ID: '6' }), { brokerId: 4 });
  t.same(await given(['--broker-id', '2'], { BROOK_ID: '5' }), { brokerId: 2 }, 'the flag, not the alias env');
  t.same(await given(['--broker-id', '2', '--id', '3']), { brokerId: 3 }, 'both flags: --id, as before');
});

void t.test('lists and choices have their own parsers', async (t) => {
  t.same(await given(['--peers', '1@a.example:9402,2@10.0.0.2:9412']), {
    peers: [
      { id: 1, host: 'a.example', port: 9402 },
      { id: 2, host: '10.0.0.2', port: 9412 },
    ],
  });
  t.same(await given([], { BROOK_USERS_FILE: '/etc/brook/users' }), { usersFile: '/etc/brook/users' });
  t.same(await given(['--flush', 'always', '--log-level', 'warn']), { flush: 'always', logLevel: 'warn' });
});

void t.test('a bad value is refused with the flag (or environment variable) and the value', async (t) => {
  const refused = async (argv: readonly string[], env: Record<string, string>, pattern: RegExp): Promise<void> => {
    await t.rejects(given(argv, env), pattern, [...argv, ...Object.keys(env)].join(' '));
  };
  await refused(
    ['--port', '70000'],
    {},
    /'--port <n>' argument '70000' is invalid\. must be an integer in \[0, 65535\]/,
  );
  await refused(['--port', 'x'], {}, /'--port <n>' argument 'x' is invalid\. expected an integer, got "x"/);
  await refused([], { BROOK_PORT: '' }, /value '' from env 'BROOK_PORT' is invalid\. expected an integer/);
  await refused(['--raft-heartbeat-ticks', '0'], {}, /--raft-heartbeat-ticks <n>.*\[1, 10000\], got 0/);
  await refused(['--flush', 'sometimes'], {}, /'sometimes' is invalid\. must be one of 'always', 'interval', 'never'/);
  await refused(
    [],
    { BROOK_LOG_LEVEL: 'loud' },
    /'loud' from env 'BROOK_LOG_LEVEL' is invalid\. must be one of 'fatal'/,
  );
  await refused(['--peers', '1@a:1,nonsense'], {}, /--peers <list>.*expected id@host:port, got "nonsense"/);
  await refused(['--peers', '1@a:1,1@b:2'], {}, /--peers <list>.*broker id 1 is listed twice/);
  await refused(['--users', 'alice:secret'], {}, /unknown option '--users'/);
  await refused(['--host', ''], {}, /--host <host>.*must be a non-empty string/);
  await refused(['--cluster-id', 'has space'], {}, /--cluster-id <id>.*must match/);
  await refused(['--no-such-flag'], {}, /unknown option '--no-such-flag'/);
  const error = await given(['--port', 'x']).catch((err: unknown) => err);
  t.ok(error instanceof CommanderError, 'reported by commander (exit code 1, usage shown)');
});

void t.test('integer, the parser cli/main.ts uses for its own flags', (t) => {
  t.equal(integer('42'), 42);
  t.equal(integer('-1'), -1);
  t.throws(() => integer('1.5'), { code: 'commander.invalidArgument', message: 'expected an integer, got "1.5"' });
  t.throws(() => integer(' '), { code: 'commander.invalidArgument' });
  t.end();
});
