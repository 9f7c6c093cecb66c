import t, { type Test } from 'tap';
import { RecordBatchBuilder, setBaseOffset } from '../../../../protocol/index.js';
import { jsonCodec } from '../../../../client/codecs.js';
import { PartitionStream, StreamState } from '../../../../client/consumer/partition-stream.js';
import { readableBatch, type ReadableBatch } from '../../../../client/consumer/readable-batch.js';
import { Connection } from '../../../../client/connection.js';
import { parseEndpoint } from '../../../../client/endpoint.js';
import { FakeBroker } from '../helpers/fake-broker.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { resolved } from '../helpers/options.js';

const json = jsonCodec<number>();

function stream() {
  return new PartitionStream<number>(
    'orders',
    0,
    'earliest',
    { codec: json, creditRecords: 100, creditBytes: 1 << 20, onDecodeError: 'throw' },
    () => true,
  );
}

/** A connection to a fake broker, only to be named by subscriptions (the stream never uses it). */
function connection(t: Test): Connection {
  const c = new Connection([parseEndpoint('fake:1')], resolved(new FakeBroker(), new ManualClock()));
  t.teardown(() => c.close());
  return c;
}

function batch(baseOffset: number, values: number[]): ReadableBatch {
  const builder = new RecordBatchBuilder();
  for (const value of values) builder.add({ key: null, value: json.encode(value), timestamp: 1 });
  const bytes = builder.build().bytes;
  setBaseOffset(bytes, baseOffset);
  const readable = readableBatch(bytes, () => Promise.reject(new Error('uncompressed')));
  if (readable instanceof Promise) throw new Error('an uncompressed batch is readable at once');
  return readable;
}

void t.test('pause and resume; a withheld partition stays withheld and drops what it buffered', (t) => {
  const s = stream();
  t.equal(s.state, StreamState.READING);
  t.equal(s.ready, false, 'nothing buffered: not ready');
  s.accept([batch(0, [1, 2])], 2);
  t.equal(s.ready, true);
  s.pause();
  t.equal(s.state, StreamState.PAUSED);
  t.equal(s.ready, false, 'paused: not ready though records are buffered');
  s.resume();
  t.equal(s.ready, true);
  s.withhold();
  t.equal(s.state, StreamState.WITHHELD);
  t.equal(s.bufferedRecords, 0, 'buffered records dropped');
  s.resume();
  s.pause();
  t.equal(s.state, StreamState.WITHHELD, 'neither resume() nor pause() undoes a withhold');
  t.end();
});

void t.test('a subscription fixes the first position; supersede ends its claim; seek and reset move it', (t) => {
  const s = stream();
  t.equal(s.subscribeAt, 'earliest', 'the start position until deliveries began');
  const live = { connection: connection(t), subscriptionId: 7 };
  const generation = s.generation;
  s.subscribed(live, 5, 9);
  t.same([s.position, s.highWatermark, s.subscribeAt], [5, 9, 5]);
  t.equal(s.subscription, live);
  t.equal(s.supersede(), live, 'the subscription in place is handed back to be ended');
  t.equal(s.isCurrent(generation), false, 'pushes of the old subscription are stale');
  t.equal(s.subscription, undefined);
  s.subscribed({ connection: connection(t), subscriptionId: 8 }, 0, 9);
  t.equal(s.position, 5, 'a later subscription does not move the position');
  s.seek(42);
  t.same([s.position, s.subscribeAt], [42, 42]);
  s.reset('latest');
  t.same([s.position, s.subscribeAt], [undefined, 'latest']);
  t.end();
});

void t.test('finish() marks what the application took as finished', (t) => {
  const s = stream();
  s.subscribed({ connection: connection(t), subscriptionId: 1 }, 0, 2);
  s.accept([batch(0, [1, 2])], 2);
  t.equal(s.next()?.value, 1);
  t.equal(s.finished, undefined, 'taken, not finished');
  s.finish();
  t.equal(s.finished, 1);
  t.end();
});
