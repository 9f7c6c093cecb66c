/**
 * Deterministic simulation of quiescence. The pure Raft core knows nothing of it: the driver does (RaftGroup quiesces
 * an idle leader, RaftHost tells the followers), so this runs the real drivers: three brokers' Raft hosts, several
 * groups each, real partition logs in temp dirs, an in-process link, election jitter from a seeded runtime, and ticks
 * given by hand. It counts the messages of each tick and checks that an idle cluster's group traffic drops to zero
 * (only the per-peer `alive` remains), stays there, resumes on a proposal for that group alone, and stops again.
 *
 * Env: QUIESCE_SEED=n replays one seed.
 */
import { pino } from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import { RaftGroup, type EntryRange } from '../../broker/cluster/raft-group.js';
import { RaftHost, type HostEnvelope, type PeerLink } from '../../broker/cluster/raft-host.js';
import { encodeBatchEntry } from '../../broker/log/batch-entry.js';
import { plainBatch } from '../../broker/log/batch.js';
import { PartitionLog } from '../../broker/log/partition-log.js';
import { RaftLogStorage } from '../../broker/log/raft-log-storage.js';
import { tempDir } from '../helpers/temp-dir.js';
import { ManualRuntime } from '../unit/cluster/helpers/manual-runtime.js';
import { MemoryPeers, settle } from '../unit/cluster/helpers/memory-peers.js';

const IDS = [1, 2, 3];
const GROUPS = ['a/0', 'a/1', 'b/0', 'b/1'];
const ELECTION_TICKS = 6;
/** Ticks an idle cluster gets to fall silent (quiescing takes a few idle ticks after the last heartbeat). */
const QUIET_WITHIN_TICKS = 4 * ELECTION_TICKS;
/** Ticks the silence is watched for: several election timeouts, so a follower that still ticked would campaign. */
const STAYS_QUIET_TICKS = 5 * ELECTION_TICKS;

const replaySeed = process.env.QUIESCE_SEED === undefined ? undefined : Number(process.env.QUIESCE_SEED);
const seeds = replaySeed === undefined ? [1, 2, 3, 4, 5] : [replaySeed];

/** Messages sent during one tick, by kind. */
interface TickTraffic {
  /** Raft and quiesce/wake messages, by group. */
  readonly byGroup: Map<string, number>;
  /** Broker-level `alive` messages. */
  alive: number;
}

class Sim {
  readonly peers = new MemoryPeers();
  readonly hosts = new Map<number, RaftHost>();
  /** Replica of group `g` on broker `id`, keyed `id g`. */
  readonly replicas = new Map<string, RaftGroup>();
  private traffic: TickTraffic = { byGroup: new Map(), alive: 0 };

  constructor(
    t: Test,
    readonly seed: number,
  ) {
    const logger = pino({ level: 'silent' });
    for (const id of IDS) {
      const runtime = new ManualRuntime(seed * 100 + id);
      const host = new RaftHost({
        selfId: id,
        peers: () => IDS.filter((p) => p !== id),
        link: this.counted(this.peers.link(id)),
        endpoint: () => ({ host: '127.0.0.1', port: id, wsPort: id }),
        tickMs: 10,
        electionTicks: ELECTION_TICKS,
        logger,
        runtime,
        asyncWrites: false,
      });
      this.peers.attach(id, host);
      this.hosts.set(id, host);
      t.teardown(() => {
        host.close();
      });
      for (const g of GROUPS) {
        const log = PartitionLog.openAlone(tempDir(t, `quiescence-${String(id)}-`), {
          flush: 'never',
          retentionMs: -1,
          retentionBytes: -1,
        });
        t.teardown(() => log.close());
        const group = new RaftGroup({
          id: g,
          selfId: id,
          storage: new RaftLogStorage(log, IDS),
          electionTicks: ELECTION_TICKS,
          heartbeatTicks: 1,
          random: runtime.rng,
          events: { committed: () => undefined, leaderChanged: () => undefined },
        });
        host.add(group);
        this.replicas.set(`${String(id)} ${g}`, group);
      }
    }
  }

  /** Ticks every host once and lets the passes and deliveries it causes run; returns that tick's traffic. */
  async tick(): Promise<TickTraffic> {
    this.traffic = { byGroup: new Map(), alive: 0 };
    for (const host of this.hosts.values()) host.tick();
    await settle(12);
    return this.traffic;
  }

