/**
 * Regression (issue 14): brokers stopping together handed every Raft group back and forth until their hand-off
 * deadlines, one term per hop (a 2-broker remainder went from metadata term 3 to 120 in 3.5 s, logging hundreds of
 * "controller changed" lines). A stopping broker now says so and takes no leadership, so each group is handed over at
 * most once, to a broker that stays, or not at all.
 */
import t from 'tap';
import type { Test } from 'tap';
import { Admin } from '../../../client/index.js';
import { TestCluster, type TestCluster as Cluster } from '../../helpers/cluster.js';
import { waitFor } from '../../helpers/wait-for.js';

/** Enough groups that a hand-off takes several ticks: the hop-back window the storm needed. */
const PARTITIONS = 60;
/** A few hand-overs and at most one election per broker stopping; the storm made dozens. */
const MAX_TERM_RISE = 4;

/** The highest metadata term broker `id` logged in "controller changed". */
function metadataTerm(cluster: Cluster, id: number): number {
  return Math.max(
    0,
    ...cluster
      .broker(id)
      .logged('controller changed')
      .map((line) => Number(line['term'])),
  );
}

/** A cluster of 3 with a topic of PARTITIONS partitions on every broker, each with a leader. */
async function startLoaded(t: Test): Promise<Cluster> {
  const cluster = await TestCluster.start(t, 3);
  const admin = new Admin({ bootstrap: cluster.bootstrap, requestTimeoutMs: 30_000 });
  t.teardown(() => admin.close());
  await admin.createTopic('many', { partitions: PARTITIONS, replicationFactor: 3 });
  await waitFor(async () => (await admin.describeTopics(['many']))[0]?.partitions.every((p) => p.leader > 0), {
    timeoutMs: 30_000,
    what: 'a leader for every partition',
  });
  return cluster;
}

void t.test('two of three brokers stopping together: the third takes over without a storm', async (t) => {
  const cluster = await startLoaded(t);
  const before = metadataTerm(cluster, 3);
  await Promise.all([cluster.broker(1).stop(), cluster.broker(2).stop()]);
  const after = metadataTerm(cluster, 3);
  t.ok(after - before <= MAX_TERM_RISE, `broker 3's metadata term went from ${String(before)} to ${String(after)}`);
  for (const id of [1, 2]) {
    t.ok(
      metadataTerm(cluster, id) - before <= MAX_TERM_RISE,
      `broker ${String(id)} saw term ${String(metadataTerm(cluster, id))}`,
    );
  }
});

void t.test('the two brokers left after a crash stopping together: no hand-over back and forth', async (t) => {
  const cluster = await startLoaded(t);
  await cluster.kill(3);
  const admin = new Admin({
    bootstrap: cluster
      .running()
      .map((p) => p.bootstrap)
      .join(','),
    requestTimeoutMs: 30_000,
  });
  t.teardown(() => admin.close());
  await waitFor(async () => [1, 2].includes((await admin.describeCluster()).controllerId), {
    timeoutMs: 20_000,
    what: 'a controller among brokers 1 and 2',
  });
  const before = Math.max(metadataTerm(cluster, 1), metadataTerm(cluster, 2));
  await Promise.all([cluster.broker(1).stop(), cluster.broker(2).stop()]);
  for (const id of [1, 2]) {
    const after = metadataTerm(cluster, id);
    t.ok(
      after - before <= MAX_TERM_RISE,
      `broker ${String(id)}'s metadata term went from ${String(before)} to ${String(after)}`,
    );
  }
});
