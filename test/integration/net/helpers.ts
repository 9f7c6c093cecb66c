/**
 * Real servers on 127.0.0.1 port 0 over a small fake core (no log, no topics), for the network layer's tests; they
 * speak to it with the raw-protocol test client (test/helpers/raw-connection.ts).
 */
import type { Test } from 'tap';
import { BrookError, type RequestOf, type ResponseOf } from '../../../protocol/index.js';
import { noGroupHandlers } from '../../helpers/no-group-handlers.js';
import type { BrokerCore, NetMetrics, SessionLimits } from '../../../broker/net/broker-api.js';
import { startServers, type RunningServers, type StartServersOptions } from '../../../broker/net/servers.js';
import { NO_ACCESS_CONTROL } from '../../../broker/auth/access-control.js';
import { NO_AUTHENTICATION } from '../../../broker/auth/scram-authenticator.js';
import { NO_QUOTAS } from '../../../broker/quota/client-quotas.js';

export const testLimits: SessionLimits = {
  maxFrameBytes: 64 * 1024,
  maxMessageBytes: 16 * 1024,
  produceWindowBytes: 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxConnections: 100,
  maxUnauthenticatedConnections: 100,
  maxUnauthenticatedConnectionsPerIp: 100,
  socketBufferBytes: 256 * 1024,
  deliverMaxBytes: 64 * 1024,
  maxSubscriptionsPerConnection: 1000,
};

const noMetrics: NetMetrics = {
  connectionOpened: () => undefined,
  connectionClosed: () => undefined,
  requestDone: () => undefined,
  deliveryStalled: () => undefined,
  delivered: () => undefined,
  errorSent: () => undefined,
  produceThrottled: () => undefined,
};

/** A core with no topics whose produce answers when `releaseProduces` is called (or at once if `autoAck`). */
export class FakeCore implements BrokerCore {
  readonly brokerId = 1;
  readonly clusterId = 'net-test';
  readonly metrics = noMetrics;
  autoAck = true;
  private held: (() => void)[] = [];
  readonly handlers = {
    metadata: () => Promise.resolve({ clusterId: this.clusterId, controllerId: 1, brokers: [], topics: [] }),
    createTopics: () => Promise.reject(new BrookError('INVALID_TOPIC')),
    deleteTopics: () => Promise.reject(new BrookError('UNKNOWN_TOPIC')),
    fetch: () => Promise.reject(new BrookError('UNKNOWN_TOPIC')),
    listOffsets: () => Promise.reject(new BrookError('UNKNOWN_TOPIC')),
    initProducer: () => Promise.resolve({ producerId: 0, producerEpoch: 0 }),
    reassignPartitions: () => Promise.reject(new BrookError('INVALID_REPLICA_ASSIGNMENT')),
    alterTopicConfigs: () => Promise.reject(new BrookError('UNKNOWN_TOPIC')),
    createPartitions: () => Promise.reject(new BrookError('UNKNOWN_TOPIC')),
    createUser: () => Promise.reject(new BrookError('INVALID_REQUEST')),
    deleteUser: () => Promise.reject(new BrookError('UNKNOWN_USER')),
    listUsers: () => Promise.resolve({ users: [] }),
    createAcls: () => Promise.resolve({}),
    listAcls: () => Promise.resolve({ acls: [] }),
    deleteAcls: () => Promise.resolve({ acls: [] }),
    removeBroker: () => Promise.resolve({ partitions: [] }),
    setQuota: () => Promise.resolve({}),
    listQuotas: () => Promise.resolve({ quotas: [] }),
    removeQuota: () => Promise.resolve({}),
    ...noGroupHandlers(),
    produce: (request: RequestOf<'produce'>): Promise<ResponseOf<'produce'>> => {
      const response = {
        partitions: request.partitions.map((p) => ({ topic: p.topic, partition: p.partition, baseOffset: 0 })),
      };
      if (this.autoAck) return Promise.resolve(response);
      return new Promise((resolve) => {
        this.held.push(() => {
          resolve(response);
        });
      });
    },
  };

  /** Produces held so far. */
  get heldProduces(): number {
    return this.held.length;
  }

  releaseProduces(): void {
    for (const release of this.held.splice(0)) release();
  }

  feed(): never {
    throw new BrookError('UNKNOWN_TOPIC');
  }

  readonly authenticator = NO_AUTHENTICATION;
  readonly access = NO_ACCESS_CONTROL;
  readonly quotas = NO_QUOTAS;
}

export interface TestServers {
  core: FakeCore;
  servers: RunningServers;
  ready: { value: boolean };
}

/** Starts both servers on 127.0.0.1 port 0 (with `options` over the test's) and closes them in teardown. */
export async function startTestServers(
  t: Test,
  limits: Partial<SessionLimits> = {},
  options: Pick<StartServersOptions, 'allowedOrigins' | 'metricsToken'> = {},
): Promise<TestServers> {
  const core = new FakeCore();
  const ready = { value: false };
  const servers = await startServers({
    core,
    limits: { ...testLimits, ...limits },
    host: '127.0.0.1',
    tcpPort: 0,
    wsPort: 0,
    metricsText: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4', body: 'brook_test_total 1\n' }),
    isReady: () => ready.value,
    ...options,
  });
  t.teardown(() => servers.close());
  return { core, servers, ready };
}
