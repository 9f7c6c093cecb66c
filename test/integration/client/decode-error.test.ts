/**
 * The case from issue 14 against a real broker: lines produced as strings, read with the default JSON codec. Over TCP
 * and WebSocket, assigned and in a group: each undecodable record is a DecodeError naming topic, partition and offset,
 * the position stays on it until the application seeks past it, and the good records after two bad ones arrive.
 */
import t from 'tap';
import { Admin, Consumer, DecodeError, Producer, stringCodec } from '../../../client/index.js';
import { closeAtEnd, startTestBroker } from './helpers.js';
import { valueOf } from '../../helpers/consume.js';

interface Order {
  id: number;
}

/** One batch holding offsets 0-3 (two of them not JSON), then offset 4 on its own. */
const LINES = [['{"id":0}', 'a', 'b', '{"id":3}'], ['{"id":4}']];

void t.test('undecodable records: typed error, position kept, nothing after them lost', async (t) => {
  const broker = await startTestBroker(t);
  const tcp = `127.0.0.1:${String(broker.tcpPort)}`;
  const ws = `ws://127.0.0.1:${String(broker.wsPort)}`;
  const admin = new Admin({ bootstrap: tcp });
  const producer = new Producer<string>({ bootstrap: tcp, codec: stringCodec() });
  closeAtEnd(t, admin, producer);

  for (const [transport, bootstrap] of [
    ['tcp', tcp],
    ['ws', ws],
  ] as const) {
    for (const mode of ['assign', 'group'] as const) {
      await t.test(`${transport}, ${mode}`, async (t) => {
        const topic = `lines-${transport}-${mode}`;
        await admin.createTopic(topic);
        for (const lines of LINES) {
          await Promise.all(lines.map((value) => producer.send({ topic, partition: 0, value })));
        }
        const consumer = new Consumer<Order>({
          bootstrap,
          from: 'earliest',
          ...(mode === 'group' ? { groupId: `g-${topic}` } : {}),
        });
        t.teardown(() => consumer.close());
        const tp = { topic, partition: 0 };
        if (mode === 'assign') await consumer.assign(topic);
        else consumer.subscribe(topic);
        const it = consumer[Symbol.asyncIterator]();
        const take = async (): Promise<number> => {
          const next = await it.next();
          if (next.done === true) throw new Error('iteration ended');
          return valueOf(next.value).id;
        };
        t.equal(await take(), 0);
        const first = await it.next().catch((e: unknown) => e);
        t.type(first, DecodeError, String(first));
        t.match(first, { topic, partition: 0, offset: 1 });
        t.equal(consumer.position(tp), 1, 'the position stays at offset 1');
        await consumer.seek(tp, 2);
        await t.rejects(it.next(), { name: 'DecodeError', topic, offset: 2 }, 'the second bad record');
        await consumer.seek(tp, 3);
        t.same([await take(), await take()], [3, 4], 'the good records after two bad ones arrive');
        t.equal(consumer.position(tp), 5);
      });
    }
  }
});
