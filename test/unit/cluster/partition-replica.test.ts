/**
 * PartitionReplica, the Raft side of one replicated partition: three replicas on three in-process brokers (real
 * partition logs and Raft hosts, a memory link), on one manual runtime. Host ticks are given by hand, so a peer stays
 * live until the test ticks its liveness away, and the ISR's time rule is seen alone as the manual clock advances.
 */
import t from 'tap';
import type { Test } from 'tap';
import { Registry } from 'prom-client';
import { PartitionReplica } from '../../../broker/cluster/partition-replica.js';
import type { EntryRange } from '../../../broker/cluster/raft-group.js';
import { plainBatch } from '../../../broker/log/batch.js';
import { PartitionLog } from '../../../broker/log/partition-log.js';
import { ClusterMetrics } from '../../../broker/metrics/cluster-metrics.js';
import type { Acks } from '../../../protocol/index.js';
import { BrookError } from '../../../protocol/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { ManualRuntime } from './helpers/manual-runtime.js';
import type { RaftHost } from '../../../broker/cluster/raft-host.js';
import { MemoryPeers, settle } from './helpers/memory-peers.js';
import { pino } from 'pino';

const IDS = [1, 2, 3];
const ELECTION_TICKS = 6;
/** How long a follower that fell behind stays in the ISR (partition-replica.ts, as Kafka's replica.lag.time.max.ms). */
const ISR_LAG_MS = 10_000;

interface Broker {
  readonly id: number;
  readonly host: RaftHost;
  readonly replica: PartitionReplica;
  /** Leadership changes this replica reported, in order. */
  readonly leadership: boolean[];
  highWatermark: number;
}

interface Cluster {
  readonly runtime: ManualRuntime;
  readonly peers: MemoryPeers;
  readonly brokers: Map<number, Broker>;
  readonly registry: Registry;
  get(id: number): Broker;
  /** Lets passes and deliveries run until `done`, ticking every up broker's host when `tick` is set. */
  until(done: () => boolean, tick?: boolean): Promise<void>;
}

function startCluster(t: Test): Cluster {
  const runtime = new ManualRuntime();
  const peers = new MemoryPeers();
  const brokers = new Map<number, Broker>();
  const logger = pino({ level: 'silent' });
  const registry = new Registry();
  for (const id of IDS) {
    const log = PartitionLog.openAlone(tempDir(t, `partition-replica-${String(id)}-`), {
      flush: 'never',
      retentionMs: -1,
      retentionBytes: -1,
    });
    const host = peers.host(id, IDS, { electionTicks: ELECTION_TICKS, logger, runtime });
    const metrics = new ClusterMetrics({ replicas: () => [], livePeers: () => 0, unhostedOfflinePartitions: () => 0 });
    if (id === 1) metrics.registerIn(registry);
    const leadership: boolean[] = [];
    const broker: Broker = {
      id,
      host,
      leadership,
      highWatermark: 0,
      replica: new PartitionReplica({
        host,
        selfId: id,
        topic: 'orders',
        partition: 0,
        log,
        replicas: IDS,
        joining: false,
        electionTicks: ELECTION_TICKS,
        heartbeatTicks: 1,
        committed: (endOffset) => {
          broker.highWatermark = endOffset;
        },
        leadershipChanged: (isLeader) => leadership.push(isLeader),
        metrics,
        runtime,
      }),
    };
    brokers.set(id, broker);
    t.teardown(async () => {
      host.close();
      await log.close();
    });
  }
  const get = (id: number): Broker => {
    const broker = brokers.get(id);
    if (broker === undefined) throw new Error(`no broker ${String(id)}`);
    return broker;
  };
  const until = async (done: () => boolean, tick = false): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      if (done()) return;
      if (tick) for (const b of brokers.values()) if (!peers.down.has(b.id)) b.host.tick();
      await settle();
    }
    throw new Error('condition not reached');
  };
  return { runtime, peers, brokers, registry, get, until };
}

function append(broker: Broker, value: string, acks: Acks = -1, timeoutMs = 60_000): Promise<EntryRange> {
  return broker.replica.append(
    plainBatch([{ key: null, value: new TextEncoder().encode(value), timestamp: 1 }]),
    acks,
    timeoutMs,
    null,
  );
}

/** A cluster whose preferred leader (broker 1) leads and has committed one batch on every replica. */
async function ledCluster(t: Test): Promise<Cluster> {
  const cluster = startCluster(t);
  await cluster.until(() => cluster.get(1).replica.isLeader);
  const range = await append(cluster.get(1), 'first');
  await cluster.until(() => IDS.every((id) => cluster.get(id).highWatermark === range.lastOffset + 1), true);
  return cluster;
}

void t.test('the preferred replica of a new partition stands at once, and the others learn it', async (t) => {
  const cluster = startCluster(t);
  await cluster.until(() => IDS.every((id) => cluster.get(id).replica.leaderId === 1));
  const leader = cluster.get(1);
  t.ok(leader.replica.isLeader, 'broker 1 leads without waiting out an election timeout (no tick was given)');
  t.same(leader.leadership, [true], 'it reported becoming leader once');
  t.same(cluster.get(2).leadership, [], 'followers report nothing');
  t.same(cluster.get(2).replica.isr, [1], 'a follower reports the leader it knows as the ISR');
});