  /** Ticks until `done`, at most `maxTicks` times. */
  async until(done: () => boolean, maxTicks = 200): Promise<void> {
    for (let i = 0; i < maxTicks; i++) {
      if (done()) return;
      await this.tick();
    }
    throw new Error(`seed ${String(this.seed)}: condition not reached within ${String(maxTicks)} ticks`);
  }

  replicasOf(g: string): RaftGroup[] {
    return IDS.map((id) => this.replica(id, g));
  }

  leaderOf(g: string): { id: number; group: RaftGroup } | undefined {
    for (const id of IDS) {
      const group = this.replica(id, g);
      if (group.isLeader) return { id, group };
    }
    return undefined;
  }

  /** Proposes one entry on the group's leader; resolves once committed. */
  propose(g: string): Promise<EntryRange> {
    const leader = this.leaderOf(g);
    if (leader === undefined) throw new Error(`seed ${String(this.seed)}: ${g} has no leader`);
    return new Promise((resolve, reject) => {
      leader.group.propose(
        encodeBatchEntry(plainBatch([{ key: null, value: new Uint8Array([1]), timestamp: 1 }])),
        null,
        resolve,
        reject,
      );
      this.hosts.get(leader.id)?.touch(leader.group);
    });
  }

  allQuiesced(): boolean {
    return [...this.replicas.values()].every((group) => group.quiesced);
  }

  private replica(id: number, g: string): RaftGroup {
    const group = this.replicas.get(`${String(id)} ${g}`);
    if (group === undefined) throw new Error(`no replica of ${g} on ${String(id)}`);
    return group;
  }

  private counted(link: PeerLink): PeerLink {
    return {
      send: (to: number, envelope: HostEnvelope) => {
        if (envelope.group === '') {
          if ('kind' in envelope.message && envelope.message.kind === 'alive') this.traffic.alive++;
        } else {
          this.traffic.byGroup.set(envelope.group, (this.traffic.byGroup.get(envelope.group) ?? 0) + 1);
        }
        link.send(to, envelope);
      },
      flush: () => {
        link.flush();
      },
    };
  }
}

function groupMessages(traffic: TickTraffic): number {
  let total = 0;
  for (const n of traffic.byGroup.values()) total += n;
  return total;
}

/** Ticks until a tick carries no group message; returns how many ticks that took. */
async function ticksToSilence(sim: Sim): Promise<number> {
  for (let i = 1; i <= QUIET_WITHIN_TICKS; i++) {
    if (groupMessages(await sim.tick()) === 0) return i;
  }
  throw new Error(`seed ${String(sim.seed)}: group traffic did not stop within ${String(QUIET_WITHIN_TICKS)} ticks`);
}

for (const seed of seeds) {
  void t.test(`seed ${String(seed)}: idle groups fall silent, and a proposal wakes only its group`, async (t) => {
    const sim = new Sim(t, seed);
    await sim.until(() => GROUPS.every((g) => sim.leaderOf(g) !== undefined));
    await Promise.all(GROUPS.map((g) => sim.propose(g)));

    const first = await ticksToSilence(sim);
    t.ok(sim.allQuiesced(), `every replica of every group quiesced (silent after ${String(first)} ticks)`);
    for (let i = 0; i < STAYS_QUIET_TICKS; i++) {
      const traffic = await sim.tick();
      if (groupMessages(traffic) !== 0 || traffic.alive !== IDS.length * (IDS.length - 1)) {
        t.fail(`seed ${String(seed)}: tick ${String(i)} of silence carried ${JSON.stringify([...traffic.byGroup])}`);
        return;
      }
    }
    t.pass(`no group message for ${String(STAYS_QUIET_TICKS)} ticks: only one alive per broker and peer each tick`);
    const terms = GROUPS.map((g) => sim.leaderOf(g)?.group.term);

    const woken = GROUPS[0] ?? '';
    const committed = sim.propose(woken);
    const traffic = await sim.tick();
    await committed;
    t.ok((traffic.byGroup.get(woken) ?? 0) > 0, 'the proposal brought its group traffic back');
    t.same(
      [...traffic.byGroup.keys()].filter((g) => g !== woken),
      [],
      'the other groups stayed silent',
    );
    t.ok(
      GROUPS.filter((g) => g !== woken).every((g) => sim.replicasOf(g).every((r) => r.quiesced)),
      'and quiesced',
    );

    await ticksToSilence(sim);
    t.ok(sim.allQuiesced(), 'idle again, the woken group quiesced again');
    t.same(
      GROUPS.map((g) => sim.leaderOf(g)?.group.term),
      terms,
      'no election happened: quiescence never cost a leader',
    );
  });
}
