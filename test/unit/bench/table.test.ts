import t from 'tap';
import { countSpread, markdownTable, reportMarkdown } from '../../../bench/table.js';
import { evaluateTargets } from '../../../bench/targets.js';
import { latency10k, latencyOutcome, produce100, summary, throughputOutcome } from './fixtures.js';

void t.test('markdownTable: padded columns, right-aligned numbers, a rule per column', (t) => {
  const table = markdownTable(
    ['name', 'n'],
    [
      ['a', '1'],
      ['longer', '1,000'],
    ],
    ['left', 'right'],
  );
  t.equal(table, ['| name   |     n |', '| ------ | ----: |', '| a      |     1 |', '| longer | 1,000 |'].join('\n'));
  t.end();
});

void t.test('countSpread: median (min-max) with thousands separators', (t) => {
  t.equal(countSpread([1000.4, 3000, 2000]), '2,000 (1,000-3,000)');
  t.equal(countSpread([]), 'n/a');
  t.end();
});

void t.test('report: systems, throughput with run-by-run ratios, latency, targets, skipped peers', (t) => {
  const outcomes = [
    throughputOutcome(produce100, 'brook', [600_000, 300_000, 500_000], 100 * 2 ** 20),
    throughputOutcome(produce100, 'nats-jetstream', [100_000, 50_000, 110_000]),
    latencyOutcome(latency10k, 'brook', [
      summary(0.5, 2, 8, 15),
      summary(0.6, 3, 9, 30),
      summary(0.7, 4, 30, 40, 9_990),
    ]),
  ];
  const md = reportMarkdown({
    outcomes,
    targets: evaluateTargets(outcomes),
    systems: [
      { name: 'brook', version: '0.1.0', durability: 'fsync every 1 s' },
      { name: 'nats-jetstream', version: '2.9.25', durability: 'file storage' },
    ],
    unavailable: [{ name: 'redis-streams', reason: 'redis-server not installed' }],
    machine: '2 x CPU',
    timestamp: '2026-01-01T00:00:00.000Z',
    runs: 3,
    command: 'node dist/bench/run.js --quick',
    elapsedSeconds: 90,
  });
  t.match(md, /\| brook +\| 0\.1\.0 +\| fsync every 1 s +\|/);
  t.match(md, /Skipped redis-streams: redis-server not installed/);
  // Brook's medians 500k; ratios per run 6, 6, 4.5 -> median 6.0x (not 500k/100k = 5.0x).
  t.match(
    md,
    /\| produce 100 B +\| brook +\| +500,000 \(300,000-600,000\) \| +50\.0 \| 6\.0x nats-jetstream +\| +100 MiB \| met: 6\.0x/,
  );
  t.match(md, /\| produce 100 B +\| nats-jetstream +\| +100,000 \(50,000-110,000\) \|/);
  t.match(
    md,
    /\| latency @ 10k rec\/s, 1 KiB \| brook +\| 0\.60 \(0\.50-0\.70\) \| 3\.00 \(2\.00-4\.00\) \| 9\.00 \(8\.00-30\.0\) \| 30\.0 \(15\.0-40\.0\) \| 10 of 30,000 lost \| met: p99 3\.00 ms, p99\.9 9\.00 ms \|/,
  );
  t.match(md, /- met: produce 100 B acks=1/);
  t.end();
});
