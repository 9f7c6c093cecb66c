import t from 'tap';
import { asControl as asControlOf } from '../../../broker/cluster/control-messages.js';

/** As the transport hands payloads over: objects it only checked to have a `kind`. */
const asControl = (payload: Record<string, unknown> & { kind: unknown }): ReturnType<typeof asControlOf> =>
  asControlOf(payload);

void t.test('control messages are recognised by their fields', (t) => {
  t.same(asControl({ kind: 'wake' }), { kind: 'wake' });
  t.same(asControl({ kind: 'quiesce', term: 3 }), { kind: 'quiesce', term: 3 });
  t.same(asControl({ kind: 'alive', endpoint: { host: 'h', port: 1, wsPort: 2 } }), {
    kind: 'alive',
    endpoint: { host: 'h', port: 1, wsPort: 2 },
  });
  t.same(asControl({ kind: 'alive', endpoint: { host: 'h', port: 1, wsPort: 2 }, stopping: true }), {
    kind: 'alive',
    endpoint: { host: 'h', port: 1, wsPort: 2 },
    stopping: true,
  });
  t.same(
    asControl({ kind: 'alive', endpoint: { host: 'h', port: 1, wsPort: 2 }, stopping: 'yes' }),
    { kind: 'alive', endpoint: { host: 'h', port: 1, wsPort: 2 } },
    'stopping only when it is true',
  );
  t.same(asControl({ kind: 'join', host: '10.0.0.4', port: 9402 }), { kind: 'join', host: '10.0.0.4', port: 9402 });
  t.same(asControl({ kind: 'moved', topic: 'a', partition: 2, replicas: [4, 1] }), {
    kind: 'moved',
    topic: 'a',
    partition: 2,
    replicas: [4, 1],
  });
  const spec = { name: '__offsets', partitions: 16, replicationFactor: 3, config: { 'retention.ms': '1000' } };
  t.same(asControl({ kind: 'createTopic', spec }), { kind: 'createTopic', spec });
  t.end();
});

void t.test('a known kind with wrong fields is ignored (another version, or corruption)', (t) => {
  t.equal(asControl({ kind: 'join', host: 4, port: 9402 }), null);
  t.equal(asControl({ kind: 'join', host: 'h', port: -1 }), null);
  t.equal(asControl({ kind: 'moved', topic: 'a', partition: 0, replicas: ['x'] }), null);
  t.equal(asControl({ kind: 'moved', topic: 'a', partition: 1.5, replicas: [1] }), null);
  t.equal(asControl({ kind: 'quiesce' }), null);
  t.equal(asControl({ kind: 'createTopic', spec: { name: 'x', partitions: 1, replicationFactor: 1 } }), null);
  t.equal(
    asControl({ kind: 'createTopic', spec: { name: 'x', partitions: 1, replicationFactor: 1, config: { a: 1 } } }),
    null,
  );
  t.equal(asControl({ kind: 'nope' }), null);
  t.end();
});
