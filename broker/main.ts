/**
 * `brook broker`: the only place that reads argv and the environment for a broker; every flag has an environment
 * variable (shown in --help). The `brook` command itself (cli/main.ts) adds this command to its client commands.
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

/** Parses an integer flag; commander reports the error with the flag's name. */
export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
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

/** `brook broker`: every broker flag, with its environment variable; runs the broker until SIGTERM or SIGINT. */
export function brokerCommand(): Command {
  return new Command('broker')
    .description('run a broker')
    .addOption(brokerOption('--data-dir <dir>', `data directory (default ${D.dataDir})`, 'BROOK_DATA_DIR'))
    .addOption(brokerOption('--broker-id <n>', `broker id (default ${D.brokerId})`, 'BROOK_BROKER_ID', integer))
    .addOption(
      brokerOption(
        '--cluster-id <id>',
        'cluster id (default: generated once, kept in the data dir)',
        'BROOK_CLUSTER_ID',
      ),
    )
    .addOption(brokerOption('--host <host>', `interface to listen on (default ${D.host})`, 'BROOK_HOST'))
    .addOption(
      brokerOption(
        '--advertised-host <host>',
        'host clients are told to use (default: --host)',
        'BROOK_ADVERTISED_HOST',
      ),
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
}
