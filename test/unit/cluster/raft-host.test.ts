/**
 * The Raft driver of three brokers wired together in one process: real partition logs (SQLite files in temp dirs),
 * real RaftGroups and RaftHosts, and a link that delivers each flushed envelope to the peer's host, or drops it when
 * that broker is "down". Ticks are driven by hand, and election jitter is seeded per broker.
 */
import { pino } from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import { RaftGroup, type EntryRange } from '../../../broker/cluster/raft-group.js';
import type { RaftHost } from '../../../broker/cluster/raft-host.js';
import { systemRuntime } from '../../../broker/clock.js';
import { encodeBatchEntry } from '../../../broker/log/batch-entry.js';
import { plainBatch } from '../../../broker/log/batch.js';
import { PartitionLog } from '../../../broker/log/partition-log.js';
import { RaftLogStorage } from '../../../broker/log/raft-log-storage.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { ManualRuntime } from './helpers/manual-runtime.js';
import { MemoryPeers, settle } from './helpers/memory-peers.js';

const IDS = [1, 2, 3];
const GROUP = 'topic/0';
const ELECTION_TICKS = 6;

interface Broker {
  readonly id: number;
  readonly host: RaftHost;
  readonly group: RaftGroup;
  readonly log: PartitionLog;
  highWatermark: number;
}

/** The brokers, on an in-process link. */
class Net extends MemoryPeers {
  readonly brokers = new Map<number, Broker>();
}

function batch(value: string): Uint8Array {
  const records = new TextEncoder().encode(value);
  return encodeBatchEntry(plainBatch([{ key: null, value: records, timestamp: 1 }]));
}

/** `retentionMs` applies when a test runs retention by hand (batches are stamped 1 ms after the epoch). */
function startBrokers(t: Test, retentionMs = -1): Net {
  const net = new Net();
  const logger = pino({ level: 'silent' });
  for (const id of IDS) {
    const log = PartitionLog.openAlone(tempDir(t, `raft-host-${String(id)}-`), {
      flush: 'never',
      retentionMs,
      retentionBytes: -1,
    });
    // Real timers (the hand-off pauses between attempts), seeded election jitter.
    const runtime = systemRuntime(id);
    const host = net.host(id, IDS, { electionTicks: ELECTION_TICKS, logger, runtime });
    const broker: Broker = {
      id,
      host,
      log,
      highWatermark: 0,
      group: new RaftGroup({
        id: GROUP,
        selfId: id,
        storage: new RaftLogStorage(log, IDS),
        electionTicks: ELECTION_TICKS,
        heartbeatTicks: 1,
        random: runtime.rng,
        events: {
          committed: (endOffset) => {
            broker.highWatermark = endOffset;
          },
          leaderChanged: () => undefined,
        },
      }),
    };
    host.add(broker.group);
    net.brokers.set(id, broker);
    t.teardown(async () => {
      host.close();
      await log.close();
    });
  }
  return net;
}

/** Ticks every running broker and lets the ready passes and deliveries run, until `done` or `maxTicks`. */
async function tickUntil(net: Net, done: () => boolean, maxTicks = 200): Promise<number> {
  for (let i = 0; i < maxTicks; i++) {
    if (done()) return i;
    for (const b of net.brokers.values()) if (!net.down.has(b.id)) b.host.tick();
    await settle(6);
  }
  throw new Error(`condition not reached within ${String(maxTicks)} ticks`);
}

function leaderOf(net: Net): Broker | undefined {
  return [...net.brokers.values()].find((b) => !net.down.has(b.id) && b.group.isLeader);
}

function propose(broker: Broker, value: string): Promise<EntryRange> {
  return new Promise((resolve, reject) => {
    broker.group.propose(batch(value), null, resolve, reject);
    broker.host.touch(broker.group);
  });
}

void t.test('three hosts elect a leader, commit, quiesce when idle and fail over when the leader dies', async (t) => {
  const net = startBrokers(t);
  await tickUntil(net, () => leaderOf(net) !== undefined);
  const first = leaderOf(net);
  if (first === undefined) throw new Error('no leader');

  const ranges = await Promise.all([propose(first, 'a'), propose(first, 'b'), propose(first, 'c')]);
  t.same(
    ranges.map((r) => r.lastOffset - r.baseOffset),
    [0, 0, 0],
    'each batch takes one offset',
  );
  const end = (ranges.at(-1)?.lastOffset ?? -1) + 1;
  await tickUntil(net, () => [...net.brokers.values()].every((b) => b.highWatermark === end));
  t.pass('every replica learned the commit (high watermark at the end of the last batch)');

  await tickUntil(net, () => [...net.brokers.values()].every((b) => b.group.quiesced));
  t.pass('an idle group quiesces on every replica');
  const termBefore = first.group.status().term;

  net.down.add(first.id);
  await tickUntil(net, () => {
    const next = leaderOf(net);
    return next !== undefined && next.id !== first.id;
  });
  const second = leaderOf(net);
  if (second === undefined) throw new Error('no new leader');
  t.ok(second.group.term > termBefore, 'the new leader has a later term');
  const after = await propose(second, 'd');
  t.ok(after.baseOffset >= end, 'the new leader appends after everything committed');

  net.down.delete(first.id);
  await tickUntil(net, () => first.highWatermark === after.lastOffset + 1 && !first.group.isLeader);
  t.pass('the old leader rejoins as a follower and catches up');
  const read = (b: Broker): string[] =>
    b.log.read(0, 1 << 20, after.lastOffset + 1).map((s) => `${String(s.baseOffset)}:${String(s.crc)}`);
  t.same(read(first), read(second), 'the logs are identical');
});

