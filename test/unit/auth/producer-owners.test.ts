import t from 'tap';
import { ProducerOwners } from '../../../broker/auth/producer-owners.js';

void t.test('an id handed to one principal is refused to another', (t) => {
  const owners = new ProducerOwners();
  owners.claim('User:alice', 7);
  t.doesNotThrow(() => {
    owners.use('User:alice', 7);
  });
  t.throws(() => {
    owners.use('User:mallory', 7);
  }, /producer id 7 belongs to another principal/);
  t.end();
});

void t.test('an id handed out elsewhere is bound to its first user', (t) => {
  const owners = new ProducerOwners();
  owners.use('User:bob', 9);
  t.throws(
    () => {
      owners.use('User:alice', 9);
    },
    { code: 'UNAUTHORIZED' },
  );
  t.end();
});

void t.test('the table is bounded: the oldest bindings are forgotten first', (t) => {
  const owners = new ProducerOwners(2);
  owners.claim('User:a', 1);
  owners.claim('User:b', 2);
  owners.claim('User:c', 3);
  t.doesNotThrow(() => {
    owners.use('User:z', 1);
  }, 'id 1 was forgotten: bound again on first use');
  t.throws(
    () => {
      owners.use('User:z', 3);
    },
    { code: 'UNAUTHORIZED' },
    'id 3 is still bound',
  );
  t.end();
});
