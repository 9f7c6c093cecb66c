/**
 * The scenario matrix. Brook's matrix varies one knob at a time around a baseline (100 B records, 1 producer,
 * acks=1, 1 partition, 1 replica, TCP) instead of the full cross product (72 combinations); the scenarios marked
 * `peers` run on every available peer as well, interleaved run by run.
 */
import type { BrookKnobs } from './brook-system.js';

/** Which Brook deployment a scenario runs on. */
export const Deployments = { single: 'single', cluster: 'cluster', fresh: 'fresh' } as const;
export type Deployment = (typeof Deployments)[keyof typeof Deployments];

interface ScenarioBase {
  /** Stable key (results, targets, chart order). */
  readonly id: string;
  /** What the table shows. */
  readonly title: string;
  /** Brook's knobs for this scenario (the rest from the baseline). */
  readonly knobs: Partial<BrookKnobs>;
  /** Also run on every available peer. */
  readonly peers: boolean;
  /**
   * `single`: the shared broker; `cluster`: the shared 3-broker cluster; `fresh`: a broker of its own, started
   * for this scenario alone (scale points: its RSS is the scenario's).
   */
  readonly deployment: Deployment;
  readonly recordBytes: number;
}

export interface ProduceScenario extends ScenarioBase {
  readonly kind: 'produce';
  readonly records: number;
  readonly producers: number;
  /** Every run writes into the same topic (scale points: the topic is created once, its cost timed apart). */
  readonly sameTopic?: boolean;
}

export interface ConsumeScenario extends ScenarioBase {
  readonly kind: 'consume';
  /** The produce scenario whose topic (same run) is read back, all the records that run wrote. */
  readonly source: string;
}

export interface LatencyScenario extends ScenarioBase {
  readonly kind: 'latency';
  readonly ratePerSec: number;
  readonly seconds: number;
}

export interface TailScenario extends ScenarioBase {
  readonly kind: 'tail';
  readonly subscribers: number;
  /** Records produced per run (each subscriber receives all of them). */
  readonly records: number;
}

export type Scenario = ProduceScenario | ConsumeScenario | LatencyScenario | TailScenario;

/** Scale series (their own chart and table section). */
export const SCALE_PARTITIONS = [1, 8, 100, 1_000, 10_000] as const;
export const SCALE_SUBSCRIBERS = [1, 10, 100, 1_000] as const;
export const LATENCY_RATES = [1_000, 10_000, 50_000] as const;

const KiB = 1024;

function produce(
  id: string,
  title: string,
  recordBytes: number,
  records: number,
  rest: Partial<Pick<ProduceScenario, 'knobs' | 'peers' | 'deployment' | 'producers' | 'sameTopic'>> = {},
): ProduceScenario {
  return {
    kind: 'produce',
    id,
    title,
    recordBytes,
    records,
    knobs: {},
    peers: false,
    deployment: 'single',
    producers: 1,
    ...rest,
  };
}

/** The catch-up read of what produce scenario `source` wrote (same run), `recordBytes` each. */
function consume(
  id: string,
  title: string,
  source: string,
  recordBytes: number,
  rest: Partial<Pick<ConsumeScenario, 'knobs' | 'peers'>> = {},
): ConsumeScenario {
  return { kind: 'consume', id, title, source, recordBytes, knobs: {}, peers: false, deployment: 'single', ...rest };
}

