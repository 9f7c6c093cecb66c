/**
 * CPU of idle brokers holding many replicated partitions: after creating the partitions and waiting for every one
 * to have a leader, measure each broker's CPU time over a quiet window.
 */
import { Admin } from '../client/index.js';
import type { LocalCluster } from './harness/local-cluster.js';
import { cpuSeconds } from './harness/proc.js';

const SETTLE_MS = 25_000;

export interface IdleCpu {
  readonly partitions: number;
  /** CPU used by each broker during the window, as a percentage of one core. */
  readonly cpuPercent: number[];
  /** Resident memory of each broker, in bytes. */
  readonly rssBytes: number[];
}

export async function measureIdleCpu(cluster: LocalCluster, partitions: number, windowMs: number): Promise<IdleCpu> {
  const admin = new Admin({ bootstrap: cluster.bootstrap, requestTimeoutMs: 120_000 });
  try {
    await admin.createTopic('idle', { partitions, replicationFactor: 3 });
    const deadline = Date.now() + 180_000;
    for (;;) {
      const [topic] = await admin.describeTopics(['idle']);
      if (topic?.partitions.length === partitions && topic.partitions.every((p) => p.leader > 0)) break;
      if (Date.now() > deadline) throw new Error('not every partition got a leader within 180 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await admin.close();
  }
  // New partitions settle first: leaders move to their preferred replicas (the balancer runs every 5 s), then the
  // groups quiesce. Measured: about 20 s for 1,000 partitions on this machine.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const brokers = cluster.running();
  const before = brokers.map((b) => cpuSeconds(b.pid));
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = brokers.map((b) => cpuSeconds(b.pid));
  return {
    partitions,
    cpuPercent: brokers.map((_, i) => (((after[i] ?? 0) - (before[i] ?? 0)) / (windowMs / 1000)) * 100),
    rssBytes: brokers.map((b) => b.rssBytes()),
  };
}
