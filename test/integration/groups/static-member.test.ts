/**
 * Static membership against a real broker process: a member with a `groupInstanceId` that closes (leaving with
 * epoch -2) and comes back within its session gets the same partitions back at its committed offsets, and the
 * other member is not disturbed (nothing revoked from it).
 */
import t from 'tap';
import { Admin, Consumer, Producer, type ConsumerRecord, type TopicPartition } from '../../../client/index.js';
import { startBrokerProcess } from '../../helpers/broker-process.js';
import { waitFor } from '../../helpers/wait-for.js';

const PARTITIONS = 4;

void t.test(
  'a static member that restarts within its session takes its partitions back without a rebalance',
  async (t) => {
    const broker = await startBrokerProcess(t, { args: ['--group-heartbeat-interval-ms', '300'] });
    const bootstrap = broker.bootstrap;
    const admin = new Admin({ bootstrap });
    const producer = new Producer<number>({ bootstrap });
    t.teardown(() => Promise.all([admin.close(), producer.close()]));
    await admin.createTopic('events', { partitions: PARTITIONS });
    const produce = (from: number) =>
      Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          producer.send({ topic: 'events', partition: i % PARTITIONS, value: from + i }),
        ),
      );
    await produce(0);

    const revokedFromB: TopicPartition[] = [];
    const member = (instance: string, onRevoked?: (tps: readonly TopicPartition[]) => void) => {
      const consumer = new Consumer<number>({
        bootstrap,
        groupId: 'static-group',
        groupInstanceId: instance,
        sessionTimeoutMs: 30_000,
        ...(onRevoked === undefined ? {} : { onRevoked }),
      });
      t.teardown(() => consumer.close());
      return consumer;
    };
    const records: ConsumerRecord<number>[] = [];
    const read = async (c: Consumer<number>) => {
      for await (const r of c) records.push(r);
    };
    const a = member('host-a');
    const b = member('host-b', (tps) => revokedFromB.push(...tps));
    a.subscribe('events');
    void read(a);
    await waitFor(() => a.assignment().length === PARTITIONS, { timeoutMs: 20_000, what: 'a alone' });
    b.subscribe('events');
    void read(b);
    await waitFor(() => a.assignment().length === 2 && b.assignment().length === 2 && records.length === 40, {
      timeoutMs: 20_000,
      what: 'two members, every record read',
    });
    const aPartitions = a
      .assignment()
      .map((tp) => tp.partition)
      .sort();
    const bPartitions = b
      .assignment()
      .map((tp) => tp.partition)
      .sort();
    await a.close();

    await produce(40);
    const restarted = member('host-a');
    restarted.subscribe('events');
    void read(restarted);
    await waitFor(() => records.length === 80, { timeoutMs: 20_000, what: 'the new records read' });
    t.same(
      restarted
        .assignment()
        .map((tp) => tp.partition)
        .sort(),
      aPartitions,
      'the same partitions as before',
    );
    t.same(
      b
        .assignment()
        .map((tp) => tp.partition)
        .sort(),
      bPartitions,
      'b kept its own',
    );
    t.same(revokedFromB, [], 'nothing was revoked from b');
    const keys = records.map((r) => `${String(r.partition)}:${String(r.offset)}`);
    t.equal(new Set(keys).size, 80, 'no record read twice: the restarted member started at the committed offsets');
  },
);
