import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { BrokerMetrics, type PartitionGaugeSource } from '../../../broker/metrics/broker-metrics.js';
import { REPO_ROOT } from '../../helpers/broker-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Broker id 7 (the `broker` label) and a data directory that exists (the disk gauges read its filesystem). */
const BROKER = { brokerId: 7, dataDir: os.tmpdir() };

/** The value of one series in the text page, or undefined when it is absent. */
function valueOf(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

void t.test('counters, gauges and the histogram appear under brook_ names', async (t) => {
  const metrics = new BrokerMetrics({ ...BROKER, partitions: () => [], processMetrics: false });
  t.teardown(() => {
    metrics.close();
  });
  metrics.produced('orders', 10, 1000);
  metrics.produced('orders', 5, 500);
  metrics.fetched('orders', 3, 300);
  metrics.delivered('orders', 2, 200);
  metrics.connectionOpened('tcp');
  metrics.connectionOpened('tcp');
  metrics.connectionClosed('tcp');
  metrics.connectionOpened('ws');
  metrics.requestDone('produce', 0.0003);
  metrics.deliveryStalled('credit');
  metrics.errorSent('UNKNOWN_TOPIC');
  metrics.produceThrottled();

  const { contentType, body } = await metrics.metricsText();
  t.match(contentType, /^text\/plain/);
  t.equal(valueOf(body, 'brook_produce_records_total{topic="orders",broker="7"}'), 15);
  t.equal(valueOf(body, 'brook_produce_bytes_total{topic="orders",broker="7"}'), 1500);
  t.equal(
    valueOf(body, 'brook_fetch_records_total{topic="orders",broker="7"}'),
    5,
    'pull fetch and push delivery together',
  );
  t.equal(valueOf(body, 'brook_fetch_bytes_total{topic="orders",broker="7"}'), 500);
  t.equal(valueOf(body, 'brook_connections{transport="tcp",broker="7"}'), 1);
  t.equal(valueOf(body, 'brook_connections{transport="ws",broker="7"}'), 1);
  t.equal(valueOf(body, 'brook_connections_opened_total{transport="tcp",broker="7"}'), 2);
  t.equal(valueOf(body, 'brook_request_duration_seconds_bucket{le="0.0001",broker="7",op="produce"}'), 0);
  t.equal(valueOf(body, 'brook_request_duration_seconds_bucket{le="0.0005",broker="7",op="produce"}'), 1);
  t.equal(valueOf(body, 'brook_request_duration_seconds_bucket{le="10",broker="7",op="produce"}'), 1);
  t.equal(valueOf(body, 'brook_delivery_stalls_total{reason="credit",broker="7"}'), 1);
  t.equal(valueOf(body, 'brook_errors_sent_total{code="UNKNOWN_TOPIC",broker="7"}'), 1);
  t.equal(valueOf(body, 'brook_produce_throttled_total{broker="7"}'), 1);
  t.notMatch(body, /process_cpu/, 'no process metrics when turned off');

  metrics.topicDeleted('orders');
  const after = (await metrics.metricsText()).body;
  t.equal(
    valueOf(after, 'brook_produce_records_total{topic="orders",broker="7"}'),
    undefined,
    "a deleted topic's series go",
  );
});

void t.test('partition gauges are read at scrape time', async (t) => {
  const partitions: PartitionGaugeSource[] = [
    { topic: 'a', partition: 0, logStartOffset: 2, logEndOffset: 10, highWatermark: 9, sizeBytes: 1234 },
  ];
  let reads = 0;
  const metrics = new BrokerMetrics({
    ...BROKER,
    partitions: () => {
      reads++;
      return partitions;
    },
    processMetrics: false,
  });
  t.teardown(() => {
    metrics.close();
  });
  t.equal(reads, 0, 'nothing read before a scrape');
  let body = (await metrics.metricsText()).body;
  t.equal(valueOf(body, 'brook_partition_log_end_offset{topic="a",partition="0",broker="7"}'), 10);
  t.equal(valueOf(body, 'brook_partition_log_start_offset{topic="a",partition="0",broker="7"}'), 2);
  t.equal(valueOf(body, 'brook_partition_high_watermark{topic="a",partition="0",broker="7"}'), 9);
  t.equal(valueOf(body, 'brook_partition_size_bytes{topic="a",partition="0",broker="7"}'), 1234);

  partitions.length = 0;
  body = (await metrics.metricsText()).body;
  t.equal(
    valueOf(body, 'brook_partition_log_end_offset{topic="a",partition="0",broker="7"}'),
    undefined,
    'gone with the partition',
  );
});

void t.test('each broker has its own registry, with Node process metrics', async (t) => {
  const one = new BrokerMetrics({ ...BROKER, partitions: () => [] });
  const two = new BrokerMetrics({ ...BROKER, partitions: () => [] });
  t.teardown(() => {
    one.close();
    two.close();
  });
  one.produced('x', 1, 1);
  const body = (await one.metricsText()).body;
  t.match(body, /nodejs_eventloop_lag_seconds/);
  t.match(body, /process_cpu_user_seconds_total/);
  t.equal(valueOf((await two.metricsText()).body, 'brook_produce_records_total{topic="x",broker="7"}'), undefined);
});

void t.test('every series carries the broker id as its broker label', async (t) => {
  const metrics = new BrokerMetrics({ ...BROKER, partitions: () => [] });
  t.teardown(() => {
    metrics.close();
  });
  metrics.produced('x', 1, 1);
  const samples = (await metrics.metricsText()).body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  t.ok(samples.length > 50, 'broker and process series', { samples: samples.length });
  t.same(
    samples.filter((l) => !l.includes('broker="7"')),
    [],
    'no series without the label',
  );
});

void t.test('brook_build_info names the package version and the commit of this checkout', async (t) => {
  const metrics = new BrokerMetrics({ ...BROKER, partitions: () => [], processMetrics: false });
  t.teardown(() => {
    metrics.close();
  });
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const body = (await metrics.metricsText()).body;
  t.equal(valueOf(body, `brook_build_info{version="${pkg.version}",commit="${head}",broker="7"}`), 1);
});

void t.test('the disk gauges read the filesystem of the data directory at each scrape', async (t) => {
  const dataDir = tempDir(t, 'brook-disk-metrics-');
  const metrics = new BrokerMetrics({ brokerId: 7, dataDir, partitions: () => [], processMetrics: false });
  t.teardown(() => {
    metrics.close();
  });
  const stats = fs.statfsSync(dataDir);
  let body = (await metrics.metricsText()).body;
  const free = valueOf(body, 'brook_disk_free_bytes{broker="7"}');
  const size = valueOf(body, 'brook_disk_size_bytes{broker="7"}');
  t.equal(size, stats.blocks * stats.bsize, 'size is blocks times block size');
  t.ok(free !== undefined && size !== undefined && free > 0 && free <= size, 'free is within the size', { free, size });
  // Other processes write to the same filesystem meanwhile: within 64 MiB of statfs called here is the same reading.
  t.ok(Math.abs((free ?? 0) - stats.bavail * stats.bsize) < 64 * 1024 * 1024, 'free is what statfs calls available');

  fs.rmSync(dataDir, { recursive: true });
  body = (await metrics.metricsText()).body;
  t.ok(Number.isNaN(valueOf(body, 'brook_disk_free_bytes{broker="7"}')), 'NaN, not 0, once the directory is gone');
});
