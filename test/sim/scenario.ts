/**
 * One seeded simulation run: a chaos phase (lossy, partitioned network, crashes, membership changes,
 * leadership transfers, log compaction, client proposals), then a liveness phase (everything healed: a
 * leader must emerge and a proposal commit on every voter within a bound of ticks).
 */
import { ConfigChangeType } from '../../broker/raft/index.js';
import type { NodeId } from '../../broker/raft/index.js';
import { createRng } from '../../broker/raft/rng.js';
import type { Mulberry32 } from '../../broker/raft/rng.js';
import { ROUNDS_PER_TICK, SimCluster } from './cluster.js';
import type { SimProfile, SimStats } from './cluster.js';

export class LivenessFailure extends Error {
  override readonly name = 'LivenessFailure';
}

export interface SimResult {
  readonly ticks: number;
  /** Ticks from healing to a fresh proposal committed. */
  readonly recoveryTicks: number;
  /** Ticks from that commit until every voter applied it. */
  readonly catchUpTicks: number;
  readonly committed: number;
  readonly messages: number;
  readonly checks: number;
  readonly stats: SimStats;
}

export interface SimRunOptions {
  readonly nodeCount: number;
  /** Ticks of chaos before healing. */
  readonly chaosTicks: number;
  /** Liveness bound after healing, in election timeouts. */
  readonly livenessElectionTimeouts: number;
  /** Bound on ticks for every voter to apply the committed probe (lagging replicas catch up). */
  readonly catchUpTicks: number;
  /** Receives a trace line per event (slow; for replaying one seed). */
  readonly trace?: (line: string) => void;
}

/** Full invariant sweep every this many rounds (cheap checks run every round). */
const FULL_CHECK_ROUNDS = 32;

export function drawProfile(rng: Mulberry32): SimProfile {
  const pick = <T>(values: readonly T[]): T => {
    const value = values[rng.nextInt(values.length)];
    if (value === undefined) throw new Error('empty choice');
    return value;
  };
  return {
    faults: {
      dropRate: pick([0, 0.02, 0.1, 0.3]),
      duplicateRate: pick([0, 0.02, 0.1]),
      minDelayRounds: 1,
      maxDelayRounds: pick([1, 2, 4, 12, 30]),
    },
    asyncReadyRate: pick([0, 0.2, 0.6]),
    crashInReadyRate: pick([0, 0.001, 0.005]),
    clockSkewRate: pick([0, 0.05]),
    serialize: rng.nextFloat() < 0.1,
    electionTicks: pick([5, 10]),
    maxMsgBytes: pick([64, 512, 1 << 20]),
    maxInflightMsgs: pick([1, 4, 64]),
    maxCommittedBytesPerReady: pick([256, 1 << 20]),
  };
}

