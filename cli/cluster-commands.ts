/** `brook cluster describe`: the cluster id, its controller, and each broker with its addresses and whether it answers. */
import { Command } from 'commander';
import { brokerEndpoint, endpointName, parseBootstrap } from '@brook/client';
import { clientCommand, connection, print, type ConnectionFlags } from './client-command.js';
import { withAdmin, type CliConnection } from './client-options.js';
import type { Print } from './topic-commands.js';

/** How long a broker has to answer before it is reported as not live, in ms. */
const LIVE_TIMEOUT_MS = 2_000;

/** Prints the cluster, then one line per broker: id, addresses, live or not, and which one is the controller. */
export async function describeCluster(conn: CliConnection, print: Print): Promise<void> {
  const cluster = await withAdmin(conn, (admin) => admin.describeCluster());
  const [like] = parseBootstrap(conn.bootstrap);
  if (like === undefined) throw new Error('no bootstrap address');
  const live = await Promise.all(
    cluster.brokers.map((b) => answers({ ...conn, bootstrap: endpointName(brokerEndpoint(b, like)) })),
  );
  const controller = cluster.controllerId < 0 ? 'none' : String(cluster.controllerId);
  print(`Cluster: ${cluster.clusterId}\tController: ${controller}\tBrokers: ${String(cluster.brokers.length)}`);
  cluster.brokers.forEach((b, i) => {
    print(
      `\tBroker: ${String(b.id)}\tAddress: ${b.host}:${String(b.port)}\tWebSocket: ${String(b.wsPort)}` +
        `\tLive: ${live[i] === true ? 'yes' : 'no'}${b.id === cluster.controllerId ? '\tController' : ''}`,
    );
  });
}

/** Whether the broker at `conn.bootstrap` answers a metadata request in time (one attempt, no retries). */
async function answers(conn: CliConnection): Promise<boolean> {
  try {
    await withAdmin(conn, (admin) => admin.describeCluster(), {
      connectTimeoutMs: LIVE_TIMEOUT_MS,
      requestTimeoutMs: LIVE_TIMEOUT_MS,
      reconnectMaxRetries: 0,
    });
    return true;
  } catch {
    return false;
  }
}

/** The `brook cluster` commands. */
export function clusterCommand(): Command {
  const cluster = new Command('cluster').description('describe the cluster');
  cluster.addCommand(
    clientCommand('describe')
      .description(`brokers (addresses; live: answered within ${String(LIVE_TIMEOUT_MS)} ms) and the controller`)
      .action(async (flags: ConnectionFlags) => {
        await describeCluster(connection(flags), print);
      }),
  );
  return cluster;
}
