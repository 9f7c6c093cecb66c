import t from 'tap';
import type { Scenario } from '../../../bench/plan.js';
import { evaluateTargets } from '../../../bench/targets.js';
import { latency10k, latencyOutcome, produce100, summary, throughputOutcome } from './fixtures.js';

const consume100: Scenario = {
  kind: 'consume',
  id: 'consume-100B',
  title: 'consume catch-up 100 B',
  source: 'produce-100B',
  recordBytes: 100,
  knobs: {},
  peers: true,
  deployment: 'single',
};

function scale(partitions: number): Scenario {
  return { ...produce100, id: `scale-partitions-${String(partitions)}`, peers: false, deployment: 'fresh' };
}

void t.test('produce: each peer against its own multiple, misses say by how much', (t) => {
  const [result] = evaluateTargets([
    throughputOutcome(produce100, 'brook', [400_000, 400_000, 400_000]),
    throughputOutcome(produce100, 'nats-jetstream', [100_000, 100_000, 100_000]),
    throughputOutcome(produce100, 'rabbitmq-streams', [100_000, 100_000, 100_000]),
  ]);
  t.equal(result?.status, 'missed');
  t.match(result?.detail, /4\.0x nats-jetstream, needs 5x \(20% short\)/);
  t.match(result?.detail, /4\.0x rabbitmq-streams \(>= 3x\)/);
  t.end();
});

void t.test('consume: against the better peer', (t) => {
  const results = evaluateTargets([
    throughputOutcome(consume100, 'brook', [900_000, 900_000, 900_000]),
    throughputOutcome(consume100, 'nats-jetstream', [200_000, 200_000, 200_000]),
    throughputOutcome(consume100, 'redis-streams', [400_000, 400_000, 400_000]),
  ]);
  t.equal(results[0]?.status, 'missed');
  t.match(results[0]?.detail, /2\.3x redis-streams/);
  t.end();
});

void t.test('latency: p99 and p99.9 limits on the medians', (t) => {
  const met = evaluateTargets([latencyOutcome(latency10k, 'brook', [summary(1, 4, 19, 50)])]);
  t.equal(met[0]?.status, 'met');
  const missed = evaluateTargets([latencyOutcome(latency10k, 'brook', [summary(1, 6, 25, 50)])]);
  t.equal(missed[0]?.status, 'missed');
  t.match(missed[0]?.detail, /p99 over by 1\.00 ms, p99\.9 over by 5\.00 ms/);
  t.end();
});

void t.test('10,000 partitions: RSS and half the 8-partition rate', (t) => {
  const results = evaluateTargets([
    throughputOutcome(scale(8), 'brook', [100_000, 100_000, 100_000], 100 * 2 ** 20),
    throughputOutcome(scale(10_000), 'brook', [40_000, 40_000, 40_000], 3 * 2 ** 30),
  ]);
  const big = results.find((r) => r.scenarioId === 'scale-partitions-10000');
  t.equal(big?.status, 'missed');
  t.match(big?.detail, /RSS over by 1024 MiB, throughput 40% of 8 partitions/);
  t.end();
});

void t.test('nothing to judge: no verdicts for scenarios that did not run; no peer: not measured', (t) => {
  t.same(evaluateTargets([]), []);
  const alone = evaluateTargets([throughputOutcome(produce100, 'brook', [1])]);
  t.equal(alone[0]?.status, 'not measured');
  t.end();
});
