/**
 * Free TCP ports on 127.0.0.1 for processes that cannot listen on port 0 and report back (a cluster's peer ports,
 * which every broker must know before any starts; a peer system's server). Found by binding port 0 and releasing
 * it: another process could take one before it is used (rare; a start that fails on it can pick again).
 */
import { createServer, type Server } from 'node:net';

/** `count` distinct free ports (all bound at once, so none is returned twice). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, listenOnAnyPort));
  const ports = servers.map(portOf);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** One free port. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  return port;
}

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    });
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port from a TCP listener');
  return address.port;
}
