/**
 * The broker's configuration: every field typed, documented with its unit and default, validated and frozen.
 * `resolveConfig` is pure (no environment, no argv): broker/main.ts is the one place that reads those.
 */
import type { SessionLimits } from './net/broker-api.js';

/** How hard appends are pushed to disk; see broker/log/log-options.ts for what each risks. */
export const FLUSH_POLICIES = ['always', 'interval', 'never'] as const;
export type FlushSetting = (typeof FLUSH_POLICIES)[number];

/** pino levels, plus 'silent'. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Frame bytes kept free around the largest batch for the frame header and the batch's other fields. */
export const FRAME_HEADROOM_BYTES = 1024;

const KiB = 1024;
const MiB = 1024 * KiB;

/** A broker of the cluster and the address its peer listener is reached at (by the other brokers). */
export interface PeerConfig {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** Everything a broker can be configured with. Sizes are bytes, durations milliseconds. */
export interface BrokerConfig {
  /** This broker's id in the cluster, an integer in [0, 2^21) (producer ids embed it). Default 1. */
  brokerId: number;
  /**
   * The cluster id. Default: the one persisted in `<dataDir>/meta.db`, or a new random id generated and persisted
   * on first start. When given, it must match the persisted one (a data dir belongs to one cluster).
   */
  clusterId: string | undefined;
  /** Where topics and partition logs live. Default './data' (relative to the working directory). */
  dataDir: string;
  /** Interface the TCP and WebSocket listeners bind to. Default '127.0.0.1'. */
  host: string;
  /** Host name clients are told to connect to (metadata). Default: `host`; set it when `host` is a wildcard. */
  advertisedHost: string;
  /** TCP port of the binary protocol; 0 picks a free port. Default 9400. */
  port: number;
  /** Port of WebSocket connections and HTTP (/metrics, /healthz, /readyz); 0 picks a free port. Default 9401. */
  wsPort: number;
  /** Largest frame accepted or sent, in bytes. Default 8 MiB. */
  maxFrameBytes: number;
  /** Largest record batch (its records bytes) accepted in a produce. Default 1 MiB; at most maxFrameBytes - 1 KiB. */
  maxMessageBytes: number;
  /** Produce bytes a connection may have in flight, in bytes. Default 16 MiB; at least maxFrameBytes. */
  produceWindowBytes: number;
  /** A connection that has not completed hello within this is closed, in ms. Default 10 000. */
  handshakeTimeoutMs: number;
  /** A connection that sends nothing for this long is closed, in ms. Default 300 000. */
  idleTimeoutMs: number;
  /** Connections beyond this are refused with TOO_MANY_CONNECTIONS. Default 10 000. */
  maxConnections: number;
  /** Push delivery pauses while a socket holds more than this unsent, in bytes. Default 1 MiB. */
  socketBufferBytes: number;
  /** Most records bytes in one deliver frame (at least one batch is always sent). Default 1 MiB. */
  deliverMaxBytes: number;
  /**
   * Durability of appends: 'always' fsyncs every group commit; 'interval' (default) writes every commit to the
   * SQLite WAL at once (it survives a process crash) and fsyncs every `flushIntervalMs`, so a power loss or OS
   * crash can lose up to that much acknowledged data; 'never' leaves fsync to the OS.
   */
  flush: FlushSetting;
  /** Under flush 'interval': time between fsyncs of the partitions appended to, in ms. Default 1 000. */
  flushIntervalMs: number;
  /** Default `retention.ms` of topics: batches older than this are deleted, in ms; -1 keeps forever. Default 7 days. */
  retentionMs: number;
  /** Default `retention.bytes` of topics: a partition is cut back to about this size, in bytes; -1 = unlimited. Default -1. */
  retentionBytes: number;
  /** Time between retention passes over every partition, in ms. Default 30 000. */
  retentionCheckIntervalMs: number;
  /** Users allowed to connect: username -> password. Empty (the default) disables authentication. */
  users: Readonly<Record<string, string>>;
  /** pino log level. Default 'info'. */
  logLevel: LogLevel;
  /**
   * Every broker of the cluster, this one included, with its peer address. Empty (the default): a one-broker
   * cluster without Raft. With peers, broker ids must be >= 1 and unique, and this broker must be listed.
   */
  peers: readonly PeerConfig[];
  /** Port of the inter-broker listener (never serves clients); 0 picks a free port. Default 9402. Used with peers. */
  peerPort: number;
  /**
   * Join a running cluster instead of forming one: `peers` lists the brokers to ask (and this one), the controller
   * adds this broker, and partitions move here by reassignment (`brook partition reassign`). Ignored once this
   * broker's data dir holds cluster metadata. Default false.
   */
  join: boolean;
  /** One Raft tick, in ms: every group of the broker advances on this one timer. Default 50. */
  raftTickMs: number;
  /** Ticks without a leader before a follower stands for election (actually random in [n, 2n)). Default 12. */
  raftElectionTicks: number;
  /** Ticks between a leader's heartbeats. Default 2; below raftElectionTicks. */
  raftHeartbeatTicks: number;
  /** How often group members are told to heartbeat, in ms. Default 3 000. */
  groupHeartbeatIntervalMs: number;
  /** Session timeout of group members that do not ask for one, in ms. Default 45 000. */
  groupSessionTimeoutMs: number;
  /** Partitions of the internal `__offsets` topic when it is created (later changes do not repartition it). Default 16. */
  groupOffsetsPartitions: number;
  /**
   * Each coordinator rewrites all of its groups as a checkpoint this often, in ms; `__offsets` keeps only what
   * followed the latest complete one, so this bounds its size and a new coordinator's load. Default 600 000.
   */
  groupCheckpointIntervalMs: number;
}

/** The defaults, field by field. */
export const DEFAULT_CONFIG: Readonly<BrokerConfig> = Object.freeze({
  brokerId: 1,
  clusterId: undefined,
  dataDir: './data',
  host: '127.0.0.1',
  advertisedHost: '127.0.0.1',
  port: 9400,
  wsPort: 9401,
  maxFrameBytes: 8 * MiB,
  maxMessageBytes: 1 * MiB,
  produceWindowBytes: 16 * MiB,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  maxConnections: 10_000,
  socketBufferBytes: 1 * MiB,
  deliverMaxBytes: 1 * MiB,
  flush: 'interval',
  flushIntervalMs: 1_000,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  retentionCheckIntervalMs: 30_000,
  users: Object.freeze({}),
  logLevel: 'info',
  peers: Object.freeze([]),
  peerPort: 9402,
  join: false,
  raftTickMs: 50,
  raftElectionTicks: 12,
  raftHeartbeatTicks: 2,
  groupHeartbeatIntervalMs: 3_000,
  groupSessionTimeoutMs: 45_000,
  groupOffsetsPartitions: 16,
  groupCheckpointIntervalMs: 600_000,
});

/** Thrown by {@link resolveConfig}; the message names the field. */
export class ConfigError extends Error {
  constructor(
    /** The offending field. */
    readonly field: string,
    message: string,
  ) {
    super(`invalid broker config: ${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** A partial config as callers give it: any field may be left out (or set to undefined) to take its default. */
export type BrokerConfigInput = { [K in keyof BrokerConfig]?: BrokerConfig[K] | undefined };

const FIELDS = new Set<string>(Object.keys(DEFAULT_CONFIG));
const MAX_BYTES = 1024 * MiB;
const MAX_DURATION_MS = 2 ** 31 - 1; // the largest delay Node's timers accept
const CLUSTER_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Producer ids are brokerId * 2^32 + a counter: beyond 2^21 brokers they would not be safe integers. */
const MAX_BROKER_ID = 2 ** 21 - 1;

/**
 * Clones `input`, fills defaults, checks every field and cross-field rule, and returns a frozen config.
 * Throws {@link ConfigError} naming the first bad field. The caller's object is not touched.
 */
export function resolveConfig(input: BrokerConfigInput = {}): Readonly<BrokerConfig> {
  for (const key of Object.keys(input)) {
    if (!FIELDS.has(key)) throw new ConfigError(key, 'unknown config field');
  }
  const pick = <K extends keyof BrokerConfig>(key: K): BrokerConfig[K] => input[key] ?? DEFAULT_CONFIG[key];
  const host = pick('host');
  checkString('host', host);
  const users = pick('users');
  checkUsers(users);

  const config: BrokerConfig = {
    brokerId: intIn('brokerId', pick('brokerId'), 0, MAX_BROKER_ID),
    clusterId: input.clusterId,
    dataDir: pick('dataDir'),
    host,
    advertisedHost: input.advertisedHost ?? host,
    port: intIn('port', pick('port'), 0, 65_535),
    wsPort: intIn('wsPort', pick('wsPort'), 0, 65_535),
    maxFrameBytes: intIn('maxFrameBytes', pick('maxFrameBytes'), 4 * KiB, MAX_BYTES),
    maxMessageBytes: intIn('maxMessageBytes', pick('maxMessageBytes'), 1, MAX_BYTES),
    produceWindowBytes: intIn('produceWindowBytes', pick('produceWindowBytes'), 1, MAX_BYTES),
    handshakeTimeoutMs: intIn('handshakeTimeoutMs', pick('handshakeTimeoutMs'), 10, MAX_DURATION_MS),
    idleTimeoutMs: intIn('idleTimeoutMs', pick('idleTimeoutMs'), 10, MAX_DURATION_MS),
    maxConnections: intIn('maxConnections', pick('maxConnections'), 1, 10_000_000),
    socketBufferBytes: intIn('socketBufferBytes', pick('socketBufferBytes'), 1, MAX_BYTES),
    deliverMaxBytes: intIn('deliverMaxBytes', pick('deliverMaxBytes'), 1, MAX_BYTES),
    flush: oneOf('flush', pick('flush'), FLUSH_POLICIES),
    flushIntervalMs: intIn('flushIntervalMs', pick('flushIntervalMs'), 1, MAX_DURATION_MS),
    retentionMs: intIn('retentionMs', pick('retentionMs'), -1, Number.MAX_SAFE_INTEGER),
    retentionBytes: intIn('retentionBytes', pick('retentionBytes'), -1, Number.MAX_SAFE_INTEGER),
    retentionCheckIntervalMs: intIn('retentionCheckIntervalMs', pick('retentionCheckIntervalMs'), 1, MAX_DURATION_MS),
    users: Object.freeze({ ...users }),
    logLevel: oneOf('logLevel', pick('logLevel'), LOG_LEVELS),
    peers: checkPeers(pick('peers')),
    peerPort: intIn('peerPort', pick('peerPort'), 0, 65_535),
    join: checkBoolean('join', pick('join')),
    raftTickMs: intIn('raftTickMs', pick('raftTickMs'), 1, 60_000),
    raftElectionTicks: intIn('raftElectionTicks', pick('raftElectionTicks'), 2, 10_000),
    raftHeartbeatTicks: intIn('raftHeartbeatTicks', pick('raftHeartbeatTicks'), 1, 10_000),
    groupHeartbeatIntervalMs: intIn('groupHeartbeatIntervalMs', pick('groupHeartbeatIntervalMs'), 10, 300_000),
    groupSessionTimeoutMs: intIn('groupSessionTimeoutMs', pick('groupSessionTimeoutMs'), 1_000, 300_000),
    groupOffsetsPartitions: intIn('groupOffsetsPartitions', pick('groupOffsetsPartitions'), 1, 1_000),
    groupCheckpointIntervalMs: intIn(
      'groupCheckpointIntervalMs',
      pick('groupCheckpointIntervalMs'),
      100,
      MAX_DURATION_MS,
    ),
  };

  checkString('dataDir', config.dataDir);
  checkString('advertisedHost', config.advertisedHost);
  if (config.clusterId !== undefined && (typeof config.clusterId !== 'string' || !CLUSTER_ID.test(config.clusterId))) {
    throw new ConfigError('clusterId', `must match ${String(CLUSTER_ID)}, got ${describe(config.clusterId)}`);
  }
  if (config.port !== 0 && config.port === config.wsPort) {
    throw new ConfigError('wsPort', `must differ from port (both are ${String(config.port)})`);
  }
  if (config.maxMessageBytes > config.maxFrameBytes - FRAME_HEADROOM_BYTES) {
    throw new ConfigError(
      'maxMessageBytes',
      `${String(config.maxMessageBytes)} leaves no room in a frame: at most maxFrameBytes - ${String(FRAME_HEADROOM_BYTES)} ` +
        `(${String(config.maxFrameBytes - FRAME_HEADROOM_BYTES)})`,
    );
  }
  if (config.produceWindowBytes < config.maxFrameBytes) {
    throw new ConfigError(
      'produceWindowBytes',
      `${String(config.produceWindowBytes)} is below maxFrameBytes (${String(config.maxFrameBytes)}): ` +
        'a full produce frame could never be sent',
    );
  }
  if (config.deliverMaxBytes > config.maxFrameBytes - FRAME_HEADROOM_BYTES) {
    throw new ConfigError(
      'deliverMaxBytes',
      `${String(config.deliverMaxBytes)} does not fit in a frame: at most maxFrameBytes - ${String(FRAME_HEADROOM_BYTES)}`,
    );
  }
  if (config.groupHeartbeatIntervalMs >= config.groupSessionTimeoutMs) {
    throw new ConfigError('groupHeartbeatIntervalMs', 'must be below groupSessionTimeoutMs');
  }
  if (config.raftHeartbeatTicks >= config.raftElectionTicks) {
    throw new ConfigError('raftHeartbeatTicks', 'must be below raftElectionTicks');
  }
  if (config.join && config.peers.length < 2) {
    throw new ConfigError('join', 'needs peers: the brokers of the cluster to join, and this one');
  }
  if (config.peers.length > 0) {
    if (!config.peers.some((p) => p.id === config.brokerId)) {
      throw new ConfigError('peers', `must list this broker (id ${String(config.brokerId)})`);
    }
    if (config.brokerId < 1) throw new ConfigError('brokerId', 'must be >= 1 in a cluster');
  }
  return Object.freeze(config);
}

function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(field, `must be true or false, got ${describe(value)}`);
  return value;
}

/** Whether the broker runs as a member of a multi-broker (Raft) cluster. */
export function isClustered(config: Readonly<BrokerConfig>): boolean {
  return config.peers.length > 0;
}

/** Parses `1@host:port,2@host:port` (the `--peers` flag). Throws ConfigError. */
export function parsePeers(text: string): PeerConfig[] {
  return text
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((item) => {
      const match = /^(\d+)@(.+):(\d+)$/.exec(item.trim());
      if (match === null) throw new ConfigError('peers', `expected id@host:port, got ${JSON.stringify(item)}`);
      return { id: Number(match[1]), host: String(match[2]), port: Number(match[3]) };
    });
}

function checkPeers(value: unknown): readonly PeerConfig[] {
  if (!Array.isArray(value)) throw new ConfigError('peers', `must be an array, got ${describe(value)}`);
  const seen = new Set<number>();
  const peers = value.map((raw: unknown): PeerConfig => {
    const peer = raw as Partial<PeerConfig>;
    const id = intIn('peers', peer.id, 1, MAX_BROKER_ID);
    if (seen.has(id)) throw new ConfigError('peers', `broker id ${String(id)} is listed twice`);
    seen.add(id);
    checkString('peers', peer.host);
    return Object.freeze({ id, host: String(peer.host), port: intIn('peers', peer.port, 1, 65_535) });
  });
  return Object.freeze(peers);
}

/** The limits sessions enforce, taken from the config. */
export function sessionLimits(config: Readonly<BrokerConfig>): SessionLimits {
  return Object.freeze({
    maxFrameBytes: config.maxFrameBytes,
    maxMessageBytes: config.maxMessageBytes,
    produceWindowBytes: config.produceWindowBytes,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxConnections: config.maxConnections,
    socketBufferBytes: config.socketBufferBytes,
    deliverMaxBytes: config.deliverMaxBytes,
  });
}

function intIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `must be an integer in [${String(min)}, ${String(max)}], got ${describe(value)}`);
  }
  return value;
}

function oneOf<const V extends readonly string[]>(field: string, value: unknown, allowed: V): V[number] {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new ConfigError(field, `must be one of ${allowed.map((v) => `'${v}'`).join(', ')}, got ${describe(value)}`);
  }
  return value;
}

function checkString(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(field, `must be a non-empty string, got ${describe(value)}`);
  }
}

function checkUsers(users: unknown): void {
  if (typeof users !== 'object' || users === null || Array.isArray(users)) {
    throw new ConfigError('users', `must be a map of username to password, got ${describe(users)}`);
  }
  for (const [name, password] of Object.entries(users)) {
    if (name.length === 0) throw new ConfigError('users', 'usernames must be non-empty');
    if (typeof password !== 'string' || password.length === 0) {
      throw new ConfigError('users', `password of '${name}' must be a non-empty string`);
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return Array.isArray(value) ? 'an array' : typeof value;
}
