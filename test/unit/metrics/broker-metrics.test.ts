import t from 'tap';
import { BrokerMetrics, type PartitionGaugeSource } from '../../../broker/metrics/broker-metrics.js';

/** The value of one series in the text page, or undefined when it is absent. */
function valueOf(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

void t.test('counters, gauges and the histogram appear under brook_ names', async (t) => {
  const metrics = new BrokerMetrics({ partitions: () => [], processMetrics: false });
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
  t.equal(valueOf(body, 'brook_produce_records_total{topic="orders"}'), 15);
  t.equal(valueOf(body, 'brook_produce_bytes_total{topic="orders"}'), 1500);
  t.equal(valueOf(body, 'brook_fetch_records_total{topic="orders"}'), 5, 'pull fetch and push delivery together');
  t.equal(valueOf(body, 'brook_fetch_bytes_total{topic="orders"}'), 500);
  t.equal(valueOf(body, 'brook_connections{transport="tcp"}'), 1);
  t.equal(valueOf(body, 'brook_connections{transport="ws"}'), 1);
  t.equal(valueOf(body, 'brook_connections_opened_total{transport="tcp"}'), 2);
  t.equal(valueOf(body, 'brook_request_duration_seconds_bucket{le="0.0001",op="produce"}'), 0);
  t.equal(valueOf(body, 'brook_request_duration_seconds_bucket{le="0.0005",op="produce"}'), 1);
  t.equal(valueOf(body, 'brook_request_duration_seconds_bucket{le="10",op="produce"}'), 1);
  t.equal(valueOf(body, 'brook_delivery_stalls_total{reason="credit"}'), 1);
  t.equal(valueOf(body, 'brook_errors_sent_total{code="UNKNOWN_TOPIC"}'), 1);
  t.equal(valueOf(body, 'brook_produce_throttled_total'), 1);
  t.notMatch(body, /process_cpu/, 'no process metrics when turned off');

  metrics.topicDeleted('orders');
  const after = (await metrics.metricsText()).body;
  t.equal(valueOf(after, 'brook_produce_records_total{topic="orders"}'), undefined, "a deleted topic's series go");
});

void t.test('partition gauges are read at scrape time', async (t) => {
  const partitions: PartitionGaugeSource[] = [
    { topic: 'a', partition: 0, logStartOffset: 2, logEndOffset: 10, highWatermark: 9, sizeBytes: 1234 },
  ];
  let reads = 0;
  const metrics = new BrokerMetrics({
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
  t.equal(valueOf(body, 'brook_partition_log_end_offset{topic="a",partition="0"}'), 10);
  t.equal(valueOf(body, 'brook_partition_log_start_offset{topic="a",partition="0"}'), 2);
  t.equal(valueOf(body, 'brook_partition_high_watermark{topic="a",partition="0"}'), 9);
  t.equal(valueOf(body, 'brook_partition_size_bytes{topic="a",partition="0"}'), 1234);

  partitions.length = 0;
  body = (await metrics.metricsText()).body;
  t.equal(
    valueOf(body, 'brook_partition_log_end_offset{topic="a",partition="0"}'),
    undefined,
    'gone with the partition',
  );
});

void t.test('each broker has its own registry, with Node process metrics', async (t) => {
  const one = new BrokerMetrics({ partitions: () => [] });
  const two = new BrokerMetrics({ partitions: () => [] });
  t.teardown(() => {
    one.close();
    two.close();
  });
  one.produced('x', 1, 1);
  const body = (await one.metricsText()).body;
  t.match(body, /nodejs_eventloop_lag_seconds/);
  t.match(body, /process_cpu_user_seconds_total/);
  t.equal(valueOf((await two.metricsText()).body, 'brook_produce_records_total{topic="x"}'), undefined);
});