export function runSim(seed: number, options: SimRunOptions): SimResult {
  const rng = createRng(seed);
  const profile = drawProfile(rng);
  const ids = Array.from({ length: options.nodeCount }, (_, i) => i + 1);
  const cluster = new SimCluster(seed, ids, profile, rng, options.trace ?? null);
  cluster.log(`profile ${JSON.stringify(profile)}`);
  const chaos = {
    proposeRate: [0.02, 0.1, 0.3][rng.nextInt(3)] ?? 0.1,
    partitionRate: [0, 0.02, 0.1][rng.nextInt(3)] ?? 0,
    crashRate: [0, 0.02, 0.1][rng.nextInt(3)] ?? 0,
    configRate: [0, 0.01, 0.03][rng.nextInt(3)] ?? 0,
    transferRate: [0, 0.01][rng.nextInt(2)] ?? 0,
    compactRate: [0, 0.02][rng.nextInt(2)] ?? 0,
    /** Probability that a new leader is crashed or cut off within a few rounds of its election. */
    leaderKillRate: [0, 0, 0.3, 0.7][rng.nextInt(4)] ?? 0,
  };
  const kills: { round: number; id: NodeId; crash: boolean }[] = [];
  cluster.log(`chaos ${JSON.stringify(chaos)}`);

  const runRounds = (rounds: number, withChaos: boolean): void => {
    for (let i = 0; i < rounds; i++) {
      cluster.step();
      if (withChaos) {
        if (rng.nextFloat() < chaos.proposeRate) cluster.proposeRandom();
        if (cluster.round % ROUNDS_PER_TICK === 0) chaosEvents(cluster, rng, chaos);
      }
      if (cluster.round % ROUNDS_PER_TICK === 0) restartDue(cluster);
      const elected = cluster.observe(cluster.round % FULL_CHECK_ROUNDS === 0);
      if (withChaos) {
        // Short reigns leave entries of many terms on minorities: the ground of Raft's figure 8.
        for (const n of elected) {
          if (rng.nextFloat() < chaos.leaderKillRate) {
            kills.push({ round: cluster.round + rng.nextInt(12), id: n.id, crash: rng.nextInt(2) === 0 });
          }
        }
        for (const kill of kills.filter((k) => k.round <= cluster.round)) {
          const victim = cluster.nodes.find((n) => n.id === kill.id);
          if (victim === undefined) continue;
          if (kill.crash) {
            cluster.crash(victim, 1 + rng.nextInt(30), 'new leader');
          } else {
            cluster.network.heal();
            cluster.network.isolate(victim.id, ids);
            cluster.log(`network ${cluster.network.describe()}`);
            cluster.stats.partitions++;
          }
        }
        kills.splice(0, kills.length, ...kills.filter((k) => k.round > cluster.round));
      }
      cluster.handleReadies();
    }
  };

  runRounds(options.chaosTicks * ROUNDS_PER_TICK, true);

  // Heal: links up, no loss, short delays, every replica running.
  cluster.log('heal');
  cluster.network.heal();
  cluster.network.faults = {
    dropRate: 0,
    duplicateRate: 0,
    minDelayRounds: 1,
    maxDelayRounds: Math.min(2, profile.faults.maxDelayRounds),
  };
  cluster.crashInReadyRate = 0;
  for (const n of cluster.nodes) cluster.restart(n);

  // Liveness: within the bound a leader commits a fresh proposal; then every voter catches up.
  const boundTicks = options.livenessElectionTimeouts * profile.electionTicks * 2;
  const healedAt = cluster.tickCount;
  const probes: string[] = [];
  let probedTerm = -1;
  let committedAt: number | undefined;
  let probeIndex = 0;
  while (committedAt === undefined) {
    if (cluster.tickCount - healedAt > boundTicks) {
      throw new LivenessFailure(`no proposal committed within ${boundTicks} ticks of healing: ${states(cluster)}`);
    }
    runRounds(ROUNDS_PER_TICK, false);
    const leader = cluster.leader();
    if (leader?.node == null || leader.raft === null) continue;
    if (probedTerm !== leader.raft.term) {
      const { data, key } = cluster.payload();
      if (leader.node.propose([data]).ok) {
        probes.push(key);
        probedTerm = leader.raft.term;
        cluster.log(`liveness probe ${key} at leader ${leader.id} term ${probedTerm}`);
      }
    }
    for (const key of probes) {
      const index = cluster.checker.committedIndexOf(key);
      if (index === undefined) continue;
      committedAt = cluster.tickCount;
      probeIndex = index;
    }
  }
  const catchUpTicks = options.catchUpTicks;
  for (;;) {
    const leader = cluster.leader();
    const voters = leader?.raft?.tracker.config.voters ?? [];
    const caughtUp = (id: NodeId): boolean => (cluster.nodes.find((n) => n.id === id)?.appliedIndex ?? 0) >= probeIndex;
    if (leader !== undefined && voters.every(caughtUp)) break;
    if (cluster.tickCount - committedAt > catchUpTicks) {
      throw new LivenessFailure(
        `voters did not apply ${probeIndex} within ${catchUpTicks} ticks of its commit: ${states(cluster)}`,
      );
    }
    runRounds(ROUNDS_PER_TICK, false);
  }
  cluster.observe(true);
  return {
    ticks: cluster.tickCount,
    recoveryTicks: committedAt - healedAt,
    catchUpTicks: cluster.tickCount - committedAt,
    committed: cluster.checker.committedCount(),
    messages: cluster.network.sent,
    checks: cluster.checker.checks,
    stats: cluster.stats,
  };
}