void t.test('a stopping leader hands its leadership to a caught-up follower', async (t) => {
  const net = startBrokers(t);
  await tickUntil(net, () => leaderOf(net) !== undefined);
  const first = leaderOf(net);
  if (first === undefined) throw new Error('no leader');
  await propose(first, 'x');
  // Hand-off waits on real time between its attempts, so the other hosts are ticked meanwhile.
  let handing = true;
  const handOff = first.host.handOffLeadership(5_000).finally(() => {
    handing = false;
  });
  await tickUntil(net, () => !handing);
  await handOff;
  t.equal(first.group.isLeader, false, 'the old leader stepped down');
  // The target leads once it has handled the Ready of its election, a pass after the old leader stepped down.
  await tickUntil(net, () => (leaderOf(net)?.id ?? first.id) !== first.id);
  t.pass('another replica leads');
});

void t.test(
  "a follower behind the leader's log start restarts from it, its high watermark there at once",
  async (t) => {
    const net = startBrokers(t, 1);
    await tickUntil(net, () => leaderOf(net) !== undefined);
    const leader = leaderOf(net);
    const lagging = [...net.brokers.values()].find((b) => b !== leader);
    if (leader === undefined || lagging === undefined) throw new Error('no leader');
    net.down.add(lagging.id);
    const ranges = await Promise.all([propose(leader, 'a'), propose(leader, 'b'), propose(leader, 'c')]);
    const end = (ranges.at(-1)?.lastOffset ?? -1) + 1;
    await tickUntil(net, () => leader.highWatermark === end);
    // Retention deletes every committed batch: the leader's log is empty from `end`, its snapshot point.
    t.ok(leader.log.applyRetention(Date.now(), end) > 0, 'retention deleted batches on the leader');
    t.equal(leader.log.logStartOffset, end, 'the leader log now starts at its end');
    t.ok(lagging.highWatermark < end, 'the stopped follower is behind the new log start');

    net.down.delete(lagging.id);
    await tickUntil(net, () => lagging.log.logStartOffset === end);
    t.pass("the follower's log restarted at the leader's log start");
    await tickUntil(net, () => lagging.highWatermark === end, 20);
    t.pass('its high watermark moved to the log start without waiting for another commit');
  },
);

void t.test('brokers stopping together hand leadership only to one that stays, once (no storm)', async (t) => {
  const net = startBrokers(t);
  await tickUntil(net, () => leaderOf(net) !== undefined);
  const leader = leaderOf(net);
  if (leader === undefined) throw new Error('no leader');
  await propose(leader, 'x');
  const [stopping, staying] = [...net.brokers.values()].filter((b) => b !== leader);
  if (stopping === undefined || staying === undefined) throw new Error('three brokers expected');
  const termBefore = leader.group.term;
  // The follower starts stopping first: it leads nothing, so its hand-off returns at once, having told its peers.
  await stopping.host.handOffLeadership(5_000);
  await settle(6);
  let handing = true;
  const handOff = leader.host.handOffLeadership(5_000).finally(() => {
    handing = false;
  });
  await tickUntil(net, () => !handing);
  await handOff;
  t.equal(leaderOf(net)?.id, staying.id, 'the broker that stays leads');
  t.equal(staying.group.term, termBefore + 1, 'one term: a single hand-over');
});

void t.test('a stopping broker declines leadership handed to it', async (t) => {
  const net = startBrokers(t);
  await tickUntil(net, () => leaderOf(net) !== undefined);
  const leader = leaderOf(net);
  if (leader === undefined) throw new Error('no leader');
  await propose(leader, 'x');
  const stopping = [...net.brokers.values()].find((b) => b !== leader);
  if (stopping === undefined) throw new Error('three brokers expected');
  await tickUntil(net, () => stopping.highWatermark === leader.highWatermark);
  await stopping.host.handOffLeadership(5_000);
  // Asked before the leader heard it is stopping (or by a broker of an older version).
  leader.group.node.transferLeadership(stopping.id);
  leader.host.touch(leader.group);
  await tickUntil(net, () => leader.group.status().leadTransferee === 0, ELECTION_TICKS * 3);
  t.equal(stopping.group.isLeader, false, 'it did not take over');
  t.equal(leaderOf(net)?.id, leader.id, 'the leader keeps leading once its transfer times out');
});

void t.test('untilLive resolves when a peer turns live, or gives up at its timeout', async (t) => {
  const runtime = new ManualRuntime();
  const host = new MemoryPeers().host(1, IDS, {
    electionTicks: ELECTION_TICKS,
    logger: pino({ level: 'silent' }),
    runtime,
  });
  t.teardown(() => {
    host.close();
  });
  let heard = false;
  const waiting = host
    .untilLive(() => host.isLive(2), 3_000)
    .then(() => {
      heard = true;
    });
  await settle();
  t.notOk(heard, 'not before broker 2 is heard from');
  host.receive(2, []);
  await waiting;
  t.ok(host.isLive(2), 'resolved by the first message from broker 2, with no time passing');

  let gaveUp = false;
  const silent = host
    .untilLive(() => host.isLive(3), 3_000)
    .then(() => {
      gaveUp = true;
    });
  runtime.advance(2_999);
  await settle();
  t.notOk(gaveUp, 'still waiting just before the timeout');
  runtime.advance(1);
  await silent;
  t.notOk(host.isLive(3), 'given up on at the timeout, broker 3 still silent');
});
