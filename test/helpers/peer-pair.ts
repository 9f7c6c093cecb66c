/** Two real brokers forming a cluster on fixed peer ports, for tests that attack or inspect the peer port. */
import type net from 'node:net';
import type { Test } from 'tap';
import { freePorts } from '../../bench/harness/free-port.js';
import { startBrokerProcess, type BrokerProcess } from './broker-process.js';

/** A running pair: brokers 1 and 2, their peer ports, and the cluster id they made (as broker 1 logged it). */
export interface PeerPair {
  readonly brokers: readonly [BrokerProcess, BrokerProcess];
  readonly peerPorts: readonly [number, number];
  readonly clusterId: string;
}

/** Starts brokers 1 and 2 as one cluster, each with `argsOf(id)` added (certificates, secrets...). */
export async function startPeerPair(t: Test, argsOf: (id: number) => readonly string[]): Promise<PeerPair> {
  const [port1 = 0, port2 = 0] = await freePorts(2);
  const peers = `1@127.0.0.1:${String(port1)},2@127.0.0.1:${String(port2)}`;
  const start = (id: number, peerPort: number): Promise<BrokerProcess> =>
    startBrokerProcess(t, {
      args: ['--broker-id', String(id), '--peers', peers, '--peer-port', String(peerPort), ...argsOf(id)],
    });
  const brokers = await Promise.all([start(1, port1), start(2, port2)]);
  const clusterId = brokers[0].logged('broker started')[0]?.['clusterId'];
  if (typeof clusterId !== 'string') throw new Error('no clusterId in the "broker started" line');
  return { brokers, peerPorts: [port1, port2], clusterId };
}

/** Resolves once `socket` is closed, whoever closed it. */
export function socketClosed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve();
    else
      socket.once('close', () => {
        resolve();
      });
  });
}
