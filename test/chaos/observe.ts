/** What the chaos test asks the cluster: partition metadata as one given broker sees it, and leaders. */
import { Admin, type PartitionMetadata } from '../../client/index.js';
import type { BrokerProcess } from '../helpers/broker-process.js';
import type { ChaosCluster } from './cluster.js';

/** Short timeouts: a paused or cut-off broker must not hold the nemesis up. */
const OBSERVE_TIMEOUT_MS = 3_000;

/** The partitions of `topic` as `broker` answers metadata (a fresh connection to it alone); rejects after 3 s. */
export async function partitionsVia(broker: BrokerProcess, topic: string): Promise<readonly PartitionMetadata[]> {
  const admin = new Admin({
    bootstrap: broker.bootstrap,
    clientId: 'chaos-observer',
    requestTimeoutMs: OBSERVE_TIMEOUT_MS,
    connectTimeoutMs: OBSERVE_TIMEOUT_MS,
    metadataWaitMs: 0,
    reconnectMaxRetries: 0,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const [description] = await Promise.race([
      admin.describeTopics([topic]),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(
            new Error(`broker ${String(broker.pid)} did not describe ${topic} within ${String(OBSERVE_TIMEOUT_MS)} ms`),
          );
        }, OBSERVE_TIMEOUT_MS);
      }),
    ]);
    if (description === undefined) throw new Error(`no description of ${topic}`);
    return description.partitions;
  } finally {
    clearTimeout(timer);
    await admin.close();
  }
}

/** The leader of `partition` as the first responsive broker that knows one says, if any. */
export async function leaderOf(cluster: ChaosCluster, topic: string, partition: number): Promise<number | undefined> {
  for (const id of cluster.responsive()) {
    try {
      const leader = (await partitionsVia(cluster.broker(id), topic))[partition]?.leader;
      if (leader !== undefined && leader >= 0) return leader;
    } catch {
      // This broker cannot answer right now: ask the next.
    }
  }
  return undefined;
}

/**
 * Leaders of partitions 0..partitions-1 if every broker names the same live leader for each; otherwise undefined
 * (for use as a waitFor condition). Replicas catching up is checked on their log files, not on metadata's isr.
 */
export async function agreedLeaders(
  cluster: ChaosCluster,
  topic: string,
  partitions: number,
): Promise<number[] | undefined> {
  const views = await Promise.all(cluster.ids.map((id) => partitionsVia(cluster.broker(id), topic)));
  const leaders: number[] = [];
  for (let p = 0; p < partitions; p++) {
    const named = new Set(views.map((view) => view[p]?.leader ?? -1));
    const [leader] = named;
    if (named.size !== 1 || leader === undefined || leader < 0 || !cluster.isAlive(leader)) return undefined;
    leaders.push(leader);
  }
  return leaders;
}

/**
 * The high watermarks of partitions 0..partitions-1 once every broker agrees on a live leader for each, and each
 * leader reports every replica in sync (Raft: its match index has reached the commit index) and a high watermark of
 * at least `minEnds[p]`; otherwise undefined (for use as a waitFor condition). A running broker holds its log files
 * exclusively, so this is how the test knows the replicas caught up before it stops them and reads their files.
 */
export async function caughtUp(
  cluster: ChaosCluster,
  topic: string,
  minEnds: readonly number[],
): Promise<number[] | undefined> {
  const leaders = await agreedLeaders(cluster, topic, minEnds.length);
  if (leaders === undefined) return undefined;
  const highWatermarks: number[] = [];
  for (const [p, leader] of leaders.entries()) {
    const meta = (await partitionsVia(cluster.broker(leader), topic))[p];
    if (meta === undefined || meta.leader !== leader) return undefined;
    const inSync = meta.replicas.every((id) => meta.isr.includes(id));
    if (!inSync || meta.highWatermark < (minEnds[p] ?? 0)) return undefined;
    highWatermarks.push(meta.highWatermark);
  }
  return highWatermarks;
}
