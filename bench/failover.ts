/**
 * Failover time as a client sees it: SIGKILL the leader of a replicated partition while a producer (acks=all)
 * writes one record at a time, and time from the kill to the first acknowledgement of a record sent after it.
 * The killed broker is restarted and back in sync before the next round.
 */
import { Admin, Producer, stringCodec } from '../client/index.js';
import type { LocalCluster } from './harness/local-cluster.js';

const TOPIC = 'failover';

async function leaderOf(admin: Admin): Promise<number> {
  const [topic] = await admin.describeTopics([TOPIC]);
  return topic?.partitions[0]?.leader ?? -1;
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Kills the partition leader `kills` times; returns each failover time in ms. */
export async function measureFailover(
  cluster: LocalCluster,
  kills: number,
  progress: (round: number, ms: number) => void,
): Promise<number[]> {
  const admin = new Admin({ bootstrap: cluster.bootstrap });
  await admin.createTopic(TOPIC, { partitions: 1, replicationFactor: 3 });
  await until(async () => (await leaderOf(admin)) > 0, 30_000, 'a first leader');
  const producer = new Producer<string>({
    bootstrap: cluster.bootstrap,
    codec: stringCodec(),
    acks: 'all',
    lingerMs: 0,
    retryBackoffMs: { initial: 20, max: 100 },
    deliveryTimeoutMs: 30_000,
  });
  const times: number[] = [];
  try {
    for (let round = 0; round < kills; round++) {
      await producer.send({ topic: TOPIC, partition: 0, value: `warm-${String(round)}` });
      const victim = await leaderOf(admin);
      const killedAt = performance.now();
      await cluster.kill(victim);
      await producer.send({ topic: TOPIC, partition: 0, value: `after-${String(round)}` });
      const ms = performance.now() - killedAt;
      times.push(ms);
      progress(round + 1, ms);
      await cluster.restart(victim);
      await until(
        async () => {
          const [topic] = await admin.describeTopics([TOPIC]);
          return topic?.partitions[0]?.isr.length === 3;
        },
        30_000,
        `broker ${String(victim)} back in sync`,
      );
    }
  } finally {
    await producer.close();
    await admin.close();
  }
  return times;
}
