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
import { Admin, Consumer, Producer } from '../client/index.js';
import { ConsumptionLog, OwnershipLog, type OwnershipWatch } from './rebalance-log.js';

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

/** Runs the rounds against a cluster that is up and whose group heartbeat interval is `heartbeatIntervalMs`. */
export async function measureRebalance(options: RebalanceOptions): Promise<RebalanceFigures> {
  const size = options.members ?? 10;
  const partitions = options.partitions ?? 30;
  const { bootstrap, progress, heartbeatIntervalMs } = options;
  const stepTimeoutMs = options.stepTimeoutMs ?? Math.max(30_000, 10 * heartbeatIntervalMs);
  const rng = createRng(options.seed);
  const admin = new Admin({ bootstrap });
  await admin.createTopic(TOPIC, { partitions, replicationFactor: options.replicationFactor ?? 1 });
  await admin.close();

  const ownership = new OwnershipLog(partitions);
  const consumption = new ConsumptionLog(partitions);
  const errors: string[] = [];
  const members: Member[] = [];
  /** Every member started, the ones that left included (closed again at the end: close() is idempotent). */
  const started: Member[] = [];
  let named = 0;
  let consumed = 0;
  const join = (): Member => {
    const name = `m${String(++named)}`;
    const consumer = new Consumer<number>({
      bootstrap,
      clientId: name,
      groupId: GROUP,
      onAssigned: (tps) => {
        ownership.assigned(
          name,
          tps.map((tp) => tp.partition),
          performance.now(),
        );
      },
      onRevoked: (tps) => {
        ownership.revoked(
          name,
          tps.map((tp) => tp.partition),
          performance.now(),
        );
      },
    });
    consumer.subscribe(TOPIC);
    const reading = (async () => {
      try {
        for await (const record of consumer) {
          consumption.record(record.partition, name, performance.now());
          consumed++;
        }
      } catch (err: unknown) {
        errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    })();
    const member = { name, consumer, reading };
    started.push(member);
    return member;
  };
  const names = (): string[] => members.map((m) => m.name);

  /** Resolves with the time `holds` first became true (from the hooks' stamps), or throws after stepTimeoutMs. */
  const until = async (what: string, holds: () => boolean): Promise<number> => {
    const watch: OwnershipWatch = ownership.watch(holds, performance.now());
    const deadline = performance.now() + stepTimeoutMs;
    while (watch.atMs === undefined) {
      if (performance.now() > deadline) {
        ownership.unwatch(watch);
        throw new Error(`timed out after ${String(stepTimeoutMs)} ms waiting for ${what}`);
      }
      await sleep(10);
    }
    return watch.atMs;
  };
  /** Waits until `check` holds (polled; for conditions over consumption). */
  const poll = async (what: string, check: () => boolean): Promise<void> => {
    const deadline = performance.now() + stepTimeoutMs;
    while (!check()) {
      if (performance.now() > deadline)
        throw new Error(`timed out after ${String(stepTimeoutMs)} ms waiting for ${what}`);
      await sleep(10);
    }
  };
  const allFlowing = (): boolean => {
    const now = performance.now();
    for (let p = 0; p < partitions; p++) if (now - (consumption.lastMs(p) ?? -Infinity) > 250) return false;
    return true;
  };
  const firstByNewOwners = async (moved: readonly number[], fromMs: number): Promise<number> => {
    let last = fromMs;
    await poll('the moved partitions to deliver to their new owners', () =>
      moved.every((p) => {
        const owner = ownership.soleOwner(p);
        const at = owner === undefined ? undefined : consumption.firstBy(p, owner, fromMs);
        if (at !== undefined) last = Math.max(last, at);
        return at !== undefined;
      }),
    );
    return last - fromMs;
  };
  const ownersNow = (): (string | undefined)[] => Array.from({ length: partitions }, (_, p) => ownership.soleOwner(p));
  /** The longest pause among partitions `ps` over the window: how long, which partition, from when (ms after fromMs). */
  const gapsOf = (ps: readonly number[], fromMs: number, toMs: number): Pause => {
    let worst: Pause = { ms: 0, partition: -1, startMs: 0 };
    for (const p of ps) {
      const gap = consumption.longestGap(p, fromMs, toMs);
      if (gap.ms > worst.ms) worst = { ms: gap.ms, partition: p, startMs: gap.startMs - fromMs };
    }
    return worst;
  };

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const producer = new Producer<number>({ bootstrap, lingerMs: 5 });
  const load = new SteadyLoad(producer, partitions, options.recordsPerSec ?? 3_000, (message) => {
    if (errors.length < 20) errors.push(`producer: ${message}`);
  });
  const rounds: RoundFigures[] = [];
  let formMs = 0;
  let stoppedEarly: string | undefined;
  let producedPerSec: number;
  try {
    const formStart = performance.now();
    // Spread over one interval, so that the members' heartbeats are not all in step (they would be if all joined at
    // once, and then every leave would wait for the same heartbeat).
    for (let i = 0; i < size; i++) {
      members.push(join());
      await sleep(rng.nextInt(Math.max(1, Math.floor((2 * heartbeatIntervalMs) / size))));
    }
    formMs = (await until(`${String(size)} members to settle`, () => ownership.settled(names()))) - formStart;
    progress(`group of ${String(size)} settled in ${formMs.toFixed(0)} ms; producing`);
    load.start();
    await poll('every partition flowing', allFlowing);

    for (let round = 1; round <= options.rounds; round++) {
      consumption.trim(performance.now() - 2 * QUIET_WINDOW_MS);
      // A leave comes at any point of the members' heartbeat intervals.
      await sleep(QUIET_WINDOW_MS + rng.nextInt(heartbeatIntervalMs));
      const quietTo = performance.now();
      const quietMaxGapMs = gapsOf(range(partitions), quietTo - QUIET_WINDOW_MS, quietTo).ms;

      // One member leaves cleanly.
      const leaver = members.shift();
      if (leaver === undefined) break;
      const before = ownersNow();
      const leaveStart = performance.now();
      const closed = leaver.consumer.close();
      const leaveEnd = await until(`the partitions of ${leaver.name} to be owned again`, () => {
        return ownership.ownedBy(leaver.name).length === 0 && ownership.complete();
      });
      await closed;
      const leaveCloseMs = performance.now() - leaveStart;
      await leaver.reading;
      const afterLeave = ownersNow();
      const leaveMovedParts = range(partitions).filter((p) => before[p] !== afterLeave[p]);
      const leaveResumedMs = await firstByNewOwners(leaveMovedParts, leaveStart);
      await sleep(TAIL_MS);
      const leaveStill = range(partitions).filter((p) => !leaveMovedParts.includes(p));
      const leavePause = gapsOf(leaveStill, leaveStart, leaveEnd);
      await poll('every partition flowing after the leave', allFlowing);

      // A new member joins: back to `size`.
      const beforeJoin = ownersNow();
      const joinStart = performance.now();
      const newcomer = join();
      members.push(newcomer);
      const share = Math.floor(partitions / size);
      const joinEnd = await until(`${newcomer.name} to get its share`, () => {
        return ownership.ownedBy(newcomer.name).length >= share && ownership.settled(names());
      });
      const afterJoin = ownersNow();
      const joinMovedParts = range(partitions).filter((p) => beforeJoin[p] !== afterJoin[p]);
      const joinResumedMs = await firstByNewOwners(joinMovedParts, joinStart);
      await sleep(TAIL_MS);
      const joinStill = range(partitions).filter((p) => !joinMovedParts.includes(p));
      const joinPause = gapsOf(joinStill, joinStart, joinEnd);
      await poll('every partition flowing after the join', allFlowing);

      const figures: RoundFigures = {
        leaveMs: leaveEnd - leaveStart,
        leaveResumedMs,
        leaveCloseMs,
        leaveMoved: leaveMovedParts.length,
        leaveUnaffectedMaxGapMs: leavePause.ms,
        leaveWorstPartition: leavePause.partition,
        leaveWorstFromMs: leavePause.startMs,
        joinMs: joinEnd - joinStart,
        joinResumedMs,
        joinMoved: joinMovedParts.length,
        joinUnaffectedMaxGapMs: joinPause.ms,
        joinWorstPartition: joinPause.partition,
        joinWorstFromMs: joinPause.startMs,
        quietMaxGapMs,
      };
      rounds.push(figures);
      progress(
        `round ${String(round)}/${String(options.rounds)}: leave ${ms(figures.leaveMs)} (resumed ${ms(leaveResumedMs)}, ` +
          `${String(figures.leaveMoved)} moved, others' longest pause ${describe(leavePause)}); ` +
          `join ${ms(figures.joinMs)} (resumed ${ms(joinResumedMs)}, ${String(figures.joinMoved)} moved, ` +
          `others' longest pause ${describe(joinPause)}); quiet pause ${ms(quietMaxGapMs)}`,
      );
    }
  } catch (err: unknown) {
    stoppedEarly = err instanceof Error ? err.message : String(err);
    progress(`stopped early: ${stoppedEarly}`);
  } finally {
    producedPerSec = await load.stop();
    await Promise.all(started.map(async (m) => m.consumer.close().then(() => m.reading)));
    await producer.close({ timeoutMs: 5_000 }).catch(() => undefined);
    delay.disable();
  }
  return {
    rounds,
    formMs,
    producedPerSec,
    consumedRecords: consumed,
    doubleGrants: ownership.doubleGrants,
    errors,
    eventLoopDelayMs: { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
    ...(stoppedEarly === undefined ? {} : { stoppedEarly }),
  };
}

/**
 * Writes records round-robin over the partitions at `perSec` on average (a timer every 5 ms sends what is due; a
 * backlog after a stall is capped at a tenth of a second's worth, so a slow broker lowers the rate).
 */
class SteadyLoad {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private startedMs = 0;
  private dueFrom = 0;

  constructor(
    private readonly producer: Producer<number>,
    private readonly partitions: number,
    private readonly perSec: number,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    this.startedMs = performance.now();
    this.timer = setInterval(() => {
      this.tick();
    }, 5);
  }

  /** Stops writing, flushes, and returns the rate achieved, in records per second. */
  async stop(): Promise<number> {
    if (this.timer === undefined) return 0;
    clearInterval(this.timer);
    const seconds = (performance.now() - this.startedMs) / 1000;
    await this.producer.flush().catch((err: unknown) => {
      this.onError(err instanceof Error ? err.message : String(err));
    });
    return seconds > 0 ? this.sent / seconds : 0;
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedMs) * this.perSec) / 1000) - this.dueFrom;
    const now = Math.min(due - this.sent, Math.ceil(this.perSec / 10));
    // Skipped records are not owed later.
    if (due - this.sent > now) this.dueFrom += due - this.sent - now;
    for (let i = 0; i < now; i++) {
      try {
        this.producer.write({ topic: TOPIC, partition: this.sent % this.partitions, value: this.sent });
      } catch (err: unknown) {
        this.onError(err instanceof Error ? err.message : String(err));
        return;
      }
      this.sent++;
    }
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(pause: Pause): string {
  return `${ms(pause.ms)} on p${String(pause.partition)} from ${ms(pause.startMs)}`;
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}
