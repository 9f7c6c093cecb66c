import t from 'tap';
import { progressLine } from '../../../bench/progress.js';
import { runRates, toRow } from '../../../bench/results.js';
import { latency10k, latencyOutcome, produce100, summary, throughputOutcome } from './fixtures.js';

const ISSUE_FIELDS = [
  'system',
  'scenario',
  'recordBytes',
  'producers',
  'partitions',
  'replicas',
  'acks',
  'transport',
  'recordsPerSec',
  'mbPerSec',
  'p50Ms',
  'p99Ms',
  'p999Ms',
  'maxMs',
  'brokerRssBytes',
  'machine',
  'timestamp',
];

void t.test('a row has the fields issue 5 lists, plus only min/max companions', (t) => {
  const row = toRow(throughputOutcome(produce100, 'brook', [300, 100, 200], 1234), 'M', 'T');
  for (const field of ISSUE_FIELDS) t.ok(field in row, field);
  const extra = Object.keys(row).filter((k) => !ISSUE_FIELDS.includes(k));
  t.ok(
    extra.every((k) => /(Min|Max)$/.test(k) && ISSUE_FIELDS.includes(k.replace(/(Min|Max)$/, ''))),
    `extra fields: ${extra.join(', ')}`,
  );
  t.end();
});

void t.test('throughput row: medians with min/max, nulls for latency, Brook knobs', (t) => {
  const row = toRow(throughputOutcome(produce100, 'brook', [300, 100, 200], 1234), 'M', 'T');
  t.match(row, {
    recordsPerSec: 200,
    recordsPerSecMin: 100,
    recordsPerSecMax: 300,
    mbPerSec: 0,
    p50Ms: null,
    p99Ms: null,
    maxMs: null,
    acks: '1',
    transport: 'tcp',
    partitions: 1,
    brokerRssBytes: 1234,
  });
  const peer = toRow(throughputOutcome(produce100, 'nats-jetstream', [100]), 'M', 'T');
  t.equal(peer.acks, null, "a peer's acknowledgement is described in its durability line, not as a Kafka acks value");
  t.equal(peer.brokerRssBytes, null, 'no RSS read: null, not 0');
  t.end();
});

void t.test('latency row: percentile medians, rate from delivered records', (t) => {
  const outcome = latencyOutcome(latency10k, 'brook', [summary(1, 2, 3, 4), summary(2, 4, 6, 8, 9_000)]);
  t.same(runRates(outcome), [10_000, 9_000]);
  const row = toRow(outcome, 'M', 'T');
  t.match(row, {
    p50Ms: 1.5,
    p50MsMin: 1,
    p50MsMax: 2,
    p99Ms: 3,
    p999Ms: 4.5,
    maxMs: 6,
    maxMsMax: 8,
    recordsPerSec: 9_500,
  });
  t.end();
});

void t.test('progress line: step of total, elapsed clock, scenario, run and system', (t) => {
  const line = progressLine({
    step: 7,
    total: 120,
    elapsedMs: 83_500,
    scenario: 'produce 100 B',
    run: 2,
    runs: 3,
    system: 'redis-streams',
  });
  t.equal(line, '[  7/120  1:23] produce 100 B · run 2/3 · redis-streams: ');
  t.end();
});
