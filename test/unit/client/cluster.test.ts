import t from 'tap';
import { BrookError } from '../../../protocol/index.js';
import { Cluster } from '../../../client/cluster.js';
import { resolveClientOptions } from '../../../client/options.js';
import { ConsumerCore } from '../../../client/consumer/consumer.js';
import { ProducerCore } from '../../../client/producer/producer.js';
import { memoryTransportFactory } from '../../../client/transport/memory.js';
import { FakeBroker } from './helpers/fake-broker.js';
import { ManualClock, fixedRandom } from './helpers/manual-clock.js';
import { noPlatform } from './helpers/options.js';

/** Two brokers; partition p of every topic is led by broker leaders[p]. */
function twoBrokers(leaders: number[]) {
  const b1 = new FakeBroker(1);
  const b2 = new FakeBroker(2);
  const view = {
    brokers: [
      { id: 1, host: 'b1', port: 9001, wsPort: 9101 },
      { id: 2, host: 'b2', port: 9002, wsPort: 9102 },
    ],
    leaderOf: (_topic: string, partition: number) => leaders[partition] ?? 1,
  };
  for (const b of [b1, b2]) {
    b.cluster = view;
    b.createTopic('orders', leaders.length);
  }
  const transport = memoryTransportFactory((server) => {
    const endpoint = server.endpoint;
    const host = endpoint.kind === 'tcp' ? endpoint.host : '';
    (host === 'b2' ? b2 : b1).accept(server);
  });
  const clock = new ManualClock();
  const options = { bootstrap: 'b1:9001', transport, clock, random: fixedRandom(0.5) };
  return { b1, b2, clock, options };
}

void t.test('produce requests go to each partition leader, one connection per broker', async (t) => {
  const { b1, b2, clock, options } = twoBrokers([1, 2, 2]);
  const producer = new ProducerCore<number>(options, noPlatform);
  const sent = [0, 1, 2, 1].map((partition) => producer.send({ topic: 'orders', value: partition, partition }));
  await clock.advance(5);
  const metas = await Promise.all(sent);
  t.same(
    metas.map((m) => [m.partition, m.offset]),
    [
      [0, 0],
      [1, 0],
      [2, 0],
      [1, 1],
    ],
  );
  t.equal(b1.batches('orders', 0).length, 1, 'partition 0 on broker 1');
  t.equal(b2.batches('orders', 1).length, 1, 'partition 1 on broker 2');
  t.equal(b2.batches('orders', 2).length, 1, 'partition 2 on broker 2');
  t.equal(b1.sessions.length, 1);
  t.equal(b2.sessions.length, 1);
  const toB2 = b2.session.ops('produce')[0]?.body as { partitions: { partition: number }[] };
  t.same(toB2.partitions.map((p) => p.partition).sort(), [1, 2], 'one request carries both of its partitions');
  await producer.close();
});

void t.test('NOT_LEADER refreshes metadata and retries at the new leader', async (t) => {
  const leaders = [1];
  const { b1, b2, clock, options } = twoBrokers(leaders);
  const producer = new ProducerCore<number>(options, noPlatform);
  const first = producer.send({ topic: 'orders', value: 1 });
  await clock.advance(5);
  t.equal((await first).offset, 0);
  leaders[0] = 2; // leadership moves; the producer's metadata is stale
  const second = producer.send({ topic: 'orders', value: 2 });
  await clock.advance(5);
  t.equal(b1.session.ops('produce').length, 2, 'the stale leader was asked and refused');
  await clock.advance(1000);
  const meta = await second;
  t.equal(meta.offset, 0, 'appended on broker 2');
  t.equal(b2.batches('orders', 0).length, 1);
  await producer.close();
});

void t.test('a consumer subscribes at the leader and moves when leadership changes', async (t) => {
  const leaders = [2];
  const { b2, b1, clock, options } = twoBrokers(leaders);
  const consumer = new ConsumerCore<number>({ ...options, from: 'earliest' }, noPlatform);
  await consumer.assign('orders');
  t.equal(b2.session.ops('subscribe').length, 1);
  t.equal(b1.sessions[0]?.ops('subscribe').length ?? 0, 0);
  leaders[0] = 1;
  const sub = [...b2.session.subscriptions.keys()][0] ?? -1;
  b2.session.subscriptions.delete(sub);
  b2.session.send(34, 0, { subscriptionId: sub, error: { code: 12, message: 'moved' } });
  await clock.advance(1000);
  t.equal(b1.session.ops('subscribe').length, 1, 're-subscribed on the new leader');
  await consumer.close();
});

void t.test(
  'retry: retryIf picks the errors retried, onRetry hears each, abandoned stops after a backoff',
  async (t) => {
    const { clock, options } = twoBrokers([1]);
    const cluster = new Cluster(resolveClientOptions(options, noPlatform));
    t.teardown(() => cluster.close());
    const heard: string[] = [];
    let attempts = 0;
    let abandon = false;
    const outcome = cluster
      .retry(
        () => {
          attempts++;
          // NOT_COORDINATOR is not retriable by itself; retryIf makes it so. The second attempt abandons the request.
          if (attempts === 2) abandon = true;
          return Promise.reject(new BrookError('NOT_COORDINATOR', `attempt ${String(attempts)}`));
        },
        {
          deadlineMs: clock.nowMs() + 60_000,
          retryIf: (error) => error.code === 'NOT_COORDINATOR',
          onRetry: (error) => heard.push(error.message),
          abandoned: () => abandon,
        },
      )
      .then(
        () => 'resolved',
        (err: unknown) => (err instanceof BrookError ? err.message : String(err)),
      );
    for (let i = 0; i < 10 && attempts < 2; i++) await clock.advance(1_000);
    t.equal(await outcome, 'attempt 2', 'the error of the attempt after which the caller gave up');
    t.same(heard, ['attempt 1'], 'onRetry heard the retried error only');
    t.equal(attempts, 2);

    const notRetried = await cluster
      .retry(() => Promise.reject(new BrookError('NOT_LEADER', 'moved')), {
        deadlineMs: clock.nowMs() + 60_000,
        retryIf: () => false,
      })
      .catch((err: unknown) => err);
    t.ok(notRetried instanceof BrookError && notRetried.code === 'NOT_LEADER', 'retryIf false: thrown at once');
  },
);
