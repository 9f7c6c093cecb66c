import t from 'tap';
import type { AclBinding } from '../../../protocol/index.js';
import { Authorizer } from '../../../broker/auth/authorizer.js';

const acl = (over: Partial<AclBinding>): AclBinding => ({
  principal: 'User:alice',
  resourceType: 'topic',
  resourceName: 'orders',
  patternType: 'literal',
  operation: 'write',
  permission: 'allow',
  ...over,
});
const topic = (name: string) => ({ type: 'topic' as const, name });

void t.test('what no ACL allows is denied', (t) => {
  const authorizer = new Authorizer(() => [], []);
  t.notOk(authorizer.allows('User:alice', 'read', topic('orders')));
  t.end();
});

void t.test('a literal allow matches its principal, resource and operation only', (t) => {
  const authorizer = new Authorizer(() => [acl({})], []);
  t.ok(authorizer.allows('User:alice', 'write', topic('orders')));
  t.notOk(authorizer.allows('User:bob', 'write', topic('orders')), 'another principal');
  t.notOk(authorizer.allows('User:alice', 'write', topic('orders2')), 'another name');
  t.notOk(authorizer.allows('User:alice', 'read', topic('orders')), 'another operation');
  t.notOk(authorizer.allows('User:alice', 'write', { type: 'group', name: 'orders' }), 'another resource type');
  t.end();
});

void t.test('prefixed names, the * name, User:* and the all operation match widely', (t) => {
  const authorizer = new Authorizer(
    () => [
      acl({ resourceName: 'orders.', patternType: 'prefixed' }),
      acl({ principal: 'User:*', resourceName: '*', operation: 'describe' }),
      acl({
        principal: 'User:ops',
        resourceType: 'group',
        resourceName: 'ops-',
        patternType: 'prefixed',
        operation: 'all',
      }),
    ],
    [],
  );
  t.ok(authorizer.allows('User:alice', 'write', topic('orders.eu')));
  t.notOk(authorizer.allows('User:alice', 'write', topic('order')));
  t.ok(authorizer.allows('User:anyone', 'describe', topic('whatever')));
  t.ok(authorizer.allows('User:ops', 'delete', { type: 'group', name: 'ops-billing' }));
  t.notOk(authorizer.allows('User:ops', 'delete', { type: 'group', name: 'billing' }));
  t.end();
});

void t.test('deny wins over allow, also through User:* and prefixes', (t) => {
  const authorizer = new Authorizer(
    () => [
      acl({ operation: 'all' }),
      acl({
        principal: 'User:*',
        resourceName: 'ord',
        patternType: 'prefixed',
        operation: 'write',
        permission: 'deny',
      }),
    ],
    [],
  );
  t.notOk(authorizer.allows('User:alice', 'write', topic('orders')), 'denied');
  t.ok(authorizer.allows('User:alice', 'read', topic('orders')), 'the deny is for write only');
  t.end();
});

void t.test('read, write, delete and alter imply describe; alterConfigs implies describeConfigs (allow only)', (t) => {
  for (const operation of ['read', 'write', 'delete', 'alter'] as const) {
    t.ok(new Authorizer(() => [acl({ operation })], []).allows('User:alice', 'describe', topic('orders')), operation);
  }
  t.ok(
    new Authorizer(() => [acl({ operation: 'alterConfigs' })], []).allows(
      'User:alice',
      'describeConfigs',
      topic('orders'),
    ),
  );
  t.notOk(
    new Authorizer(() => [acl({ operation: 'describe' })], []).allows('User:alice', 'read', topic('orders')),
    'not the other way round',
  );
  const denyRead = new Authorizer(
    () => [acl({ operation: 'describe' }), acl({ operation: 'read', permission: 'deny' })],
    [],
  );
  t.ok(denyRead.allows('User:alice', 'describe', topic('orders')), 'a deny of read does not deny describe');
  t.end();
});

void t.test('super users may do anything, whatever the ACLs say', (t) => {
  const authorizer = new Authorizer(
    () => [acl({ principal: 'User:admin', operation: 'all', permission: 'deny' })],
    ['User:admin'],
  );
  t.ok(authorizer.allows('User:admin', 'delete', topic('orders')));
  t.ok(authorizer.allows('User:admin', 'clusterAction', { type: 'cluster', name: 'cluster' }));
  t.end();
});

void t.test('a changed binding list is seen at the next check (the index follows the list)', (t) => {
  let acls: readonly AclBinding[] = [acl({ principal: 'User:bob' })];
  const authorizer = new Authorizer(() => acls, []);
  t.notOk(authorizer.allows('User:alice', 'write', topic('orders')), 'only bob may');
  acls = [...acls, acl({})];
  t.ok(authorizer.allows('User:alice', 'write', topic('orders')), 'alice added');
  acls = [...acls, acl({ principal: 'User:*', permission: 'deny' })];
  t.notOk(authorizer.allows('User:alice', 'write', topic('orders')), 'a deny for everyone added');
  acls = [];
  t.notOk(authorizer.allows('User:bob', 'write', topic('orders')), 'all removed');
  t.end();
});

void t.test('a check reads only the bindings of its principal and of User:*', (t) => {
  const others = Array.from({ length: 1000 }, (_, i) => acl({ principal: `User:u${String(i)}` }));
  const acls = [...others, acl({ principal: 'User:*', operation: 'read' }), acl({})];
  const read: string[] = [];
  const watched = acls.map(
    (binding) =>
      new Proxy(binding, {
        get(target, key, receiver) {
          if (key === 'resourceType') read.push(target.principal);
          return Reflect.get(target, key, receiver) as unknown;
        },
      }),
  );
  const authorizer = new Authorizer(() => watched, []);
  t.ok(authorizer.allows('User:alice', 'write', topic('orders')));
  t.same(read.sort(), ['User:*', 'User:alice'], "no other principal's binding is looked at");
  t.end();
});
