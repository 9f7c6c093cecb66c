// Which quota holds a client (broker/quota/quota-resolution.ts): Kafka's order, most specific first (user and client
// id, user, client id, the default user), then the broker's flag; and whose rate it is counted in.
import t from 'tap';
import type { QuotaEntity } from '../../../protocol/index.js';
import { resolveQuota, type QuotaOverrides, type QuotaRates } from '../../../broker/quota/quota-resolution.js';
import { ClientQuotas } from '../../../broker/quota/client-quotas.js';

function overrides(entries: [QuotaEntity, QuotaRates][]): QuotaOverrides {
  const byKey = new Map(entries.map(([e, r]) => [JSON.stringify([e.user, e.clientId]), r]));
  return { rates: (e) => byKey.get(JSON.stringify([e.user, e.clientId])) };
}

const alice = { user: 'alice', clientId: 'etl', anonymous: false };
const BROKER_DEFAULT = 7;

void t.test('the most specific level that sets the kind wins', (t) => {
  const all = overrides([
    [{ user: 'alice', clientId: 'etl' }, { produceBytesPerSec: 1 }],
    [{ user: 'alice' }, { produceBytesPerSec: 2, fetchBytesPerSec: 20 }],
    [{ clientId: 'etl' }, { produceBytesPerSec: 3, fetchBytesPerSec: 30 }],
    [{}, { produceBytesPerSec: 4, fetchBytesPerSec: 40 }],
  ]);
  t.equal(resolveQuota('produce', alice, all, BROKER_DEFAULT).limit, 1, 'user and client id');
  t.equal(resolveQuota('fetch', alice, all, BROKER_DEFAULT).limit, 20, 'the pair sets no fetch rate: the user does');
  t.equal(resolveQuota('produce', { ...alice, clientId: 'web' }, all, BROKER_DEFAULT).limit, 2, 'user');
  t.equal(resolveQuota('produce', { ...alice, user: 'bob' }, all, BROKER_DEFAULT).limit, 3, 'client id');
  t.equal(resolveQuota('produce', { user: 'bob', clientId: 'web', anonymous: false }, all, 0).limit, 4, 'default');
  t.equal(resolveQuota('produce', alice, overrides([]), BROKER_DEFAULT).limit, BROKER_DEFAULT, 'the broker flag');
  t.end();
});

void t.test('0 set at a level means no limit there, whatever the levels below say', (t) => {
  const none = overrides([
    [{ user: 'alice' }, { produceBytesPerSec: 0 }],
    [{}, { produceBytesPerSec: 4 }],
  ]);
  t.equal(resolveQuota('produce', alice, none, BROKER_DEFAULT).limit, 0);
  t.end();
});

void t.test('a quota is shared at the level it was set', (t) => {
  const byUser = overrides([[{ user: 'alice' }, { produceBytesPerSec: 2 }]]);
  const key = (client: typeof alice, o: QuotaOverrides) => resolveQuota('produce', client, o, 5).key;
  t.equal(key(alice, byUser), key({ ...alice, clientId: 'web' }, byUser), "a user's clients share the user's");
  const byClient = overrides([[{ clientId: 'etl' }, { produceBytesPerSec: 3 }]]);
  t.equal(key(alice, byClient), key({ ...alice, user: 'bob' }, byClient), 'users of one client id share its quota');
  const pair = overrides([[{ user: 'alice', clientId: 'etl' }, { produceBytesPerSec: 1 }]]);
  t.not(key(alice, pair), key({ ...alice, clientId: 'web' }, pair), 'a pair is counted alone');
  const none = overrides([]);
  t.not(key(alice, none), key({ ...alice, user: 'bob' }, none), 'the default is counted per user');
  const anonymous = { user: 'ANONYMOUS', clientId: 'a', anonymous: true };
  t.not(key(anonymous, none), key({ ...anonymous, clientId: 'b' }, none), 'anonymous clients per client id');
  t.end();
});

void t.test('ClientQuotas holds each user to the override that resolves for it', (t) => {
  const rates = overrides([[{ user: 'alice' }, { produceBytesPerSec: 1000 }]]);
  const quotas = new ClientQuotas(
    {
      limits: { produce: 0, fetch: 0, partitionCreation: 0 },
      window: { samples: 10, sampleMs: 100 },
      overrides: rates,
    },
    'User:ANONYMOUS',
  );
  t.equal(quotas.record('produce', { principal: 'User:alice', clientId: 'a' }, 1500, 0), 600, 'alice: 1000 B/s');
  t.equal(quotas.record('produce', { principal: 'User:bob', clientId: 'a' }, 1e9, 0), 0, 'bob: no quota');
  t.end();
});
