import t, { type Test } from 'tap';
import {
  ConfigError,
  DEFAULT_CONFIG,
  resolveConfig,
  sessionLimits,
  type BrokerConfig,
  type BrokerConfigInput,
  type PeerConfig,
} from '../../broker/config.js';
import { CONFIG_FIELD_NAMES } from '../../broker/config-fields.js';
import { flagName } from '../../broker/config-kinds.js';

/** Asserts that resolving `input` fails on `field` with a message matching `pattern` that names it and its flag. */
function rejects(t: Test, input: BrokerConfigInput, field: string, pattern: RegExp): void {
  let error: unknown;
  try {
    resolveConfig(input);
  } catch (err) {
    error = err;
  }
  t.ok(error instanceof ConfigError, `${field}: throws a ConfigError`);
  if (!(error instanceof ConfigError)) return;
  t.equal(error.field, field);
  t.match(error.message, pattern);
  t.match(error.message, `${field} (${flagName(field)}): `, 'the message names the field and its flag');
}

/** True when A and B are assignable both ways (a type test: a wrongly derived type fails `tsc --noEmit`). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

void t.test('defaults', (t) => {
  const config = resolveConfig();
  t.equal(config.brokerId, 1);
  t.equal(config.clusterId, undefined);
  t.equal(config.dataDir, './data');
  t.equal(config.host, '127.0.0.1');
  t.equal(config.advertisedHost, '127.0.0.1');
  t.equal(config.port, 9400);
  t.equal(config.wsPort, 9401);
  t.equal(config.maxFrameBytes, 8 * 1024 * 1024);
  t.equal(config.maxMessageBytes, 1024 * 1024);
  t.equal(config.produceWindowBytes, 16 * 1024 * 1024);
  t.equal(config.handshakeTimeoutMs, 10_000);
  t.equal(config.idleTimeoutMs, 300_000);
  t.equal(config.maxConnections, 10_000);
  t.equal(config.socketBufferBytes, 1024 * 1024);
  t.equal(config.deliverMaxBytes, 1024 * 1024);
  t.equal(config.flush, 'interval');
  t.equal(config.flushIntervalMs, 1_000);
  t.equal(config.retentionMs, 7 * 24 * 3600 * 1000);
  t.equal(config.retentionBytes, -1);
  t.equal(config.retentionCheckIntervalMs, 30_000);
  t.equal(config.usersFile, undefined);
  t.equal(config.logLevel, 'info');
  t.same(config.peers, []);
  t.equal(config.peerPort, 9402);
  t.equal(config.join, false);
  t.equal(config.raftTickMs, 50);
  t.equal(config.raftElectionTicks, 12);
  t.equal(config.raftHeartbeatTicks, 2);
  t.equal(config.groupHeartbeatIntervalMs, 3_000);
  t.equal(config.groupSessionTimeoutMs, 45_000);
  t.equal(config.groupOffsetsPartitions, 16);
  t.equal(config.groupCheckpointIntervalMs, 600_000);
  t.same(Object.keys(config), CONFIG_FIELD_NAMES, 'one property per field of the table, in its order');
  t.same(Object.keys(DEFAULT_CONFIG), CONFIG_FIELD_NAMES);
  t.ok(Object.isFrozen(DEFAULT_CONFIG));
  t.end();
});

void t.test('BrokerConfig is typed from the table of fields', (t) => {
  const types: readonly true[] = [
    true satisfies Same<BrokerConfig['brokerId'], number>,
    true satisfies Same<BrokerConfig['clusterId'], string | undefined>,
    true satisfies Same<BrokerConfig['dataDir'], string>,
    true satisfies Same<BrokerConfig['flush'], 'always' | 'interval' | 'never'>,
    true satisfies Same<BrokerConfig['logLevel'], 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>,
    true satisfies Same<BrokerConfig['usersFile'], string | undefined>,
    true satisfies Same<BrokerConfig['peers'], readonly PeerConfig[]>,
    true satisfies Same<BrokerConfig['join'], boolean>,
    true satisfies Same<keyof BrokerConfig, (typeof CONFIG_FIELD_NAMES)[number]>,
  ];
  t.equal(types.length, 9);
  t.end();
});

void t.test('clones the input, fills defaults and freezes the result', (t) => {
  const peers = [{ id: 1, host: 'a', port: 9402 }];
  const input: BrokerConfigInput = { host: '0.0.0.0', port: 0, wsPort: 0, peers, dataDir: undefined };
  const config = resolveConfig(input);
  t.equal(config.host, '0.0.0.0');
  t.equal(config.advertisedHost, '0.0.0.0', 'advertisedHost follows host');
  t.equal(config.dataDir, './data', 'undefined takes the default');
  t.ok(Object.isFrozen(config));
  t.ok(Object.isFrozen(config.peers));
  peers[0] = { id: 2, host: 'b', port: 9402 };
  t.equal(config.peers[0]?.id, 1, 'later changes to the input do not leak in');
  t.same(input, { host: '0.0.0.0', port: 0, wsPort: 0, peers, dataDir: undefined }, 'input untouched');
  t.equal(resolveConfig({ host: '0.0.0.0', advertisedHost: 'brook.example' }).advertisedHost, 'brook.example');
  t.end();
});

void t.test('each field is validated with a message naming it', (t) => {
  rejects(t, { brokerId: -1 }, 'brokerId', /integer in \[0, /);
  rejects(t, { brokerId: 1.5 }, 'brokerId', /got 1.5/);
  rejects(t, { brokerId: 2 ** 21 }, 'brokerId', /integer in \[0, 2097151\]/);
  rejects(t, { clusterId: 'has space' }, 'clusterId', /must match/);
  rejects(t, { dataDir: '' }, 'dataDir', /non-empty string/);
  rejects(t, { host: '' }, 'host', /non-empty string/);
  rejects(t, { advertisedHost: '' }, 'advertisedHost', /non-empty string/);
  rejects(t, { port: 70_000 }, 'port', /\[0, 65535\], got 70000/);
  rejects(t, { wsPort: -1 }, 'wsPort', /\[0, 65535\]/);
  rejects(t, { port: 9500, wsPort: 9500 }, 'wsPort', /must differ from port/);
  rejects(t, { maxFrameBytes: 100 }, 'maxFrameBytes', /got 100/);
  rejects(t, { maxMessageBytes: 0 }, 'maxMessageBytes', /got 0/);
  rejects(t, { maxMessageBytes: 8 * 1024 * 1024 }, 'maxMessageBytes', /leaves no room in a frame/);
  rejects(t, { produceWindowBytes: 1024 * 1024 }, 'produceWindowBytes', /below maxFrameBytes/);
  rejects(t, { handshakeTimeoutMs: 0 }, 'handshakeTimeoutMs', /integer in/);
  rejects(t, { idleTimeoutMs: 2 ** 40 }, 'idleTimeoutMs', /integer in/);
  rejects(t, { maxConnections: 0 }, 'maxConnections', /integer in/);
  rejects(t, { socketBufferBytes: 0 }, 'socketBufferBytes', /integer in/);
  rejects(t, { deliverMaxBytes: 9 * 1024 * 1024 }, 'deliverMaxBytes', /does not fit in a frame/);
  rejects(t, { flush: 'sometimes' as 'always' }, 'flush', /'always', 'interval', 'never', got "sometimes"/);
  rejects(t, { flushIntervalMs: 0 }, 'flushIntervalMs', /integer in/);
  rejects(t, { retentionMs: -2 }, 'retentionMs', /\[-1, /);
  rejects(t, { retentionBytes: Number.NaN }, 'retentionBytes', /got NaN/);
  rejects(t, { retentionCheckIntervalMs: 0 }, 'retentionCheckIntervalMs', /integer in/);
  rejects(t, { usersFile: '' }, 'usersFile', /must match/);
  rejects(t, { logLevel: 'loud' as 'info' }, 'logLevel', /one of 'fatal'/);
  rejects(t, { join: 'yes' as unknown as boolean }, 'join', /true or false, got "yes"/);
  rejects(t, { join: true }, 'join', /needs peers/);
  rejects(t, { raftElectionTicks: 1 }, 'raftElectionTicks', /\[2, 10000\], got 1/);
  rejects(t, { raftHeartbeatTicks: 0 }, 'raftHeartbeatTicks', /\[1, 10000\], got 0/);
  rejects(t, { raftHeartbeatTicks: 12 }, 'raftHeartbeatTicks', /must be below raftElectionTicks/);
  rejects(t, { groupHeartbeatIntervalMs: 45_000 }, 'groupHeartbeatIntervalMs', /below groupSessionTimeoutMs/);
  rejects(t, { peers: [{ id: 2, host: 'b', port: 9412 }] }, 'peers', /must list this broker \(id 1\)/);
  rejects(t, { peers: [{ id: 1, host: 'a', port: 0 }] }, 'peers', /port must be an integer in \[1, 65535\], got 0/);
  rejects(t, { peers: [{ id: 0, host: 'a', port: 1 }] }, 'peers', /broker id must be an integer in \[1, /);
  rejects(t, { brokerId: 0, peers: [{ id: 1, host: 'a', port: 1 }] }, 'peers', /must list this broker/);
  rejects(t, { portt: 1 } as BrokerConfigInput, 'portt', /unknown config field/);
  rejects(t, { toString: 1 } as BrokerConfigInput, 'toString', /unknown config field/);
  t.end();
});

void t.test('a port of 0 may be shared by both listeners; -1 retention means unlimited', (t) => {
  const config = resolveConfig({ port: 0, wsPort: 0, retentionMs: -1, retentionBytes: 0 });
  t.equal(config.port, 0);
  t.equal(config.retentionMs, -1);
  t.equal(config.retentionBytes, 0);
  t.end();
});

void t.test('sessionLimits takes the session fields of the config', (t) => {
  const config = resolveConfig({
    maxFrameBytes: 64 * 1024,
    maxMessageBytes: 32 * 1024,
    produceWindowBytes: 128 * 1024,
    deliverMaxBytes: 16 * 1024,
    maxSubscriptionsPerConnection: 50,
  });
  t.same(sessionLimits(config), {
    maxFrameBytes: 64 * 1024,
    maxMessageBytes: 32 * 1024,
    produceWindowBytes: 128 * 1024,
    handshakeTimeoutMs: 10_000,
    idleTimeoutMs: 300_000,
    maxConnections: 10_000,
    maxUnauthenticatedConnections: 1000,
    maxUnauthenticatedConnectionsPerIp: 100,
    socketBufferBytes: 1024 * 1024,
    deliverMaxBytes: 16 * 1024,
    maxSubscriptionsPerConnection: 50,
  });
  t.end();
});
