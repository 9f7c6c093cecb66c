/**
 * The shape every measured system has, Brook included: the harness runs each scenario the same way for every system
 * through it. It is structurally the `PeerSystem` of bench/peers/peer.ts; the peers are imported at run time so the
 * harness still runs (Brook alone, saying why) when a peer's client package is missing (they are devDependencies).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LatencySample, Measurement, loadPeers } from './peers/peer.js';

export type { LatencySample, Measurement } from './peers/peer.js';

/** Produce workload: `records` values of `recordBytes`, split over `producers` concurrent producers. */
export interface ProduceSpec {
  records: number;
  recordBytes: number;
  producers: number;
}

/** Open-loop latency workload: `ratePerSec` records of `recordBytes` for `seconds`, while a consumer tails. */
export interface LatencySpec {
  ratePerSec: number;
  seconds: number;
  recordBytes: number;
}

/** A system under test (Brook or a peer). */
export interface BenchSystem {
  readonly name: string;
  readonly version: string;
  /** One line: how durable an acknowledged record is. */
  readonly durability: string;
  start(): Promise<void>;
  produce(name: string, spec: ProduceSpec): Promise<Measurement>;
  /** Catch-up read of everything produced into `name`, from the start. */
  consume(name: string, records: number): Promise<Measurement>;
  latency(name: string, spec: LatencySpec): Promise<LatencySample[]>;
  /** Server process RSS, in bytes. */
  rssBytes(): number;
  stop(): Promise<void>;
}

/** A peer that could not be run, and why. */
export interface Unavailable {
  name: string;
  reason: string;
}

/** Typed from the peers' own declaration, so a drift between PeerSystem and BenchSystem fails to compile below. */
interface PeerModule {
  loadPeers: typeof loadPeers;
}

function isPeerModule(value: unknown): value is PeerModule {
  return typeof value === 'object' && value !== null && 'loadPeers' in value && typeof value.loadPeers === 'function';
}

/** The peers of this run from bench/peers/peer.js (`full` adds RabbitMQ Streams), or why there are none. */
export async function loadPeerSystems(full: boolean): Promise<{ peers: BenchSystem[]; unavailable: Unavailable[] }> {
  // A computed specifier: a missing peer client must not stop Brook's own figures (see the file comment).
  const specifier = pathToFileURL(path.join(import.meta.dirname, 'peers', 'peer.js')).href;
  let loaded: unknown;
  try {
    loaded = await import(specifier);
  } catch (err: unknown) {
    const reason = `bench/peers could not be loaded (${err instanceof Error ? err.message : String(err)})`;
    return { peers: [], unavailable: [{ name: 'all peers', reason }] };
  }
  if (!isPeerModule(loaded)) {
    return { peers: [], unavailable: [{ name: 'all peers', reason: 'bench/peers/peer.js has no loadPeers()' }] };
  }
  return loaded.loadPeers(full);
}
