/**
 * The broker's configuration: its type, defaults and validation, all produced from the table of fields
 * (config-fields.ts), plus the rules between fields. `resolveConfig` is pure (no environment, no argv):
 * broker/main.ts is the one place that reads those.
 */
import type { SessionLimits } from './net/broker-api.js';
import { CONFIG_FIELDS, configFieldEntries, type ConfigFieldName } from './config-fields.js';
import { ConfigError, type FieldValue } from './config-kinds.js';

export { ConfigError } from './config-kinds.js';
export type { PeerConfig } from './config-lists.js';

/**
 * Everything a broker can be configured with, one property per row of {@link CONFIG_FIELDS} (see there what each
 * means, its unit and its default).
 */
export type BrokerConfig = { -readonly [K in ConfigFieldName]: FieldValue<(typeof CONFIG_FIELDS)[K]> };

/** How hard appends are pushed to disk; see broker/log/log-options.ts for what each risks. */
export type FlushSetting = BrokerConfig['flush'];

/** pino levels, plus 'silent'. */
export type LogLevel = BrokerConfig['logLevel'];

/** A partial config as callers give it: any field may be left out (or set to undefined) to take its default. */
export type BrokerConfigInput = { [K in keyof BrokerConfig]?: BrokerConfig[K] | undefined };

/** Frame bytes kept free around the largest batch for the frame header and the batch's other fields. */
export const FRAME_HEADROOM_BYTES = 1024;

/** The defaults, field by field (`advertisedHost` follows `host` when only `host` is given). */
export const DEFAULT_CONFIG: Readonly<BrokerConfig> = Object.freeze(fromFields((name) => CONFIG_FIELDS[name].default));

/**
 * Clones `input`, fills defaults, checks every field and the rules between fields, and returns a frozen config.
 * Throws {@link ConfigError} naming the first bad field, its flag and the bad value. The caller's object is not
 * touched.
 */
export function resolveConfig(input: BrokerConfigInput = {}): Readonly<BrokerConfig> {
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(CONFIG_FIELDS, key)) throw new ConfigError(key, 'unknown config field');
  }
  const config = fromFields((name) => {
    // A broker bound to a given interface is reached there unless told otherwise.
    const given = name === 'advertisedHost' ? (input.advertisedHost ?? input.host) : input[name];
    const field = CONFIG_FIELDS[name];
    return field.check(name, given ?? field.default);
  });
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

/** Whether the broker runs as a member of a multi-broker (Raft) cluster. */
export function isClustered(config: Readonly<BrokerConfig>): boolean {
  return config.peers.length > 0;
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
    maxUnauthenticatedConnections: config.maxUnauthenticatedConnections,
    maxUnauthenticatedConnectionsPerIp: config.maxUnauthenticatedConnectionsPerIp,
    socketBufferBytes: config.socketBufferBytes,
    deliverMaxBytes: config.deliverMaxBytes,
    maxSubscriptionsPerConnection: config.maxSubscriptionsPerConnection,
  });
}

/**
 * Builds a config object with one property per field, in table order, from `value(name)`. The one cast: a loop over
 * the table cannot tell TypeScript that each property gets its own field's type; `value` is given the field's name
 * and every caller returns that field's value.
 */
function fromFields(value: (name: ConfigFieldName) => unknown): BrokerConfig {
  return Object.fromEntries(configFieldEntries().map(([name]) => [name, value(name)])) as BrokerConfig;
}
