#!/usr/bin/env node
/**
 * The `brook` command: `brook broker` runs a broker; `brook topic|produce|consume` are clients. The only place
 * that reads argv and the environment; every flag has an environment variable (shown in --help).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_CONFIG,
  FLUSH_POLICIES,
  LOG_LEVELS,
  parsePeers,
  type BrokerConfigInput,
  type PeerConfig,
} from './config.js';
import { consumeRecords } from './cli/consume-command.js';
import { produceLines } from './cli/produce-command.js';
import { parseReplicas, reassignPartitions } from './cli/partition-commands.js';
import { deleteGroup, describeGroup, listGroups, resetGroupOffsets } from './cli/group-commands.js';
import { createTopic, deleteTopic, describeTopics, listTopics } from './cli/topic-commands.js';
import type { CliConnection } from './cli/client-options.js';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function users(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of value.split(',').filter((p) => p !== '')) {
    const at = pair.indexOf(':');
    if (at <= 0) throw new InvalidArgumentError(`expected user:password[,user:password...], got "${pair}"`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

function parseReplicasOption(value: string): number[] {
  try {
    return parseReplicas(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

function cliPeers(value: string): PeerConfig[] {
  try {
    return parsePeers(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

/** A broker flag: `--kebab-name`, env `BROOK_SNAKE_NAME`, mapped to the config field of the same camelCase name. */
function brokerOption(flags: string, description: string, env: string, parse?: (v: string) => unknown): Option {
  const option = new Option(flags, description).env(env);
  return parse === undefined ? option : option.argParser(parse);
}

const D = DEFAULT_CONFIG;
const program = new Command('brook')
  .description('Brook: a Kafka-like message broker for Node.js')
  .showHelpAfterError()
  .configureOutput({
    outputError: (text, write) => {
      write(text);
    },
  });

program
  .command('broker')
  .description('run a broker')
  .addOption(brokerOption('--data-dir <dir>', `data directory (default ${D.dataDir})`, 'BROOK_DATA_DIR'))
  .addOption(brokerOption('--broker-id <n>', `broker id (default ${D.brokerId})`, 'BROOK_BROKER_ID', integer))
  .addOption(
    brokerOption('--cluster-id <id>', 'cluster id (default: generated once, kept in the data dir)', 'BROOK_CLUSTER_ID'),
  )
  .addOption(brokerOption('--host <host>', `interface to listen on (default ${D.host})`, 'BROOK_HOST'))
  .addOption(
    brokerOption('--advertised-host <host>', 'host clients are told to use (default: --host)', 'BROOK_ADVERTISED_HOST'),
  )
  .addOption(brokerOption('--port <n>', `TCP port, 0 = any free one (default ${D.port})`, 'BROOK_PORT', integer))
  .addOption(
    brokerOption(
      '--ws-port <n>',
      `WebSocket and HTTP (/metrics, /healthz, /readyz) port (default ${D.wsPort})`,
      'BROOK_WS_PORT',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--max-frame-bytes <n>',
      `largest frame (default ${D.maxFrameBytes})`,
      'BROOK_MAX_FRAME_BYTES',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--max-message-bytes <n>',
      `largest record batch (default ${D.maxMessageBytes})`,
      'BROOK_MAX_MESSAGE_BYTES',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--produce-window-bytes <n>',
      `produce bytes in flight per connection (default ${D.produceWindowBytes})`,
      'BROOK_PRODUCE_WINDOW_BYTES',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--handshake-timeout-ms <n>',
      `time allowed for hello (default ${D.handshakeTimeoutMs})`,
      'BROOK_HANDSHAKE_TIMEOUT_MS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--idle-timeout-ms <n>',
      `close connections silent this long (default ${D.idleTimeoutMs})`,
      'BROOK_IDLE_TIMEOUT_MS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--max-connections <n>',
      `connection limit (default ${D.maxConnections})`,
      'BROOK_MAX_CONNECTIONS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--socket-buffer-bytes <n>',
      `unsent bytes per connection before push delivery pauses (default ${D.socketBufferBytes})`,
      'BROOK_SOCKET_BUFFER_BYTES',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--deliver-max-bytes <n>',
      `records bytes per pushed frame (default ${D.deliverMaxBytes})`,
      'BROOK_DELIVER_MAX_BYTES',
      integer,
    ),
  )
  .addOption(
    brokerOption('--flush <policy>', `always | interval | never (default ${D.flush})`, 'BROOK_FLUSH').choices(
      FLUSH_POLICIES,
    ),
  )
  .addOption(
    brokerOption(
      '--flush-interval-ms <n>',
      `fsync period with --flush interval (default ${D.flushIntervalMs})`,
      'BROOK_FLUSH_INTERVAL_MS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--retention-ms <n>',
      `default topic retention by age, -1 = forever (default ${D.retentionMs})`,
      'BROOK_RETENTION_MS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--retention-bytes <n>',
      `default topic retention by size per partition, -1 = unlimited (default ${D.retentionBytes})`,
      'BROOK_RETENTION_BYTES',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--retention-check-interval-ms <n>',
      `how often retention runs (default ${D.retentionCheckIntervalMs})`,
      'BROOK_RETENTION_CHECK_INTERVAL_MS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--users <list>',
      'require hello credentials: user:password[,user:password...] (default: none)',
      'BROOK_USERS',
      users,
    ),
  )
  .addOption(
    brokerOption('--log-level <level>', `log level (default ${D.logLevel})`, 'BROOK_LOG_LEVEL').choices(LOG_LEVELS),
  )
  .addOption(brokerOption('--id <n>', 'same as --broker-id', 'BROOK_ID', integer))
  .addOption(
    brokerOption(
      '--peers <list>',
      'every broker of the cluster, this one included: id@host:peerPort[,...] (default: a one-broker cluster)',
      'BROOK_PEERS',
      cliPeers,
    ),
  )
  .addOption(
    brokerOption(
      '--peer-port <n>',
      `inter-broker listener port, 0 = any free one (default ${D.peerPort})`,
      'BROOK_PEER_PORT',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--join',
      'join the running cluster of --peers (this broker added online) instead of forming a new one',
      'BROOK_JOIN',
    ),
  )
  .addOption(brokerOption('--raft-tick-ms <n>', `Raft tick (default ${D.raftTickMs})`, 'BROOK_RAFT_TICK_MS', integer))
  .addOption(
    brokerOption(
      '--raft-election-ticks <n>',
      `ticks before an election (default ${D.raftElectionTicks})`,
      'BROOK_RAFT_ELECTION_TICKS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--group-heartbeat-interval-ms <n>',
      `how often group members heartbeat (default ${D.groupHeartbeatIntervalMs})`,
      'BROOK_GROUP_HEARTBEAT_INTERVAL_MS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--group-session-timeout-ms <n>',
      `default group member session timeout (default ${D.groupSessionTimeoutMs})`,
      'BROOK_GROUP_SESSION_TIMEOUT_MS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--group-offsets-partitions <n>',
      `partitions of __offsets when created (default ${D.groupOffsetsPartitions})`,
      'BROOK_GROUP_OFFSETS_PARTITIONS',
      integer,
    ),
  )
  .addOption(
    brokerOption(
      '--group-checkpoint-interval-ms <n>',
      `period of group snapshots in __offsets (default ${D.groupCheckpointIntervalMs})`,
      'BROOK_GROUP_CHECKPOINT_INTERVAL_MS',
      integer,
    ),
  )
  .action(async ({ id, ...rest }: BrokerConfigInput & { id?: number }) => {
    const opts: BrokerConfigInput = id === undefined ? rest : { ...rest, brokerId: id };
    // Loaded here so client commands do not pay for SQLite, uWebSockets and the rest of the broker.
    const { startBroker } = await import('./index.js');
    const broker = await startBroker(opts);
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
  });

