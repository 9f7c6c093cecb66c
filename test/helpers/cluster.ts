/**
 * The local cluster of the harness (bench/harness/local-cluster.ts) as tests run it: brokers from the TypeScript
 * sources, data dirs in temp dirs, every process killed in the test's teardown (before its data dir goes).
 */
import fs from 'node:fs';
import type { Test } from 'tap';
import { LocalCluster, type PeerRoutes } from '../../bench/harness/local-cluster.js';
import { killAtEnd, sourceLaunch } from './broker-process.js';
import { tempDir } from './temp-dir.js';

/** A running local cluster in a test. */
export type TestCluster = LocalCluster;

/** Options of {@link startTestCluster}. */
export interface TestClusterOptions {
  /** Broker ids are 1..size. Default 3. */
  readonly size?: number;
  /** More `brook broker` flags for every broker. */
  readonly args?: readonly string[];
  /** Give each broker this long to log "broker started", in ms. Default 60 000. */
  readonly startTimeoutMs?: number;
  /** The data dirs' name prefix. Default `brook-cluster-`. */
  readonly dataDirPrefix?: string;
  /** How brokers reach each other's peer ports (see {@link PeerRoutes}). Default: directly. */
  readonly routes?: (peerPorts: ReadonlyMap<number, number>) => Promise<PeerRoutes>;
  /** A directory whose contents broker `id` starts with (copied into its fresh data dir), e.g. a fixture. */
  readonly copyFrom?: (id: number) => string;
}

/** Starts a local cluster whose processes and data dirs are cleaned up when `t` ends. */
export function startTestCluster(t: Test, options: TestClusterOptions = {}): Promise<TestCluster> {
  const prefix = options.dataDirPrefix ?? 'brook-cluster-';
  return LocalCluster.start({
    launch: sourceLaunch(),
    size: options.size,
    args: options.args,
    startTimeoutMs: options.startTimeoutMs,
    routes: options.routes,
    // Data dirs are made before the processes start, so their removal is registered first and runs last.
    dataDir: (id) => {
      const dir = tempDir(t, `${prefix}${String(id)}-`);
      if (options.copyFrom !== undefined) fs.cpSync(options.copyFrom(id), dir, { recursive: true });
      return dir;
    },
    onSpawn: (broker) => {
      killAtEnd(t, broker);
    },
  });
}

/** The shorthand most cluster tests use. */
export const TestCluster = {
  /** Starts `size` brokers (ids 1..size) with `extraArgs` and waits until each has started. */
  start(t: Test, size = 3, extraArgs: readonly string[] = []): Promise<TestCluster> {
    return startTestCluster(t, { size, args: extraArgs });
  },
};