void t.test('a follower refuses appends with NOT_LEADER naming the leader', async (t) => {
  const cluster = await ledCluster(t);
  await t.rejects(append(cluster.get(2), 'x'), { code: 'NOT_LEADER', leaderId: 1 });
});

void t.test('commit latency is measured on the injected monotonic clock', async (t) => {
  const cluster = await ledCluster(t);
  const before = await latencySum(cluster.registry);
  const appended = append(cluster.get(1), 'timed');
  // The commit needs event-loop turns, so it lands after this advance.
  cluster.runtime.advance(250);
  await appended;
  t.equal((await latencySum(cluster.registry)) - before, 0.25, 'the commit took 250 ms of manual time');
});

async function latencySum(registry: Registry): Promise<number> {
  const text = await registry.getSingleMetricAsString('brook_raft_commit_latency_seconds');
  return Number(/^brook_raft_commit_latency_seconds_sum (\S+)$/m.exec(text)?.[1]);
}

void t.test('a live follower that falls behind leaves the ISR only after the lag window of manual time', async (t) => {
  const cluster = await ledCluster(t);
  const leader = cluster.get(1);
  t.same(leader.replica.isr, [1, 2, 3], 'every replica holds everything committed');
  leader.replica.sampleInSync(cluster.runtime.monotonic.nowMs());
  // Broker 3 stops hearing from the leader; no host ticks, so its liveness does not expire.
  cluster.peers.down.add(3);
  const range = await append(leader, 'second');
  t.equal(leader.highWatermark, range.lastOffset + 1, 'brokers 1 and 2 committed without 3');
  t.same(leader.replica.isr, [1, 2, 3], 'just behind: still in sync');
  cluster.runtime.advance(ISR_LAG_MS - 1);
  t.same(leader.replica.isr, [1, 2, 3], 'still in sync 1 ms before the window ends');
  cluster.runtime.advance(1);
  t.same(leader.replica.isr, [1, 2], 'out of the ISR once the window has passed');

  cluster.peers.down.delete(3);
  await cluster.until(() => cluster.get(3).highWatermark === range.lastOffset + 1, true);
  await cluster.until(() => leader.replica.isr.length === 3, true);
  t.pass('back in the ISR once it holds everything committed again');
});

void t.test('a follower found dead leaves the ISR at once, without waiting for the lag window', async (t) => {
  const cluster = await ledCluster(t);
  const leader = cluster.get(1);
  leader.replica.sampleInSync(cluster.runtime.monotonic.nowMs());
  cluster.peers.down.add(3);
  await cluster.until(() => !leader.host.isLive(3), true);
  t.ok(leader.host.isLive(2), 'broker 3 is found dead after an election timeout of silence, broker 2 stays live');
  t.same(leader.replica.isr, [1, 2], 'out of the ISR with no time having passed');
});

void t.test('acks=all times out on the injected timers; acks=1 answers once the leader has the batch', async (t) => {
  const cluster = await ledCluster(t);
  const leader = cluster.get(1);
  cluster.peers.down.add(2);
  cluster.peers.down.add(3);
  let outcome = 'pending';
  const all = append(leader, 'no quorum', -1, 500).then(
    () => (outcome = 'committed'),
    (err: unknown) => (outcome = err instanceof BrookError ? err.code : 'other error'),
  );
  const one = await append(leader, 'leader only', 1);
  t.ok(one.baseOffset > 0, 'acks=1 answered without a quorum');
  cluster.runtime.advance(499);
  await settle();
  t.equal(outcome, 'pending', 'no answer before the timeout');
  cluster.runtime.advance(1);
  await all;
  t.equal(outcome, 'REQUEST_TIMED_OUT', 'timed out after 500 ms of manual time');
  t.equal(cluster.runtime.pendingTimers, 0, 'no timer left behind');
});

void t.test(
  'a leader that is not the preferred replica hands leadership back to it when it is caught up',
  async (t) => {
    const cluster = await ledCluster(t);
    const first = cluster.get(1);
    const second = cluster.get(2);
    first.replica.group.node.transferLeadership(2);
    cluster.get(1).host.touch(first.replica.group);
    await cluster.until(() => second.replica.isLeader, true);
    t.notOk(first.replica.balanceLeadership(), 'only a leader balances');

    cluster.peers.down.add(1);
    await cluster.until(() => !second.host.isLive(1), true);
    t.notOk(second.replica.balanceLeadership(), 'not to a dead preferred replica');

    cluster.peers.down.delete(1);
    await cluster.until(() => second.replica.balanceLeadership(), true);
    t.pass('the transfer starts once the preferred replica is live and holds the whole log');
    await cluster.until(() => first.replica.isLeader, true);
    t.same(first.leadership, [true, false, true], 'broker 1 led, lost it, and leads again');
  },
);
