/** The nemesis schedule: seeded, bounded, covering every fault kind, with valid brokers, partitions and links. */
import t from 'tap';
import { describeFault, FAULT_KINDS, planFaults, type PlanOptions } from './nemesis.js';

const OPTIONS: PlanOptions = { brokers: 3, partitions: 3 };

void t.test('the same seed gives the same schedule; another seed another one', (t) => {
  t.same(planFaults(42, 45_000, OPTIONS), planFaults(42, 45_000, OPTIONS));
  t.notSame(planFaults(42, 45_000, OPTIONS), planFaults(43, 45_000, OPTIONS));
  t.end();
});

void t.test('the schedule fills the time asked for, and not much more', (t) => {
  for (const totalMs of [10_000, 45_000, 600_000]) {
    const steps = planFaults(7, totalMs, OPTIONS);
    const plannedMs = steps.reduce((sum, s) => sum + s.durationMs + s.quietMs, 0);
    t.ok(plannedMs >= totalMs && plannedMs < totalMs + 6_000, `${String(totalMs)} ms -> ${String(plannedMs)} ms`);
  }
  t.end();
});

void t.test('every kind occurs in each round of seven steps', (t) => {
  for (let seed = 0; seed < 50; seed++) {
    const steps = planFaults(seed, 200_000, OPTIONS);
    for (let start = 0; start + FAULT_KINDS.length <= steps.length; start += FAULT_KINDS.length) {
      const kinds = new Set(steps.slice(start, start + FAULT_KINDS.length).map((s) => s.fault.kind));
      if (kinds.size !== FAULT_KINDS.length) t.fail(`seed ${String(seed)}: round at ${String(start)} misses a kind`);
    }
  }
  t.pass('checked 50 seeds');
  t.end();
});

void t.test('faults name existing brokers, partitions and real links', (t) => {
  for (let seed = 0; seed < 50; seed++) {
    for (const { fault, durationMs, quietMs } of planFaults(seed, 60_000, OPTIONS)) {
      const bad = (why: string): void => {
        t.fail(`seed ${String(seed)}: ${describeFault(fault)}: ${why}`);
      };
      if (durationMs < 1_000 || durationMs > 4_000 || quietMs < 500 || quietMs > 2_000) bad('duration out of range');
      if (fault.kind === 'kill-leader') {
        if (fault.partition < 0 || fault.partition >= 3) bad('no such partition');
      } else if (fault.kind === 'cut') {
        if (fault.from === fault.to || fault.from < 1 || fault.from > 3 || fault.to < 1 || fault.to > 3)
          bad('bad link');
      } else if (fault.broker < 1 || fault.broker > 3) bad('no such broker');
    }
  }
  t.pass('checked 50 seeds');
  t.end();
});
