import t from 'tap';
import { ClientQuotas, type QuotaKind } from '../../../broker/quota/client-quotas.js';

const ANONYMOUS = 'User:ANONYMOUS';

function quotas(throttles: [QuotaKind, string, number][] = []): ClientQuotas {
  return new ClientQuotas(
    {
      limits: { produce: 1000, fetch: 0, partitionCreation: 10 },
      window: { samples: 10, sampleMs: 100 },
      throttled: (kind, principal, ms) => throttles.push([kind, principal, ms]),
    },
    ANONYMOUS,
  );
}

void t.test('a principal shares one quota across its client ids', (t) => {
  const throttles: [QuotaKind, string, number][] = [];
  const q = quotas(throttles);
  t.equal(q.record('produce', { principal: 'User:alice', clientId: 'a' }, 900, 0), 0, 'within 1000 B/s');
  t.equal(q.record('produce', { principal: 'User:alice', clientId: 'b' }, 600, 0), 600, '1500 B take 1500 ms');
  t.equal(q.record('produce', { principal: 'User:bob', clientId: 'a' }, 900, 0), 0, 'bob has his own');
  t.same(throttles, [['produce', 'User:alice', 600]], 'throttles are reported by principal');
  t.end();
});

void t.test('anonymous connections are told apart by client id', (t) => {
  const q = quotas();
  t.equal(q.record('produce', { principal: ANONYMOUS, clientId: 'a' }, 900, 0), 0);
  t.equal(q.record('produce', { principal: ANONYMOUS, clientId: 'b' }, 900, 0), 0, 'another client id');
  t.equal(q.record('produce', { principal: ANONYMOUS, clientId: 'a' }, 900, 0), 900, "a's second burst");
  t.end();
});

void t.test('a kind without a quota is not counted', (t) => {
  const q = quotas();
  t.equal(q.record('fetch', { principal: 'User:alice', clientId: '' }, 1e12, 0), 0);
  t.equal(q.check('fetch', { principal: 'User:alice', clientId: '' }, 0), 0);
  t.equal(q.size, 0, 'nothing tracked');
  t.end();
});

void t.test('check reports the wait without recording', (t) => {
  const q = quotas();
  const alice = { principal: 'User:alice', clientId: '' };
  t.equal(q.check('partitionCreation', alice, 0), 0, 'nothing created yet');
  t.equal(q.record('partitionCreation', alice, 15, 0), 600, '15 partitions take 1.5 s at 10/s, 0.9 s are the window');
  t.equal(q.check('partitionCreation', alice, 500), 600);
  t.equal(q.check('partitionCreation', alice, 500), 600, 'checking twice changes nothing');
  t.equal(q.check('partitionCreation', alice, 1000), 0, 'a window later');
  t.end();
});

void t.test('idle entities are forgotten', (t) => {
  const q = quotas();
  for (let i = 0; i < 100; i++) q.record('produce', { principal: `User:u${String(i)}`, clientId: '' }, 1, 0);
  t.equal(q.size, 100);
  q.record('produce', { principal: 'User:late', clientId: '' }, 1, 5000);
  t.equal(q.size, 1, 'only the one active in the last window is kept');
  t.end();
});
