/**
 * Issue 4's rebalance target as a client sees it: a group of 10 consumers (each its own connections, default sticky
 * assignor) reads a topic that a producer writes at a steady rate. Each round one member leaves cleanly (close())
 * and a new one joins. Measured per round, from the members' onAssigned/onRevoked hooks and the time every record
 * is taken:
 *
 * - leave: from close() until every partition is owned again, by exactly one member; and until each of the
 *   leaver's partitions gave its new owner a record;
 * - join: from subscribe() until the group is settled again (every partition owned once, counts within one) with
 *   the newcomer owning its share;
 * - the longest pause of the partitions that did not move, over each rebalance window (and, for comparison, over
 *   a quiet second before it).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRng } from '../broker/raft/rng.js';
import { Admin, Consumer, Producer, type TopicPartition } from '../client/index.js';
import { ConsumptionLog, OwnershipLog, type OwnershipWatch } from './rebalance-log.js';
import { SteadyLoad } from './steady-load.js';

const TOPIC = 'rebalance';
const GROUP = 'rebalance-bench';
/** Quiet time measured before each round, for the pause a partition has anyway, in ms. */
const QUIET_WINDOW_MS = 1_000;
/** After a rebalance, how long records keep coming before its pauses are measured (closing the last interval). */
const TAIL_MS = 500;

/** What to measure, and on what. */
export interface RebalanceOptions {
  readonly bootstrap: string;
  /** The brokers' groupHeartbeatIntervalMs (the unit of the target), in ms. */
  readonly heartbeatIntervalMs: number;
  readonly rounds: number;
  /** Group size. Default 10. */
  readonly members?: number;
  /** Partitions of the topic. Default 30. */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Records the producer writes per second, spread evenly over the partitions. Default 3 000. */
  readonly recordsPerSec?: number;
  /** Seed of the jitter: when each first member joins, and when in its heartbeat interval each leave happens. */
  readonly seed: number;
  /** Longest wait for one rebalance or settle step, in ms. Default max(30 000, 10 heartbeat intervals). */
  readonly stepTimeoutMs?: number;
  readonly progress: (line: string) => void;
}

/** One round's figures, in ms. */
export interface RoundFigures {
  /** close() of the leaver until every partition is owned again by exactly one member. */
  readonly leaveMs: number;
  /** close() of the leaver until each of its partitions gave a record to its new owner. */
  readonly leaveResumedMs: number;
  /** close() of the leaver until it returned (revoke, commit, leave heartbeat). */
  readonly leaveCloseMs: number;
  /** Partitions whose owner changed in the leave (the leaver's, if the assignor is sticky). */
  readonly leaveMoved: number;
  /** Longest pause of a partition that did not move, over [close(), every partition owned]. */
  readonly leaveUnaffectedMaxGapMs: number;
  /** The partition of that pause, and when it began (ms after close(); negative: before). */
  readonly leaveWorstPartition: number;
  readonly leaveWorstFromMs: number;
  /** subscribe() of the newcomer until the group settled with it owning its share. */
  readonly joinMs: number;
  /** subscribe() of the newcomer until each partition it got gave it a record. */
  readonly joinResumedMs: number;
  readonly joinMoved: number;
  readonly joinUnaffectedMaxGapMs: number;
  readonly joinWorstPartition: number;
  readonly joinWorstFromMs: number;
  /** Longest pause of any partition over a quiet second before the round. */
  readonly quietMaxGapMs: number;
}

export interface RebalanceFigures {
  /** Rounds completed (fewer than asked if a step timed out: see `stoppedEarly`). */
  readonly rounds: RoundFigures[];
  /** First subscribe() until the first 10 members settled, in ms. */
  readonly formMs: number;
  readonly producedPerSec: number;
  readonly consumedRecords: number;
  /** Grants of a partition another member still held (must be 0). */
  readonly doubleGrants: number;
  /** Errors from members' iterators and the producer. */
  readonly errors: string[];
  /** Event-loop delay of the benchmark process (which runs every member): p99 and max, in ms. */
  readonly eventLoopDelayMs: { readonly p99: number; readonly max: number };
  readonly stoppedEarly?: string;
}

