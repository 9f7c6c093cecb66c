/**
 * The nemesis: a seeded schedule of faults (pure: {@link planFaults}) and its execution against a
 * {@link ChaosCluster} ({@link runFault}). Every fault is undone before the next one starts; kinds rotate in a
 * seeded order so that every kind occurs in any run of at least {@link FAULT_KINDS}.length steps.
 */
import { Mulberry32 } from '../../broker/raft/rng.js';
import type { ChaosCluster, CutMode } from './cluster.js';

/** One fault. Broker ids are 1..brokers; partitions 0..partitions-1. */
export type Fault =
  /** SIGKILL the leader of a partition (as metadata names it), restart it on the same data dir when the fault ends. */
  | { readonly kind: 'kill-leader'; readonly partition: number }
  /** SIGSTOP a broker, SIGCONT when the fault ends. */
  | { readonly kind: 'pause'; readonly broker: number }
  /** Cut a broker from the others both ways: a minority of one against a majority. */
  | { readonly kind: 'isolate'; readonly broker: number; readonly mode: CutMode }
  /** Cut one directed link only. */
  | { readonly kind: 'cut'; readonly from: number; readonly to: number; readonly mode: CutMode }
  /** Every pair cut except through `broker`, which still sees everyone. */
  | { readonly kind: 'bridge'; readonly broker: number }
  /** Delay every link of a broker. */
  | { readonly kind: 'slow'; readonly broker: number; readonly delayMs: number }
  /** Reset every link of a broker and refuse reconnections until the fault ends. */
  | { readonly kind: 'reset-links'; readonly broker: number };

/** The kinds of {@link Fault}. */
export const FAULT_KINDS = ['kill-leader', 'pause', 'isolate', 'cut', 'bridge', 'slow', 'reset-links'] as const;

/** A fault, how long it lasts, and the calm after it is undone. */
export interface FaultStep {
  readonly fault: Fault;
  readonly durationMs: number;
  readonly quietMs: number;
}

/** Shape of the schedule. */
export interface PlanOptions {
  /** Broker count (ids 1..brokers). */
  readonly brokers: number;
  readonly partitions: number;
  /** Shortest and longest fault, in ms. Default 1 000 and 4 000. */
  readonly minFaultMs?: number;
  readonly maxFaultMs?: number;
  /** Shortest and longest calm after a fault, in ms. Default 500 and 2 000. */
  readonly minQuietMs?: number;
  readonly maxQuietMs?: number;
}

/** Faults filling about `totalMs` (the last step may end past it), the same for the same seed and options. */
export function planFaults(seed: number, totalMs: number, options: PlanOptions): FaultStep[] {
  const rng = new Mulberry32(seed);
  const between = (lo: number, hi: number): number => lo + rng.nextInt(hi - lo + 1);
  const minFaultMs = options.minFaultMs ?? 1_000;
  const maxFaultMs = options.maxFaultMs ?? 4_000;
  const minQuietMs = options.minQuietMs ?? 500;
  const maxQuietMs = options.maxQuietMs ?? 2_000;
  const steps: FaultStep[] = [];
  let plannedMs = 0;
  let round: string[] = [];
  while (plannedMs < totalMs) {
    if (round.length === 0) round = shuffled([...FAULT_KINDS], rng);
    const kind = round.pop() as Fault['kind'];
    const step = {
      fault: makeFault(kind, options, rng),
      durationMs: between(minFaultMs, maxFaultMs),
      quietMs: between(minQuietMs, maxQuietMs),
    };
    steps.push(step);
    plannedMs += step.durationMs + step.quietMs;
  }
  return steps;
}

function makeFault(kind: Fault['kind'], options: PlanOptions, rng: Mulberry32): Fault {
  const broker = 1 + rng.nextInt(options.brokers);
  const mode: CutMode = rng.nextInt(2) === 0 ? 'drop' : 'reset';
  switch (kind) {
    case 'kill-leader':
      return { kind, partition: rng.nextInt(options.partitions) };
    case 'pause':
    case 'bridge':
    case 'reset-links':
      return { kind, broker };
    case 'isolate':
      return { kind, broker, mode };
    case 'cut': {
      const to = 1 + ((broker - 1 + 1 + rng.nextInt(options.brokers - 1)) % options.brokers);
      return { kind, from: broker, to, mode };
    }
    case 'slow':
      return { kind, broker, delayMs: 20 + rng.nextInt(181) };
  }
}

function shuffled<T>(items: T[], rng: Mulberry32): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}

/** A one-line description of a fault for the log. */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'kill-leader':
      return `SIGKILL the leader of partition ${String(fault.partition)}`;
    case 'pause':
      return `SIGSTOP broker ${String(fault.broker)}`;
    case 'isolate':
      return `isolate broker ${String(fault.broker)} (${fault.mode})`;
    case 'cut':
      return `cut link ${String(fault.from)}->${String(fault.to)} (${fault.mode})`;
    case 'bridge':
      return `bridge partition through broker ${String(fault.broker)}`;
    case 'slow':
      return `delay links of broker ${String(fault.broker)} by ${String(fault.delayMs)} ms`;
    case 'reset-links':
      return `reset links of broker ${String(fault.broker)}`;
  }
}

/** What the executor needs besides the cluster: the leader of a partition, and the fault's wait. */
export interface FaultContext {
  /** The broker id metadata names as the leader of `partition`, or undefined when none is known. */
  leaderOf(partition: number): Promise<number | undefined>;
  /** Waits `ms` (the fault's duration is the point of the fault, not a synchronisation). */
  hold(ms: number): Promise<void>;
}

/** Applies a fault, holds it `durationMs`, then undoes it (restart, SIGCONT, heal). Resolves with what it did. */
export async function runFault(cluster: ChaosCluster, step: FaultStep, context: FaultContext): Promise<string> {
  const { fault } = step;
  switch (fault.kind) {
    case 'kill-leader': {
      const leader = await context.leaderOf(fault.partition);
      // No known leader (mid-election): the fault still kills someone, chosen by partition for determinism.
      const victim = leader ?? cluster.ids[fault.partition % cluster.ids.length] ?? 1;
      await cluster.kill(victim);
      await context.hold(step.durationMs);
      await cluster.restart(victim);
      return `${describeFault(fault)}: killed broker ${String(victim)}${leader === undefined ? ' (leader unknown)' : ''}`;
    }
    case 'pause':
      cluster.pause(fault.broker);
      await context.hold(step.durationMs);
      cluster.resume(fault.broker);
      return describeFault(fault);
    case 'isolate':
      cluster.isolate(fault.broker, fault.mode);
      break;
    case 'cut':
      cluster.cut(fault.from, fault.to, fault.mode);
      break;
    case 'bridge':
      cluster.bridge(fault.broker);
      break;
    case 'slow':
      cluster.slow(fault.broker, fault.delayMs);
      break;
    case 'reset-links':
      cluster.resetLinks(fault.broker);
      break;
  }
  await context.hold(step.durationMs);
  cluster.healNetwork();
  return describeFault(fault);
}