function states(cluster: SimCluster): string {
  return cluster.nodes
    .map((n) => {
      const r = n.raft;
      if (r === null) return `${n.id}:down`;
      return (
        `${n.id}:${r.role} t${r.term} lead ${r.lead} last ${r.log.lastIndex()} commit ${r.log.committed} ` +
        `applied ${n.appliedIndex} voters [${r.tracker.config.voters.join(',')}]`
      );
    })
    .join('; ');
}

interface ChaosRates {
  readonly partitionRate: number;
  readonly crashRate: number;
  readonly configRate: number;
  readonly transferRate: number;
  readonly compactRate: number;
}

function chaosEvents(cluster: SimCluster, rng: Mulberry32, chaos: ChaosRates): void {
  const ids = cluster.ids;
  if (rng.nextFloat() < chaos.partitionRate) changePartition(cluster, rng, ids);
  if (rng.nextFloat() < chaos.crashRate) {
    // Half the crashes hit the leader: that is what exercises elections over diverged logs (Raft fig. 8).
    const live = cluster.live();
    const victim = rng.nextInt(2) === 0 ? cluster.leader() : live[rng.nextInt(Math.max(1, live.length))];
    if (victim !== undefined) cluster.crash(victim, 1 + rng.nextInt(60), 'chaos');
  }
  const leader = cluster.leader();
  const raft = leader?.raft;
  if (leader?.node != null && raft != null) {
    if (rng.nextFloat() < chaos.configRate) {
      const voters = raft.tracker.config.voters;
      const outside = ids.filter((id) => !voters.includes(id));
      const minVoters = Math.max(2, ids.length - 2);
      const add = outside.length > 0 && (voters.length <= minVoters || rng.nextInt(2) === 0);
      const nodeId = add ? pickOne(rng, outside) : pickOne(rng, voters);
      if (add || voters.length > minVoters) {
        const type = add ? ConfigChangeType.AddVoter : ConfigChangeType.RemoveVoter;
        const result = leader.node.proposeConfigChange({ type, nodeId });
        cluster.log(`leader ${leader.id} ${type} ${nodeId}: ${result.ok ? `at ${result.firstIndex}` : result.reason}`);
        if (result.ok) cluster.stats.configChanges++;
      }
    }
    if (rng.nextFloat() < chaos.transferRate) {
      const target = pickOne(rng, raft.tracker.config.voters);
      const started = leader.node.transferLeadership(target);
      cluster.log(`leader ${leader.id} transfers to ${target}: ${String(started)}`);
      if (started && target !== leader.id) cluster.stats.transfers++;
    }
  }
  if (rng.nextFloat() < chaos.compactRate) {
    const live = cluster.live();
    const n = live[rng.nextInt(Math.max(1, live.length))];
    if (n !== undefined) {
      const upTo = n.appliedIndex - rng.nextInt(4);
      if (upTo > n.storage.firstIndex()) {
        n.storage.compact(upTo);
        cluster.log(`${n.id} compacts to ${upTo}`);
      }
    }
  }
}

function changePartition(cluster: SimCluster, rng: Mulberry32, ids: readonly NodeId[]): void {
  const net = cluster.network;
  net.heal();
  const shuffled = [...ids];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j] ?? 0, shuffled[i] ?? 0];
  }
  const cut = 1 + rng.nextInt(ids.length - 1);
  const left = shuffled.slice(0, cut);
  const right = shuffled.slice(cut);
  switch (rng.nextInt(5)) {
    case 0:
      break; // healed
    case 1:
      net.partition([left, right]);
      break;
    case 2:
      net.cutOneWay(left, right);
      break;
    case 3: {
      // A bridge node reaches both sides; the sides do not reach each other.
      const bridge = right.pop();
      if (bridge !== undefined && right.length > 0) net.bridge(left, right);
      break;
    }
    default: {
      const leader = cluster.leader();
      net.isolate(leader !== undefined && rng.nextInt(2) === 0 ? leader.id : pickOne(rng, ids), ids);
    }
  }
  cluster.log(`network ${net.describe()}`);
  cluster.stats.partitions++;
}

function restartDue(cluster: SimCluster): void {
  for (const n of cluster.nodes) {
    if (n.node === null && n.downUntilTick <= cluster.tickCount) cluster.restart(n);
  }
}

function pickOne(rng: Mulberry32, values: readonly NodeId[]): NodeId {
  const value = values[rng.nextInt(values.length)];
  if (value === undefined) throw new Error('pickOne of nothing');
  return value;
}