/** Adds the connection flags every client command takes. */
function clientCommand(name: string): Command {
  return new Command(name)
    .addOption(
      new Option('--bootstrap <address>', 'host:port (TCP) or ws://host:port (WebSocket)')
        .env('BROOK_BOOTSTRAP')
        .default('127.0.0.1:9400'),
    )
    .addOption(new Option('--username <name>', 'username for brokers with --users').env('BROOK_USERNAME'))
    .addOption(new Option('--password <secret>', 'password for brokers with --users').env('BROOK_PASSWORD'));
}

function connection(opts: { bootstrap: string; username?: string; password?: string }): CliConnection {
  return {
    bootstrap: opts.bootstrap,
    ...(opts.username === undefined ? {} : { username: opts.username }),
    ...(opts.password === undefined ? {} : { password: opts.password }),
  };
}

const print = (line: string): void => {
  process.stdout.write(line + '\n');
};

const topic = new Command('topic').description('create, list, describe and delete topics');
topic.addCommand(
  clientCommand('create')
    .description('create a topic')
    .argument('<name>')
    .option('--partitions <n>', 'partition count', integer, 1)
    .option('--replication-factor <n>', 'replicas per partition', integer, 1)
    .option(
      '--config <key=value>',
      'topic config (repeatable): retention.ms, retention.bytes, cleanup.policy',
      collect,
      [],
    )
    .action(
      async (
        name: string,
        opts: { partitions: number; replicationFactor: number; config: string[]; bootstrap: string },
      ) => {
        await createTopic(connection(opts), name, opts, print);
      },
    ),
);
topic.addCommand(
  clientCommand('list')
    .description('list topics')
    .action(async (opts: { bootstrap: string }) => {
      await listTopics(connection(opts), print);
    }),
);
topic.addCommand(
  clientCommand('describe')
    .description('show partitions (leader, replicas, in-sync replicas, offsets) and config')
    .argument('[names...]')
    .action(async (names: string[], opts: { bootstrap: string }) => {
      await describeTopics(connection(opts), names, print);
    }),
);
topic.addCommand(
  clientCommand('delete')
    .description('delete a topic and its data')
    .argument('<name>')
    .action(async (name: string, opts: { bootstrap: string }) => {
      await deleteTopic(connection(opts), name, print);
    }),
);
program.addCommand(topic);

