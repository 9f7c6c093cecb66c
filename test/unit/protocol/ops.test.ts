import t from 'tap';
import {
  ERROR_OP,
  notices,
  opKind,
  pushes,
  requests,
  type NoticeOp,
  type PushOp,
  type RequestOp,
} from '../../../protocol/index.js';

void t.test('the op codes are the documented ones', (t) => {
  const codes = {
    requests: Object.fromEntries(Object.entries(requests).map(([op, def]) => [op, def.code])),
    notices: Object.fromEntries(Object.entries(notices).map(([op, def]) => [op, def.code])),
    pushes: Object.fromEntries(Object.entries(pushes).map(([op, def]) => [op, def.code])),
  };
  // docs/protocol.md lists these codes; a change here is a wire change.
  t.strictSame(codes, {
    requests: {
      hello: 1,
      metadata: 2,
      createTopics: 3,
      deleteTopics: 4,
      produce: 5,
      fetch: 6,
      subscribe: 7,
      unsubscribe: 8,
      listOffsets: 9,
      ping: 10,
      initProducer: 11,
      reassignPartitions: 12,
      authenticate: 13,
      createUser: 14,
      deleteUser: 15,
      listUsers: 17,
      createAcls: 18,
      listAcls: 19,
      deleteAcls: 20,
      alterTopicConfigs: 50,
      createPartitions: 51,
      removeBroker: 60,
      setQuota: 61,
      listQuotas: 62,
      removeQuota: 63,
      groupHeartbeat: 40,
      commitOffsets: 41,
      fetchOffsets: 42,
      findCoordinator: 43,
      listGroups: 44,
      describeGroups: 45,
      deleteGroups: 46,
    },
    notices: { credit: 16 },
    pushes: { deliver: 32, grant: 33, subscriptionEnd: 34 },
  });
  t.equal(ERROR_OP, 127);
  t.end();
});

void t.test('codes are unique and fit in one msgpack byte', (t) => {
  const all = [
    ...Object.values(requests).map((d) => d.code),
    ...Object.values(notices).map((d) => d.code),
    ...Object.values(pushes).map((d) => d.code),
    ERROR_OP,
  ];
  t.equal(new Set(all).size, all.length);
  t.ok(all.every((c) => Number.isInteger(c) && c >= 1 && c <= 0x7f));
  t.end();
});

void t.test('opKind names every code and nothing else', (t) => {
  for (const op of Object.keys(requests) as RequestOp[])
    t.strictSame(opKind(requests[op].code), { kind: 'request', op });
  for (const op of Object.keys(notices) as NoticeOp[]) t.strictSame(opKind(notices[op].code), { kind: 'notice', op });
  for (const op of Object.keys(pushes) as PushOp[]) t.strictSame(opKind(pushes[op].code), { kind: 'push', op });
  t.strictSame(opKind(127), { kind: 'error' });
  const known = new Set<number>(
    [...Object.values(requests), ...Object.values(notices), ...Object.values(pushes)].map((d) => d.code),
  );
  for (let code = -1; code <= 300; code++) {
    if (!known.has(code) && code !== ERROR_OP) t.equal(opKind(code), undefined, `code ${String(code)}`);
  }
  t.equal(opKind(1.5), undefined);
  t.equal(opKind(Number.NaN), undefined);
  t.end();
});
