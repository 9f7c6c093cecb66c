/**
 * Loopback throughput of small frames through the TCP server: clients in a child process keep `inflight` pings
 * outstanding per connection; the server answers each through a real Session. Compares when a turn's writes are
 * flushed (process.nextTick, setImmediate, or no coalescing at all).
 *
 *   node dist/bench/net-frames.js [--flush tick|immediate|none] [--connections 4] [--inflight 256] [--seconds 5]
 *
 * Prints one JSON line: { flush, connections, inflight, seconds, framesPerSecond, framesPerServerCpuSecond }. The
 * second figure (frames per second of the server process's CPU time) is the steadier one on a busy machine.
 */
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { encodeFrame, requests } from '../protocol/index.js';
import type { BrokerCore, NetMetrics, SessionLimits } from '../broker/net/broker-api.js';
import { monotonicClock } from '../broker/clock.js';
import { NO_ACCESS_CONTROL } from '../broker/auth/access-control.js';
import { NO_AUTHENTICATION } from '../broker/auth/scram-authenticator.js';
import { NO_QUOTAS } from '../broker/quota/client-quotas.js';
import { SessionRegistry } from '../broker/net/session-registry.js';
import type { FlushScheduler } from '../broker/net/connection.js';
import { TcpServer } from '../broker/net/tcp-server.js';

const { values } = parseArgs({
  options: {
    flush: { type: 'string', default: 'tick' },
    connections: { type: 'string', default: '4' },
    inflight: { type: 'string', default: '256' },
    seconds: { type: 'string', default: '5' },
    client: { type: 'string' },
  },
});
const connections = Number(values.connections);
const inflight = Number(values.inflight);
const seconds = Number(values.seconds);

const schedulers: Record<string, FlushScheduler> = {
  tick: (flush) => {
    process.nextTick(flush);
  },
  immediate: (flush) => {
    setImmediate(flush);
  },
  // Uncork at once: every frame is its own write.
  none: (flush) => {
    flush();
  },
};

if (values.client !== undefined) runClients(Number(values.client));
else await runServer();

async function runServer(): Promise<void> {
  const scheduleFlush = schedulers[values.flush];
  if (scheduleFlush === undefined) throw new Error(`--flush must be one of ${Object.keys(schedulers).join(', ')}`);
  const limits: SessionLimits = {
    maxFrameBytes: 1024 * 1024,
    maxMessageBytes: 1024 * 1024,
    produceWindowBytes: 8 * 1024 * 1024,
    handshakeTimeoutMs: 10_000,
    idleTimeoutMs: 0,
    maxConnections: 1000,
    maxUnauthenticatedConnections: 1000,
    maxUnauthenticatedConnectionsPerIp: 1000,
    socketBufferBytes: 1024 * 1024,
    deliverMaxBytes: 256 * 1024,
    maxSubscriptionsPerConnection: 1000,
  };
  const registry = new SessionRegistry({ core: idleCore(), limits, clock: monotonicClock });
  const server = await TcpServer.listen({ host: '127.0.0.1', port: 0, limits, registry, scheduleFlush });
  const child = fork(process.argv[1] ?? '', ['--client', String(server.port), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  let cpuAtStart = process.cpuUsage();
  const { frames, elapsedMs } = await new Promise<{ frames: number; elapsedMs: number }>((resolve, reject) => {
    child.on('message', (m: 'start' | { frames: number; elapsedMs: number }) => {
      if (m === 'start') cpuAtStart = process.cpuUsage();
      else resolve(m);
    });
    child.once('error', reject);
  });
  const cpu = process.cpuUsage(cpuAtStart);
  const framesPerSecond = Math.round(frames / (elapsedMs / 1000));
  const framesPerServerCpuSecond = Math.round(frames / ((cpu.user + cpu.system) / 1e6));
  console.log(
    JSON.stringify({ flush: values.flush, connections, inflight, seconds, framesPerSecond, framesPerServerCpuSecond }),
  );
  await server.close();
}

/** Clients: hello, then keep `inflight` pings outstanding per connection; reports responses per second. */
function runClients(port: number): void {
  const ping = encodeFrame(requests.ping.code, 2, {}, true);
  const pings = Buffer.concat(Array.from({ length: inflight }, () => ping));
  let answered = 0;
  let measuring = false;
  for (let c = 0; c < connections; c++) {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let greeted = false;
    let carry: Buffer = Buffer.alloc(0);
    socket.on('connect', () =>
      socket.write(encodeFrame(requests.hello.code, 1, { protocolVersion: 1, clientId: 'bench' }, true)),
    );
    socket.on('data', (chunk: Buffer) => {
      const data = carry.byteLength === 0 ? chunk : Buffer.concat([carry, chunk]);
      let pos = 0;
      let frames = 0;
      while (data.byteLength - pos >= 4) {
        const length = data.readUInt32BE(pos);
        if (data.byteLength - pos - 4 < length) break;
        pos += 4 + length;
        frames++;
      }
      carry = data.subarray(pos);
      if (!greeted) {
        greeted = true;
        frames--;
        socket.write(pings);
      }
      if (measuring) answered += frames;
      if (frames > 0) socket.write(pings.subarray(0, frames * ping.byteLength));
    });
  }
  // One second of warm-up, then measure.
  setTimeout(() => {
    measuring = true;
    process.send?.('start');
    const startedMs = performance.now();
    setTimeout(() => {
      const result = { frames: answered, elapsedMs: performance.now() - startedMs };
      process.send?.(result, () => process.exit(0));
    }, seconds * 1000);
  }, 1000);
}

function idleCore(): BrokerCore {
  const metrics: NetMetrics = {
    connectionOpened: () => undefined,
    connectionClosed: () => undefined,
    requestDone: () => undefined,
    deliveryStalled: () => undefined,
    delivered: () => undefined,
    errorSent: () => undefined,
    produceThrottled: () => undefined,
  };
  const unused = (): Promise<never> => Promise.reject(new Error('not in this benchmark'));
  return {
    brokerId: 1,
    clusterId: 'bench',
    metrics,
    handlers: {
      metadata: unused,
      createTopics: unused,
      deleteTopics: unused,
      produce: unused,
      groupHeartbeat: unused,
      commitOffsets: unused,
      fetchOffsets: unused,
      findCoordinator: unused,
      listGroups: unused,
      describeGroups: unused,
      deleteGroups: unused,
      initProducer: unused,
      fetch: unused,
      listOffsets: unused,
      reassignPartitions: unused,
      alterTopicConfigs: unused,
      createPartitions: unused,
      createUser: unused,
      deleteUser: unused,
      listUsers: unused,
      createAcls: unused,
      listAcls: unused,
      deleteAcls: unused,
      removeBroker: unused,
      setQuota: unused,
      listQuotas: unused,
      removeQuota: unused,
    },
    feed: () => {
      throw new Error('not in this benchmark');
    },
    authenticator: NO_AUTHENTICATION,
    access: NO_ACCESS_CONTROL,
    quotas: NO_QUOTAS,
  };
}
