// Regression (issue 11): topic and partition creation were unbounded per client (2,000 partitions grew a broker by
// 332 MiB) and so were subscriptions per connection (100,000: +78 MiB). Expected now: createTopics past
// --max-partitions answers LIMIT_EXCEEDED for the topic and creates nothing; a client past its partition creation
// quota is refused with QUOTA_EXCEEDED naming the wait; a subscribe past --max-subscriptions-per-connection is
// refused with LIMIT_EXCEEDED.
import t from 'tap';
import { startBrokerProcess } from '../helpers/broker-process.js';
import { RawTcpConnection } from '../helpers/raw-connection.js';

const topic = (name: string, partitions: number) => ({ name, partitions, replicationFactor: 1, config: {} });

void t.test('createTopics past --max-partitions is refused and creates nothing', async (t) => {
  const broker = await startBrokerProcess(t, { args: ['--max-partitions', '10'] });
  const raw = await RawTcpConnection.open(t, broker.tcpPort);
  await raw.hello();
  const first = await raw.request('createTopics', { topics: [topic('eight', 8)] });
  t.same(first.results, [{ name: 'eight' }]);
  const second = await raw.request('createTopics', { topics: [topic('three', 3)] });
  t.match(second.results, [{ name: 'three', error: { code: 37, message: /--max-partitions 10/ } }], 'LIMIT_EXCEEDED');
  const listed = await raw.request('metadata', {});
  t.same(
    listed.topics.map((x) => x.name),
    ['eight'],
    'the refused topic does not exist',
  );
});

void t.test('a client past its partition creation quota is refused with QUOTA_EXCEEDED', async (t) => {
  const broker = await startBrokerProcess(t, { args: ['--quota-partition-creations-per-sec', '5'] });
  const raw = await RawTcpConnection.open(t, broker.tcpPort);
  await raw.hello();
  // 100 partitions at 5/s take 20 s, far more than the 10 s the window holds: the next request must wait.
  const burst = await raw.request('createTopics', { topics: [topic('burst', 100)] });
  t.same(burst.results, [{ name: 'burst' }], 'let through: the rate was within the quota');
  await t.rejects(
    raw.request('createTopics', { topics: [topic('next', 1)] }),
    { code: 'QUOTA_EXCEEDED', message: /retry in \d+ ms/ },
    'the next creation is refused, naming the wait',
  );
});

void t.test('a subscribe past --max-subscriptions-per-connection is refused', async (t) => {
  const broker = await startBrokerProcess(t, { args: ['--max-subscriptions-per-connection', '3'] });
  const raw = await RawTcpConnection.open(t, broker.tcpPort);
  await raw.hello();
  await raw.request('createTopics', { topics: [topic('subs', 1)] });
  const subscribe = (subscriptionId: number) =>
    raw.request('subscribe', {
      subscriptionId,
      topic: 'subs',
      partition: 0,
      offset: 'latest',
      credit: { records: 1, bytes: 1 },
    });
  for (const id of [1, 2, 3]) await subscribe(id);
  await t.rejects(subscribe(4), { code: 'LIMIT_EXCEEDED', message: 'a connection may hold at most 3 subscriptions' });
});