/** The longest pause of some partitions over a window. */
interface Pause {
  readonly ms: number;
  readonly partition: number;
  /** When it began, in ms after the window's start. */
  readonly startMs: number;
}

interface Member {
  readonly name: string;
  readonly consumer: Consumer<number>;
  readonly reading: Promise<void>;
}

/** The members in the benchmark process, what their hooks and iterators reported, and waits over them. */
class BenchGroup {
  readonly ownership: OwnershipLog;
  readonly consumption: ConsumptionLog;
  /** The members in the group, oldest first. */
  readonly members: Member[] = [];
  readonly errors: string[] = [];
  consumed = 0;
  /** Every member started, the ones that left included (closed again at the end: close() is idempotent). */
  private readonly started: Member[] = [];
  private named = 0;

  constructor(
    private readonly bootstrap: string,
    readonly partitions: number,
    private readonly stepTimeoutMs: number,
  ) {
    this.ownership = new OwnershipLog(partitions);
    this.consumption = new ConsumptionLog(partitions);
  }

  /** Starts a new member (subscribe() returns at once) and adds it to `members`. */
  join(): Member {
    const name = `m${String(++this.named)}`;
    const consumer = new Consumer<number>({
      bootstrap: this.bootstrap,
      clientId: name,
      groupId: GROUP,
      onAssigned: (tps) => {
        this.ownership.assigned(name, partitionsOf(tps), performance.now());
      },
      onRevoked: (tps) => {
        this.ownership.revoked(name, partitionsOf(tps), performance.now());
      },
    });
    consumer.subscribe(TOPIC);
    const reading = (async () => {
      try {
        for await (const record of consumer) {
          this.consumption.record(record.partition, name, performance.now());
          this.consumed++;
        }
      } catch (err: unknown) {
        this.errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    })();
    const member = { name, consumer, reading };
    this.members.push(member);
    this.started.push(member);
    return member;
  }

  names(): string[] {
    return this.members.map((m) => m.name);
  }

  /** The sole owner of each partition now (undefined: none or several). */
  owners(): (string | undefined)[] {
    return range(this.partitions).map((p) => this.ownership.soleOwner(p));
  }

  /** Resolves with the time `holds` first became true (stamped by the hooks), or throws after the step timeout. */
  async until(what: string, holds: () => boolean): Promise<number> {
    const watch: OwnershipWatch = this.ownership.watch(holds, performance.now());
    try {
      await this.poll(what, () => watch.atMs !== undefined);
    } finally {
      this.ownership.unwatch(watch);
    }
    return watch.atMs ?? NaN;
  }

  /** Waits until `check` holds (polled every 10 ms), or throws after the step timeout. */
  async poll(what: string, check: () => boolean): Promise<void> {
    const deadline = performance.now() + this.stepTimeoutMs;
    while (!check()) {
      if (performance.now() > deadline) {
        throw new Error(`timed out after ${String(this.stepTimeoutMs)} ms waiting for ${what}`);
      }
      await sleep(10);
    }
  }

  /** Every partition gave some member a record within the last 250 ms. */
  flowing(): boolean {
    const now = performance.now();
    return range(this.partitions).every((p) => now - (this.consumption.lastMs(p) ?? -Infinity) <= 250);
  }

  /** Waits until each of `moved` gave its (sole) owner a record at or after `fromMs`; returns the last, after fromMs. */
  async resumed(moved: readonly number[], fromMs: number): Promise<number> {
    let last = fromMs;
    await this.poll('the moved partitions to deliver to their new owners', () =>
      moved.every((p) => {
        const owner = this.ownership.soleOwner(p);
        const at = owner === undefined ? undefined : this.consumption.firstBy(p, owner, fromMs);
        if (at !== undefined) last = Math.max(last, at);
        return at !== undefined;
      }),
    );
    return last - fromMs;
  }

  /** The longest pause among partitions `ps` over [fromMs, toMs]. */
  longestPause(ps: readonly number[], fromMs: number, toMs: number): Pause {
    let worst: Pause = { ms: 0, partition: -1, startMs: 0 };
    for (const p of ps) {
      const gap = this.consumption.longestGap(p, fromMs, toMs);
      if (gap.ms > worst.ms) worst = { ms: gap.ms, partition: p, startMs: gap.startMs - fromMs };
    }
    return worst;
  }

  /** Closes every member ever started. */
  async close(): Promise<void> {
    await Promise.all(this.started.map(async (m) => m.consumer.close().then(() => m.reading)));
  }
}

type LeaveFigures = Pick<
  RoundFigures,
  | 'leaveMs'
  | 'leaveResumedMs'
  | 'leaveCloseMs'
  | 'leaveMoved'
  | 'leaveUnaffectedMaxGapMs'
  | 'leaveWorstPartition'
  | 'leaveWorstFromMs'
>;
type JoinFigures = Pick<
  RoundFigures,
  'joinMs' | 'joinResumedMs' | 'joinMoved' | 'joinUnaffectedMaxGapMs' | 'joinWorstPartition' | 'joinWorstFromMs'
>;

/** The oldest member leaves cleanly; measured until every partition is owned again, by exactly one member. */
async function leaveRound(group: BenchGroup): Promise<LeaveFigures> {
  const leaver = group.members.shift();
  if (leaver === undefined) throw new Error('no member to leave');
  const { ownership } = group;
  const before = group.owners();
  const startMs = performance.now();
  const closed = leaver.consumer.close().then(() => performance.now());
  const endMs = await group.until(`the partitions of ${leaver.name} to be owned again`, () => {
    return ownership.ownedBy(leaver.name).length === 0 && ownership.complete();
  });
  const closeMs = (await closed) - startMs;
  await leaver.reading;
  const { moved, resumedMs, pause } = await settleChange(group, before, startMs, endMs, 'the leave');
  return {
    leaveMs: endMs - startMs,
    leaveResumedMs: resumedMs,
    leaveCloseMs: closeMs,
    leaveMoved: moved.length,
    leaveUnaffectedMaxGapMs: pause.ms,
    leaveWorstPartition: pause.partition,
    leaveWorstFromMs: pause.startMs,
  };
}

/**
 * After a membership change measured from `startMs` to `endMs`: the partitions that moved, when they resumed, the
 * longest pause of the others; then waits for every partition to flow again.
 */
async function settleChange(
  group: BenchGroup,
  before: ReturnType<BenchGroup['owners']>,
  startMs: number,
  endMs: number,
  change: string,
): Promise<{ moved: number[]; resumedMs: number; pause: ReturnType<BenchGroup['longestPause']> }> {
  const after = group.owners();
  const moved = range(group.partitions).filter((p) => before[p] !== after[p]);
  const resumedMs = await group.resumed(moved, startMs);
  await sleep(TAIL_MS);
  const pause = group.longestPause(
    range(group.partitions).filter((p) => !moved.includes(p)),
    startMs,
    endMs,
  );
  await group.poll(`every partition flowing after ${change}`, () => group.flowing());
  return { moved, resumedMs, pause };
}

/** A new member joins; measured until the group is settled with it owning its share. */
async function joinRound(group: BenchGroup, size: number): Promise<JoinFigures> {
  const before = group.owners();
  const startMs = performance.now();
  const newcomer = group.join();
  const share = Math.floor(group.partitions / size);
  const endMs = await group.until(`${newcomer.name} to get its share`, () => {
    return group.ownership.ownedBy(newcomer.name).length >= share && group.ownership.settled(group.names());
  });
  const { moved, resumedMs, pause } = await settleChange(group, before, startMs, endMs, 'the join');
  return {
    joinMs: endMs - startMs,
    joinResumedMs: resumedMs,
    joinMoved: moved.length,
    joinUnaffectedMaxGapMs: pause.ms,
    joinWorstPartition: pause.partition,
    joinWorstFromMs: pause.startMs,
  };
}

/** Runs the rounds against a cluster that is up and whose group heartbeat interval is `heartbeatIntervalMs`. */
export async function measureRebalance(options: RebalanceOptions): Promise<RebalanceFigures> {
  const size = options.members ?? 10;
  const partitions = options.partitions ?? 30;
  const { bootstrap, progress, heartbeatIntervalMs } = options;
  const rng = createRng(options.seed);
  const admin = new Admin({ bootstrap });
  await admin.createTopic(TOPIC, { partitions, replicationFactor: options.replicationFactor ?? 1 });
  await admin.close();

  const group = new BenchGroup(
    bootstrap,
    partitions,
    options.stepTimeoutMs ?? Math.max(30_000, 10 * heartbeatIntervalMs),
  );
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const producer = new Producer<number>({ bootstrap, lingerMs: 5 });
  const load = new SteadyLoad(producer, TOPIC, partitions, options.recordsPerSec ?? 3_000, (message) => {
    if (group.errors.length < 20) group.errors.push(`producer: ${message}`);
  });
  const rounds: RoundFigures[] = [];
  let formMs = 0;
  let stoppedEarly: string | undefined;
  let producedPerSec: number;
  try {
    const formStart = performance.now();
    // Joins spread over about one interval, so that the members' heartbeats are not in step (they would be if all
    // joined at once, and then every leave would wait for the same heartbeat).
    for (let i = 0; i < size; i++) {
      group.join();
      await sleep(rng.nextInt(Math.max(1, Math.floor((2 * heartbeatIntervalMs) / size))));
    }
    formMs =
      (await group.until(`${String(size)} members to settle`, () => group.ownership.settled(group.names()))) -
      formStart;
    progress(`group of ${String(size)} settled in ${formMs.toFixed(0)} ms; producing`);
    load.start();
    await group.poll('every partition flowing', () => group.flowing());

    for (let round = 1; round <= options.rounds; round++) {
      group.consumption.trim(performance.now() - 2 * QUIET_WINDOW_MS);
      // A leave comes at any point of the members' heartbeat intervals.
      await sleep(QUIET_WINDOW_MS + rng.nextInt(heartbeatIntervalMs));
      const quietTo = performance.now();
      const quietMaxGapMs = group.longestPause(range(partitions), quietTo - QUIET_WINDOW_MS, quietTo).ms;
      const figures: RoundFigures = { ...(await leaveRound(group)), ...(await joinRound(group, size)), quietMaxGapMs };
      rounds.push(figures);
      progress(`round ${String(round)}/${String(options.rounds)}: ${describeRound(figures)}`);
    }
  } catch (err: unknown) {
    stoppedEarly = err instanceof Error ? err.message : String(err);
    progress(`stopped early: ${stoppedEarly}`);
  } finally {
    producedPerSec = await load.stop();
    await group.close();
    await producer.close({ timeoutMs: 5_000 }).catch(() => undefined);
    delay.disable();
  }
  return {
    rounds,
    formMs,
    producedPerSec,
    consumedRecords: group.consumed,
    doubleGrants: group.ownership.doubleGrants,
    errors: group.errors,
    eventLoopDelayMs: { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
    ...(stoppedEarly === undefined ? {} : { stoppedEarly }),
  };
}

function describeRound(r: RoundFigures): string {
  const pause = (gapMs: number, partition: number, fromMs: number): string =>
    `${ms(gapMs)} on p${String(partition)} from ${ms(fromMs)}`;
  return (
    `leave ${ms(r.leaveMs)} (close ${ms(r.leaveCloseMs)}, resumed ${ms(r.leaveResumedMs)}, ${String(r.leaveMoved)} ` +
    `moved, others' longest pause ${pause(r.leaveUnaffectedMaxGapMs, r.leaveWorstPartition, r.leaveWorstFromMs)}); ` +
    `join ${ms(r.joinMs)} (resumed ${ms(r.joinResumedMs)}, ${String(r.joinMoved)} moved, others' longest pause ` +
    `${pause(r.joinUnaffectedMaxGapMs, r.joinWorstPartition, r.joinWorstFromMs)}); quiet pause ${ms(r.quietMaxGapMs)}`
  );
}

function partitionsOf(tps: readonly TopicPartition[]): number[] {
  return tps.map((tp) => tp.partition);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}
