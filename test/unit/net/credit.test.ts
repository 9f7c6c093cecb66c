import t from 'tap';
import { Credit } from '../../../broker/net/credit.js';

void t.test('a batch may start only while both records and bytes are positive', (t) => {
  t.ok(new Credit(1, 1).canStart());
  t.notOk(new Credit(0, 100).canStart(), 'no record credit');
  t.notOk(new Credit(100, 0).canStart(), 'no byte credit');
  t.notOk(new Credit(0, 0).canStart());
  t.end();
});

void t.test('charging a whole batch may overdraw by that batch, then nothing more starts', (t) => {
  const credit = new Credit(10, 1000);
  t.ok(credit.canStart());
  credit.charge(25, 4000);
  t.equal(credit.recordsLeft, -15);
  t.equal(credit.bytesLeft, -3000);
  t.notOk(credit.canStart());
  t.end();
});

void t.test('grants add to what is left, including a debt', (t) => {
  const credit = new Credit(1, 100);
  credit.charge(5, 50);
  t.notOk(credit.canStart(), 'records overdrawn');
  credit.add(4, 0);
  t.equal(credit.recordsLeft, 0);
  t.notOk(credit.canStart(), 'paying the debt back is not enough');
  credit.add(1, 0);
  t.ok(credit.canStart());
  t.equal(credit.bytesLeft, 50);
  t.end();
});

void t.test('grants saturate instead of losing integer precision', (t) => {
  const credit = new Credit(Number.MAX_SAFE_INTEGER, 1);
  credit.add(Number.MAX_SAFE_INTEGER, 0);
  t.equal(credit.recordsLeft, Number.MAX_SAFE_INTEGER);
  credit.charge(1, 0);
  t.equal(credit.recordsLeft, Number.MAX_SAFE_INTEGER - 1);
  t.end();
});
