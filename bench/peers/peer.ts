/**
 * The peer systems Brook is benchmarked against (issue 5): NATS JetStream, Redis Streams and, in the full run,
 * RabbitMQ Streams. Each runs as a private server on 127.0.0.1 with a temp data dir and is driven through its usual
 * Node client, so the harness runs every scenario the same way for every system.
 */
import { natsJetStream } from './nats-jetstream.js';
import { rabbitmqStreams } from './rabbitmq-streams.js';
import { redisStreams } from './redis-streams.js';

/** Records and bytes moved in how long (same shape as bench/scenarios.ts). */
export interface Measurement {
  records: number;
  bytes: number;
  seconds: number;
}

/** One record of an open-loop latency run: `performance.now()` stamps in the bench process. */
export interface LatencySample {
  /** The record's intended send time (open loop: corrects for coordinated omission). */
  sendMs: number;
  /** When the consumer handed the record to the application. */
  deliverMs: number;
}

/** A peer broker the harness can start, load and stop. */
export interface PeerSystem {
  /** 'nats-jetstream' | 'redis-streams' | 'rabbitmq-streams'. */
  readonly name: string;
  /** Server version as reported by the server (after start) or its binary (before). */
  readonly version: string;
  /** One line: the durability settings the numbers were taken with. */
  readonly durability: string;
  /** Starts a private server process on 127.0.0.1 free ports with a temp data dir. */
  start(): Promise<void>;
  /**
   * Produces `records` values of `recordBytes` with `producers` concurrent producers (each its own connection), as
   * fast as the client allows with acknowledgements, into stream/topic `name` (created if absent). Resolves once
   * every record is acknowledged.
   */
  produce(name: string, spec: { records: number; recordBytes: number; producers: number }): Promise<Measurement>;
  /** Catch-up read of everything produced into `name` (from the start), until `records` have arrived. */
  consume(name: string, records: number): Promise<Measurement>;
  /**
   * Open loop: sends at `ratePerSec` for `seconds` while a consumer tails `name` (recreated empty first); one
   * sample per delivered record. Records not delivered 15 s after the last send are missing from the result (lost).
   */
  latency(name: string, spec: { ratePerSec: number; seconds: number; recordBytes: number }): Promise<LatencySample[]>;
  /** Server process RSS in bytes (0 when not running). */
  rssBytes(): number;
  /** Kills the server and removes its temp dir. */
  stop(): Promise<void>;
}

/** A peer that cannot run here, and why (e.g. its server binary is not installed). */
export interface PeerUnavailable {
  name: string;
  reason: string;
}

/** How a peer module offers itself: a reason it cannot run, or a fresh instance. */
export type PeerFactory = () => { available: true; create: () => PeerSystem } | { available: false; reason: string };

/** The peers for this run (`full` adds RabbitMQ Streams); unavailable ones come back with the reason. */
export function loadPeers(full: boolean): Promise<{ peers: PeerSystem[]; unavailable: PeerUnavailable[] }> {
  const factories: [string, PeerFactory][] = [
    ['nats-jetstream', natsJetStream],
    ['redis-streams', redisStreams],
  ];
  if (full) factories.push(['rabbitmq-streams', rabbitmqStreams]);
  const peers: PeerSystem[] = [];
  const unavailable: PeerUnavailable[] = [];
  for (const [name, factory] of factories) {
    const offer = factory();
    if (offer.available) peers.push(offer.create());
    else unavailable.push({ name, reason: offer.reason });
  }
  return Promise.resolve({ peers, unavailable });
}
