/**
 * THE table of broker config fields: each field is declared and documented here once, with its unit, default and
 * bounds. From it come the `BrokerConfig` type, `DEFAULT_CONFIG` and the checks of `resolveConfig` (config.ts), the
 * `brook broker` flags and environment variables (main.ts: `--max-frame-bytes`, `BROOK_MAX_FRAME_BYTES` for
 * `maxFrameBytes`), and the README's configuration table (config-readme.ts; `make readme-config`).
 * Rules between fields (maxMessageBytes below maxFrameBytes, ...) are in config.ts.
 */
import {
  KiB,
  MiB,
  choiceField,
  integerField,
  optionalTextField,
  structuredField,
  switchField,
  textField,
  type ConfigField,
} from './config-kinds.js';
import { MAX_BROKER_ID, checkPeers, parsePeers, type PeerConfig } from './config-lists.js';
import { AUTH_CONFIG_FIELDS } from './config-fields-auth.js';
import { LIMITS_CONFIG_FIELDS } from './config-fields-limits.js';
import { TRANSPORT_CONFIG_FIELDS } from './config-fields-transport.js';
import { CONSOLE_CONFIG_FIELDS } from './config-fields-console.js';
import { KAFKA_CONFIG_FIELDS } from './config-fields-kafka.js';

const MAX_BYTES = 1024 * MiB;
/** The largest delay Node's timers accept. */
const MAX_DURATION_MS = 2 ** 31 - 1;
const MAX_PORT = 65_535;
const DEFAULT_HOST = '127.0.0.1';