function latency(
  rate: number,
  seconds: number,
  rest: Partial<Pick<LatencyScenario, 'knobs' | 'peers' | 'deployment'>> & { suffix?: string } = {},
): LatencyScenario {
  const { suffix = '', ...others } = rest;
  return {
    kind: 'latency',
    id: `latency-${String(rate / 1000)}k${suffix === '' ? '' : `-${suffix.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`}`,
    title: `latency @ ${(rate / 1000).toLocaleString('en-US')}k rec/s, 1 KiB${suffix === '' ? '' : `, ${suffix}`}`,
    recordBytes: KiB,
    ratePerSec: rate,
    seconds,
    knobs: {},
    peers: false,
    deployment: 'single',
    ...others,
  };
}

function scalePartitions(partitions: number, records: number): ProduceScenario {
  return produce(
    `scale-partitions-${String(partitions)}`,
    `produce across ${partitions.toLocaleString('en-US')} partition${partitions === 1 ? '' : 's'} (round-robin)`,
    100,
    records,
    {
      knobs: { partitions, partitioner: 'round-robin' },
      deployment: 'fresh',
      sameTopic: true,
    },
  );
}

function scaleSubscribers(subscribers: number, deliveries: number): TailScenario {
  return {
    kind: 'tail',
    id: `scale-subscribers-${String(subscribers)}`,
    title: `fan-out to ${subscribers.toLocaleString('en-US')} WebSocket subscriber${subscribers === 1 ? '' : 's'}`,
    recordBytes: 100,
    subscribers,
    records: Math.max(1_000, Math.round(deliveries / subscribers)),
    knobs: { transport: 'ws' },
    peers: false,
    deployment: 'fresh',
  };
}

/** `make bench-quick`: the headline scenarios, small, in under 2 minutes. */
export function quickPlan(): Scenario[] {
  return [
    produce('produce-100B', 'produce 100 B', 100, 200_000, { peers: true }),
    consume('consume-100B', 'consume catch-up 100 B', 'produce-100B', 100, { peers: true }),
    latency(10_000, 3, { peers: true }),
    produce('produce-100B-rf3-acksall', 'produce 100 B, RF=3, acks=all', 100, 200_000, {
      knobs: { replicas: 3, acks: 'all' },
      deployment: 'cluster',
    }),
    scalePartitions(100, 300_000),
    scaleSubscribers(10, 500_000),
  ];
}

/** `make bench`: the whole matrix. */
export function fullPlan(): Scenario[] {
  const M = 1_000_000;
  return [
    // Against the peers.
    produce('produce-100B', 'produce 100 B', 100, M, { peers: true }),
    consume('consume-100B', 'consume catch-up 100 B', 'produce-100B', 100, { peers: true }),
    produce('produce-1KiB', 'produce 1 KiB', KiB, 300_000, { peers: true }),
    consume('consume-1KiB', 'consume catch-up 1 KiB', 'produce-1KiB', KiB, { peers: true }),
    produce('produce-16KiB', 'produce 16 KiB', 16 * KiB, 20_000, { peers: true }),
    produce('produce-100B-4p', 'produce 100 B, 4 producers', 100, M, { peers: true, producers: 4 }),
    produce('produce-1KiB-4p', 'produce 1 KiB, 4 producers', KiB, 300_000, { peers: true, producers: 4 }),
    ...LATENCY_RATES.map((rate) => latency(rate, 5, { peers: true })),
    // Brook's matrix, one knob at a time.
    produce('produce-100B-acks0', 'produce 100 B, acks=0', 100, M, { knobs: { acks: 0 } }),
    produce('produce-100B-acksall', 'produce 100 B, acks=all', 100, M, { knobs: { acks: 'all' } }),
    produce('produce-100B-send', 'produce 100 B, send() (a promise per record)', 100, M, { knobs: { api: 'send' } }),
    produce('produce-100B-8part', 'produce 100 B, 8 partitions', 100, M, { knobs: { partitions: 8 } }),
    produce('produce-1KiB-8part', 'produce 1 KiB, 8 partitions', KiB, 300_000, { knobs: { partitions: 8 } }),
    produce('produce-100B-4p-8part', 'produce 100 B, 4 producers, 8 partitions', 100, M, {
      knobs: { partitions: 8 },
      producers: 4,
    }),
    // Transport.
    produce('produce-100B-ws', 'produce 100 B, WebSocket', 100, M, { knobs: { transport: 'ws' } }),
    consume('consume-100B-ws', 'consume catch-up 100 B, WebSocket', 'produce-100B-ws', 100, {
      knobs: { transport: 'ws' },
    }),
    latency(10_000, 5, { knobs: { transport: 'ws' }, suffix: 'WebSocket' }),
    // Live tail: the consumer follows while the producer writes.
    {
      kind: 'tail',
      id: 'tail-100B',
      title: 'live tail 100 B',
      recordBytes: 100,
      subscribers: 1,
      records: 500_000,
      knobs: {},
      peers: false,
      deployment: 'single',
    },
    {
      kind: 'tail',
      id: 'tail-100B-ws',
      title: 'live tail 100 B, WebSocket',
      recordBytes: 100,
      subscribers: 1,
      records: 500_000,
      knobs: { transport: 'ws' },
      peers: false,
      deployment: 'single',
    },
    // Replication factor 3 on three local brokers.
    produce('produce-100B-rf3', 'produce 100 B, RF=3', 100, 500_000, { knobs: { replicas: 3 }, deployment: 'cluster' }),
    produce('produce-100B-rf3-acksall', 'produce 100 B, RF=3, acks=all', 100, 500_000, {
      knobs: { replicas: 3, acks: 'all' },
      deployment: 'cluster',
    }),
    produce('produce-1KiB-rf3-acksall', 'produce 1 KiB, RF=3, acks=all', KiB, 200_000, {
      knobs: { replicas: 3, acks: 'all' },
      deployment: 'cluster',
    }),
    produce('produce-100B-rf3-acksall-8part', 'produce 100 B, RF=3, acks=all, 8 partitions', 100, 500_000, {
      knobs: { replicas: 3, acks: 'all', partitions: 8 },
      deployment: 'cluster',
    }),
    latency(10_000, 5, { knobs: { replicas: 3, acks: 'all' }, deployment: 'cluster', suffix: 'RF=3 acks=all' }),
    // Scale.
    // Fewer records where each partition's batches get small (round-robin): a run stays within a minute or so.
    ...SCALE_PARTITIONS.map((p) => scalePartitions(p, p >= 10_000 ? 100_000 : p >= 1_000 ? 200_000 : 500_000)),
    ...SCALE_SUBSCRIBERS.map((s) => scaleSubscribers(s, M)),
  ];
}