const partitionCommand = new Command('partition').description('move partitions between brokers');
partitionCommand.addCommand(
  clientCommand('reassign')
    .description('move one partition to new replicas (online), or --rebalance every partition over the brokers')
    .option('--topic <name>', 'the topic of the partition to move')
    .option('--partition <n>', 'the partition to move', integer)
    .option('--replicas <ids>', 'its new replicas, preferred leader first: e.g. 4,2,1', parseReplicasOption)
    .option('--rebalance', 'place every partition anew over the current brokers (after adding one)', false)
    .option(
      '--wait <ms>',
      'wait until the moved partitions are in sync on their new replicas (0: do not wait)',
      integer,
      0,
    )
    .action(
      async (opts: {
        topic?: string;
        partition?: number;
        replicas?: number[];
        rebalance: boolean;
        wait: number;
        bootstrap: string;
      }) => {
        const { topic: name, partition, replicas } = opts;
        if (opts.rebalance) {
          await reassignPartitions(connection(opts), { rebalance: true }, opts.wait, print);
          return;
        }
        if (name === undefined || partition === undefined || replicas === undefined) {
          throw new InvalidArgumentError('give --topic, --partition and --replicas, or --rebalance');
        }
        await reassignPartitions(connection(opts), { topic: name, partition, replicas }, opts.wait, print);
      },
    ),
);
program.addCommand(partitionCommand);

const group = new Command('group').description('list, describe, reset the offsets of, and delete consumer groups');
group.addCommand(
  clientCommand('list')
    .description('list consumer groups (every broker is asked)')
    .action(async (opts: { bootstrap: string }) => {
      await listGroups(connection(opts), print);
    }),
);
group.addCommand(
  clientCommand('describe')
    .description('show members, assignment, and per partition committed offset, log end and lag')
    .argument('<group>')
    .action(async (id: string, opts: { bootstrap: string }) => {
      await describeGroup(connection(opts), id, print);
    }),
);
group.addCommand(
  clientCommand('reset-offsets')
    .description("move a group's committed offsets on a topic (the group must have no members)")
    .argument('<group>')
    .requiredOption('--topic <topic>', 'the topic whose partitions are reset')
    .requiredOption('--to <target>', 'earliest | latest | timestamp:<ms> | offset:<n>')
    .action(async (id: string, opts: { topic: string; to: string; bootstrap: string }) => {
      await resetGroupOffsets(connection(opts), id, opts, print);
    }),
);
group.addCommand(
  clientCommand('delete')
    .description('delete a group without members, with its committed offsets')
    .argument('<group>')
    .action(async (id: string, opts: { bootstrap: string }) => {
      await deleteGroup(connection(opts), id, print);
    }),
);
program.addCommand(group);

program.addCommand(
  clientCommand('produce')
    .description('send each line of stdin as a record; exits 0 only if every record was acknowledged')
    .argument('<topic>')
    .option('--key-separator <sep>', 'split each line into key and value at the first <sep>')
    .addOption(new Option('--acks <acks>', 'acknowledgement level').choices(['0', '1', 'all']).default('all'))
    .action(async (name: string, opts: { keySeparator?: string; acks: string; bootstrap: string }) => {
      const acks = opts.acks === 'all' ? 'all' : opts.acks === '0' ? 0 : 1;
      const count = await produceLines(
        connection(opts),
        name,
        { acks, ...(opts.keySeparator === undefined ? {} : { keySeparator: opts.keySeparator }) },
        process.stdin,
      );
      process.stderr.write(`${String(count)} record(s) acknowledged\n`);
    }),
);

program.addCommand(
  clientCommand('consume')
    .description('print records of a topic, one per line')
    .argument('<topic>')
    .option('--from-beginning', 'start at the earliest offset instead of the end', false)
    .option('--max-messages <n>', 'exit after this many records', integer)
    .option('--partition <n>', 'only this partition', integer)
    .option('--print-key', 'print the key before the value', false)
    .option('--print-offset', 'print partition:offset before each record', false)
    .option('--key-separator <sep>', 'printed between key and value', '\t')
    .action(
      async (
        name: string,
        opts: {
          fromBeginning: boolean;
          maxMessages?: number;
          partition?: number;
          printKey: boolean;
          printOffset: boolean;
          keySeparator: string;
          bootstrap: string;
        },
      ) => {
        const abort = new AbortController();
        process.once('SIGINT', () => {
          abort.abort();
        });
        process.once('SIGTERM', () => {
          abort.abort();
        });
        await consumeRecords(connection(opts), name, opts, print, abort.signal);
      },
    ),
);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`brook: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