/** Every config field, in the order --help and the README list them. */
export const CONFIG_FIELDS = {
  dataDir: textField({
    doc: 'where partition logs (`shard-<n>.db`) and metadata (`meta.db`, `__metadata/`) live, relative to the working directory',
    default: './data',
    arg: 'dir',
  }),
  brokerId: integerField({
    doc: "this broker's id (producer ids embed it); in a cluster at least 1",
    default: 1,
    min: 0,
    max: MAX_BROKER_ID,
    aliases: ['id'],
  }),
  clusterId: optionalTextField({
    doc:
      'the cluster id (letters, digits, `_` and `-`): by default the one kept in `meta.db`, else a random one, made on ' +
      'first start by a broker alone, by the first controller of a cluster (every broker learns it from the metadata ' +
      'log); a set id must match the kept one',
    defaultText: 'made on first start',
    arg: 'id',
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
  }),
  host: textField({ doc: 'interface the TCP and WebSocket listeners bind to', default: DEFAULT_HOST, arg: 'host' }),
  advertisedHost: textField({
    doc: 'host clients are told to connect to (metadata); set it when `--host` is a wildcard',
    default: DEFAULT_HOST,
    defaultText: '`--host`',
    arg: 'host',
  }),
  port: integerField({ doc: 'TCP listener for clients; 0 picks a free port', default: 9400, min: 0, max: MAX_PORT }),
  wsPort: integerField({
    doc: 'WebSocket listener, plus HTTP `GET /metrics`, `/healthz`, `/readyz`; 0 picks a free port',
    default: 9401,
    min: 0,
    max: MAX_PORT,
  }),
  ...KAFKA_CONFIG_FIELDS,
  ...TRANSPORT_CONFIG_FIELDS,
  ...CONSOLE_CONFIG_FIELDS,
  maxFrameBytes: integerField({
    doc: 'largest frame accepted or sent; a larger one closes its connection with FRAME_TOO_LARGE',
    default: 8 * MiB,
    min: 4 * KiB,
    max: MAX_BYTES,
    unit: 'bytes',
  }),
  maxMessageBytes: integerField({
    doc: 'largest record batch in a produce (larger gets MESSAGE_TOO_LARGE); at most `--max-frame-bytes` - 1 KiB',
    default: 1 * MiB,
    min: 1,
    max: MAX_BYTES,
    unit: 'bytes',
  }),
  produceWindowBytes: integerField({
    doc: 'produce bytes a connection may have in flight before the broker answers THROTTLED; at least `--max-frame-bytes`',
    default: 16 * MiB,
    min: 1,
    max: MAX_BYTES,
    unit: 'bytes',
  }),
  handshakeTimeoutMs: integerField({
    doc: 'a connection must complete `hello` within this',
    default: 10_000,
    min: 10,
    max: MAX_DURATION_MS,
    unit: 'ms',
  }),
  idleTimeoutMs: integerField({
    doc: 'a connection silent this long is closed (clients ping at a third of it)',
    default: 300_000,
    min: 10,
    max: MAX_DURATION_MS,
    unit: 'ms',
  }),
  maxConnections: integerField({
    doc: 'further connections are refused with TOO_MANY_CONNECTIONS',
    default: 10_000,
    min: 1,
    max: 10_000_000,
  }),
  socketBufferBytes: integerField({
    doc: 'push delivery pauses while a socket holds this much unsent',
    default: 1 * MiB,
    min: 1,
    max: MAX_BYTES,
    unit: 'bytes',
  }),
  deliverMaxBytes: integerField({
    doc: 'records bytes per pushed frame (one batch is always sent); at most `--max-frame-bytes` - 1 KiB',
    default: 1 * MiB,
    min: 1,
    max: MAX_BYTES,
    unit: 'bytes',
  }),
  flush: choiceField({
    doc:
      'durability of appends: `always` fsyncs every group commit; `interval` writes every commit to the SQLite WAL ' +
      'at once (it survives a process crash) and fsyncs every `--flush-interval-ms`, so a power loss or OS crash can ' +
      'lose that much acknowledged data; `never` leaves fsync to the OS',
    choices: ['always', 'interval', 'never'],
    default: 'interval',
    arg: 'policy',
  }),
  flushIntervalMs: integerField({
    doc: 'time between fsyncs under `--flush interval`',
    default: 1_000,
    min: 1,
    max: MAX_DURATION_MS,
    unit: 'ms',
  }),
  storageShards: integerField({
    doc:
      'storage shards (`shard-<n>.db` in `--data-dir`, one SQLite database each) new partition logs are spread over; ' +
      '0: one per CPU core. A log stays in the shard that holds it, so changing this moves nothing',
    default: 0,
    defaultText: '0 (CPU cores)',
    min: 0,
    max: 256,
  }),
  retentionMs: integerField({
    doc: "topics' default `retention.ms`: batches older than this are deleted; -1 keeps them forever",
    default: 7 * 24 * 3600 * 1000,
    min: -1,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'ms',
  }),
  retentionBytes: integerField({
    doc: "topics' default `retention.bytes`: each partition is cut back to about this size; -1 = unlimited",
    default: -1,
    min: -1,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'bytes',
  }),
  retentionCheckIntervalMs: integerField({
    doc: 'time between retention passes over every partition',
    default: 30_000,
    min: 1,
    max: MAX_DURATION_MS,
    unit: 'ms',
  }),
  ...AUTH_CONFIG_FIELDS,
  ...LIMITS_CONFIG_FIELDS,
  logLevel: choiceField({
    doc: 'pino level; logs are JSON lines on stdout',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    arg: 'level',
  }),
  peers: structuredField<readonly PeerConfig[]>({
    doc:
      'every broker of the cluster, this one included: `id@host:peerPort,...` (ids at least 1, each once); ' +
      'none: a one-broker cluster without Raft',
    default: Object.freeze([]),
    defaultText: 'none',
    arg: 'list',
    parse: parsePeers,
    check: checkPeers,
  }),
  peerPort: integerField({
    doc: 'inter-broker listener, used with `--peers` (Raft traffic only; never serves clients); 0 picks a free port',
    default: 9402,
    min: 0,
    max: MAX_PORT,
  }),
  join: switchField({
    doc:
      'join the running cluster of `--peers` (listed with this broker) instead of forming one: the controller adds ' +
      'this broker, and partitions move to it by reassignment; ignored once the data dir holds cluster metadata',
  }),
  raftTickMs: integerField({
    doc: 'one Raft tick: every Raft group of the broker advances on this one timer',
    default: 50,
    min: 1,
    max: 60_000,
    unit: 'ms',
  }),
  raftElectionTicks: integerField({
    doc: 'ticks without a leader before a follower stands for election (random in [n, 2n): 0.6-1.2 s by default)',
    default: 12,
    min: 2,
    max: 10_000,
    unit: 'ticks',
  }),
  raftHeartbeatTicks: integerField({
    doc: "ticks between a leader's heartbeats; below `--raft-election-ticks`",
    default: 2,
    min: 1,
    max: 10_000,
    unit: 'ticks',
  }),
  groupHeartbeatIntervalMs: integerField({
    doc: 'how often consumer-group members heartbeat; below `--group-session-timeout-ms`',
    default: 3_000,
    min: 10,
    max: 300_000,
    unit: 'ms',
  }),
  groupSessionTimeoutMs: integerField({
    doc: 'session timeout of group members that do not ask for one',
    default: 45_000,
    min: 1_000,
    max: 300_000,
    unit: 'ms',
  }),
  groupOffsetsPartitions: integerField({
    doc: 'partitions of the internal `__offsets` topic when it is created (later changes do not repartition it)',
    default: 16,
    min: 1,
    max: 1_000,
  }),
  groupCheckpointIntervalMs: integerField({
    doc:
      'how often each coordinator rewrites all its groups into `__offsets`, which keeps only what followed the ' +
      "latest complete rewrite: this bounds its size and a new coordinator's load",
    default: 600_000,
    min: 100,
    max: MAX_DURATION_MS,
    unit: 'ms',
  }),
} as const satisfies Record<string, ConfigField<unknown>>;

/** The name of a config field, e.g. `maxFrameBytes`. */
export type ConfigFieldName = keyof typeof CONFIG_FIELDS;

/** The table's rows in order, each with its name. */
export function configFieldEntries(): readonly (readonly [ConfigFieldName, ConfigField<unknown>])[] {
  return CONFIG_FIELD_NAMES.map((name) => [name, CONFIG_FIELDS[name]] as const);
}

/** The field names in table order. */
export const CONFIG_FIELD_NAMES: readonly ConfigFieldName[] = Object.freeze(
  Object.keys(CONFIG_FIELDS).filter((name): name is ConfigFieldName => name in CONFIG_FIELDS),
);
